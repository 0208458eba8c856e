"""Test rows for convolution, pooling and fused batch norm, against naive numpy loops.

The references loop over output positions (NHWC; NCHW rows transpose around them), so
they share no code with ``ops/nn/kernels``. Shapes are small and non-square: x [2,5,6,3],
filters [3,2,3,4], with strides 2, SAME/VALID/EXPLICIT padding, NCHW and dilation 2.
"""
from __future__ import annotations

import numpy as np

import sessionflow as tf
from sessionflow.graph.op_builder import apply_op

from .op_spec import Arg, OpSpec

# name -> (strides (h, w), padding (str or ((top, bottom), (left, right))), dilations, format)
CONFIGS = {
    "same_s2": ((2, 2), "SAME", (1, 1), "NHWC"),
    "valid": ((1, 2), "VALID", (1, 1), "NHWC"),
    "explicit": ((2, 1), ((1, 2), (0, 1)), (1, 1), "NHWC"),
    "nchw": ((2, 2), "SAME", (1, 1), "NCHW"),
    "dilated": ((1, 1), "SAME", (2, 2), "NHWC"),
}


def four(hw, fmt: str) -> list[int]:
    """A spatial pair as a 4-element attr in ``fmt`` order."""
    return [1, 1, *hw] if fmt == "NCHW" else [1, *hw, 1]


def tf_padding(padding, fmt: str):
    """The TF1 ``padding`` argument: the string, or a list of 4 explicit pairs."""
    if isinstance(padding, str):
        return padding
    pairs = [list(p) for p in padding]
    return [[0, 0], [0, 0], *pairs] if fmt == "NCHW" else [[0, 0], *pairs, [0, 0]]


def _to_nhwc(x, fmt):
    return x if fmt == "NHWC" else x.transpose(0, 2, 3, 1)


def _from_nhwc(x, fmt):
    return x if fmt == "NHWC" else x.transpose(0, 3, 1, 2)


def nchw_shape(shape_nhwc, fmt: str) -> list[int]:
    n, h, w, c = shape_nhwc
    return [n, h, w, c] if fmt == "NHWC" else [n, c, h, w]


class Geometry:
    """Output size, paddings and window slices of a windowed op on an NHWC input."""

    def __init__(self, in_hw, k_hw, strides, padding, dilations=(1, 1)):
        self.k, self.s, self.d = k_hw, strides, dilations
        pads, out = [], []
        for size, k, s, d, i in zip(in_hw, k_hw, strides, dilations, range(2)):
            eff = (k - 1) * d + 1
            if padding == "SAME":
                n = -(-size // s)
                total = max((n - 1) * s + eff - size, 0)
                pad = (total // 2, total - total // 2)
            else:
                pad = (0, 0) if padding == "VALID" else tuple(padding[i])
                n = (size + sum(pad) - eff) // s + 1
            pads.append(pad)
            out.append(n)
        self.pads, self.out = tuple(pads), tuple(out)

    def pad(self, x, value=0.0):
        return np.pad(x, ((0, 0), *self.pads, (0, 0)), constant_values=value)

    def unpad(self, xp, in_hw):
        (t, _), (left, _) = self.pads
        return xp[:, t:t + in_hw[0], left:left + in_hw[1]]

    def window(self, i, j):
        """Slices of the padded input read by output (i, j): [N, kh, kw, C]."""
        (kh, kw), (sh, sw), (dh, dw) = self.k, self.s, self.d
        return (slice(None), slice(i * sh, i * sh + (kh - 1) * dh + 1, dh),
                slice(j * sw, j * sw + (kw - 1) * dw + 1, dw))

    def positions(self):
        return [(i, j) for i in range(self.out[0]) for j in range(self.out[1])]


# -- numpy references -------------------------------------------------------------------------

def np_conv(x, w, cfg, depthwise=False):
    strides, padding, dilations, fmt = cfg
    xn = _to_nhwc(x, fmt)
    g = Geometry(xn.shape[1:3], w.shape[:2], strides, padding, dilations)
    xp = g.pad(xn)
    cout = w.shape[2] * w.shape[3] if depthwise else w.shape[3]
    out = np.zeros((xn.shape[0], *g.out, cout))
    for i, j in g.positions():
        patch = xp[g.window(i, j)]
        if depthwise:
            out[:, i, j] = np.einsum("nijc,ijcm->ncm", patch, w).reshape(len(x), -1)
        else:
            out[:, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return _from_nhwc(out, fmt)


def np_conv_backprop_input(sizes, w, dy, cfg, depthwise=False):
    strides, padding, dilations, fmt = cfg
    n, h, wd, c = _to_nhwc(np.zeros(sizes), fmt).shape
    dyn = _to_nhwc(dy, fmt)
    g = Geometry((h, wd), w.shape[:2], strides, padding, dilations)
    dxp = g.pad(np.zeros((n, h, wd, c)))
    for i, j in g.positions():
        if depthwise:
            d = dyn[:, i, j].reshape(n, c, -1)
            dxp[g.window(i, j)] += np.einsum("ncm,ijcm->nijc", d, w)
        else:
            dxp[g.window(i, j)] += np.tensordot(dyn[:, i, j], w, axes=([1], [3]))
    return _from_nhwc(g.unpad(dxp, (h, wd)), fmt)


def np_conv_backprop_filter(x, sizes, dy, cfg, depthwise=False):
    strides, padding, dilations, fmt = cfg
    xn, dyn = _to_nhwc(x, fmt), _to_nhwc(dy, fmt)
    g = Geometry(xn.shape[1:3], tuple(sizes[:2]), strides, padding, dilations)
    xp = g.pad(xn)
    dw = np.zeros(sizes)
    for i, j in g.positions():
        patch = xp[g.window(i, j)]
        if depthwise:
            d = dyn[:, i, j].reshape(len(x), sizes[2], sizes[3])
            dw += np.einsum("nijc,ncm->ijcm", patch, d)
        else:
            dw += np.tensordot(patch, dyn[:, i, j], axes=([0], [0]))
    return dw


def _argmax_masks(xn, g):
    """Per output position: a one-hot [N, kh, kw, C] mask of the first window maximum."""
    xp = g.pad(xn, -np.inf)
    masks = {}
    for i, j in g.positions():
        win = xp[g.window(i, j)]
        flat = win.reshape(len(xn), -1, xn.shape[3])
        onehot = np.zeros_like(flat)
        np.put_along_axis(onehot, flat.argmax(1)[:, None], 1.0, axis=1)
        masks[i, j] = onehot.reshape(win.shape)
    return masks


def np_max_pool(x, k, s, padding, fmt="NHWC"):
    xn = _to_nhwc(x, fmt)
    g = Geometry(xn.shape[1:3], k, s, padding)
    xp = g.pad(xn, -np.inf)
    out = np.zeros((len(x), *g.out, xn.shape[3]), x.dtype)
    for i, j in g.positions():
        out[:, i, j] = xp[g.window(i, j)].max(axis=(1, 2))
    return _from_nhwc(out, fmt)


def np_max_pool_grad(x, dy, k, s, padding, fmt="NHWC"):
    xn, dyn = _to_nhwc(x, fmt), _to_nhwc(dy, fmt)
    g = Geometry(xn.shape[1:3], k, s, padding)
    dxp = g.pad(np.zeros_like(xn))
    for (i, j), mask in _argmax_masks(xn, g).items():
        dxp[g.window(i, j)] += mask * dyn[:, i, j, None, None, :]
    return _from_nhwc(g.unpad(dxp, xn.shape[1:3]), fmt)


def np_max_pool_grad_grad(x, grad, k, s, padding, fmt="NHWC"):
    xn, gn = _to_nhwc(x, fmt), _to_nhwc(grad, fmt)
    g = Geometry(xn.shape[1:3], k, s, padding)
    gp = g.pad(gn)
    out = np.zeros((len(x), *g.out, xn.shape[3]), grad.dtype)
    for (i, j), mask in _argmax_masks(xn, g).items():
        out[:, i, j] = (mask * gp[g.window(i, j)]).sum(axis=(1, 2))
    return _from_nhwc(out, fmt)


def _valid_counts(g, in_hw):
    ones = g.pad(np.ones((1, *in_hw, 1)))
    return {(i, j): ones[g.window(i, j)].sum() for i, j in g.positions()}


def np_avg_pool(x, k, s, padding, fmt="NHWC"):
    xn = _to_nhwc(x, fmt)
    g = Geometry(xn.shape[1:3], k, s, padding)
    xp = g.pad(xn)
    counts = _valid_counts(g, xn.shape[1:3])
    out = np.zeros((len(x), *g.out, xn.shape[3]), x.dtype)
    for i, j in g.positions():
        out[:, i, j] = xp[g.window(i, j)].sum(axis=(1, 2)) / counts[i, j]
    return _from_nhwc(out, fmt)


def np_avg_pool_grad(sizes, dy, k, s, padding, fmt="NHWC"):
    dyn = _to_nhwc(dy, fmt)
    in_shape = _to_nhwc(np.zeros(sizes), fmt).shape
    g = Geometry(in_shape[1:3], k, s, padding)
    counts = _valid_counts(g, in_shape[1:3])
    dxp = g.pad(np.zeros(in_shape, dy.dtype))
    for i, j in g.positions():
        dxp[g.window(i, j)] += dyn[:, i, j, None, None, :] / counts[i, j]
    return _from_nhwc(g.unpad(dxp, in_shape[1:3]), fmt)


def np_batch_norm(x, scale, offset, mean, var, eps, fmt="NHWC"):
    shape = [1, -1, 1, 1] if fmt == "NCHW" else [-1]
    inv = 1 / np.sqrt(var.astype(np.float64) + eps)
    return ((x - mean.reshape(shape)) * (scale * inv).reshape(shape) + offset.reshape(shape))


def np_batch_norm_train(x, scale, offset, eps=1e-3, fmt="NHWC"):
    """All six FusedBatchNormV3 training outputs."""
    axes = (0, 2, 3) if fmt == "NCHW" else (0, 1, 2)
    x64 = x.astype(np.float64)
    mean, var = x64.mean(axes), x64.var(axes)
    n = x.size // len(mean)
    y = np_batch_norm(x64, scale, offset, mean, var, eps, fmt)
    return [y, mean, var * n / (n - 1), mean, var, np.zeros(())]


def np_batch_norm_grad(dy, x, scale, mean, var, eps, fmt="NHWC", training=True):
    """FusedBatchNormGradV3's outputs (reserve spaces hold the statistics used)."""
    axes = (0, 2, 3) if fmt == "NCHW" else (0, 1, 2)
    shape = [1, -1, 1, 1] if fmt == "NCHW" else [-1]
    inv = 1 / np.sqrt(var + eps)
    xc = x - mean.reshape(shape)
    dscale = (dy * xc).sum(axes) * inv
    dx = dy * (scale * inv).reshape(shape)
    if training:
        n = x.size // len(mean)
        dx = (scale * inv).reshape(shape) * (
            dy - dy.mean(axes).reshape(shape)
            - xc * ((dy * xc).sum(axes) / n / (var + eps)).reshape(shape))
    return [dx, dscale, dy.sum(axes), np.zeros(0), np.zeros(0)]


# -- builders -------------------------------------------------------------------------------

# Why rows are exempt from the unknown-rank gradient sweep's rank-0 inputs; their empty
# inputs are an empty batch (in every batched input and in a given input size).
_NEEDS_4D = "TF: windowed ops take 4-D inputs and filters (input must be 4-dimensional)"


def _empty_batch(shape: list[int]) -> list[int]:
    return [0, *shape[1:]]


def _sizes(shape: list[int]) -> Arg:
    """A given (constant) input or filter size."""
    return Arg([4], "int32", value=shape, diff=False, feed=False)


X = [2, 5, 6, 3]
W = [3, 2, 3, 4]
SMALL_X = [1, 5, 6, 3]
DW = [3, 2, 3, 2]          # depthwise filter: channel multiplier 2


def conv_args(cfg, batch_shape=X) -> tuple[list[int], dict]:
    """The input shape (in the config's format) and the tf.nn keyword arguments."""
    strides, padding, dilations, fmt = cfg
    kwargs = {"strides": four(strides, fmt), "padding": tf_padding(padding, fmt),
              "data_format": fmt, "dilations": four(dilations, fmt)}
    return nchw_shape(batch_shape, fmt), kwargs


def out_shape(cfg, x_nhwc, k_hw, cout) -> list[int]:
    strides, padding, dilations, fmt = cfg
    g = Geometry(x_nhwc[1:3], k_hw, strides, padding, dilations)
    return nchw_shape([x_nhwc[0], *g.out, cout], fmt)


def _conv_rows(name, cfg, batch_shape=X, grad2=False) -> list[OpSpec]:
    xs, kw = conv_args(cfg, batch_shape)
    dys = out_shape(cfg, batch_shape, W[:2], W[3])
    no_xs, no_dys = _empty_batch(xs), _empty_batch(dys)
    return [
        OpSpec("Conv2D", lambda x, w: tf.nn.conv2d(x, w, **kw), [Arg(xs), Arg(W)],
               lambda x, w: np_conv(x, w, cfg), grad2=grad2, name=f"Conv2D_{name}",
               rank0=_NEEDS_4D),
        OpSpec("Conv2DBackpropInput",
               lambda s, w, dy: tf.nn.conv2d_backprop_input(s, w, dy, **kw),
               [_sizes(xs), Arg(W), Arg(dys)],
               lambda s, w, dy: np_conv_backprop_input(s, w, dy, cfg),
               name=f"Conv2DBackpropInput_{name}", rank0=_NEEDS_4D,
               empty=[_sizes(no_xs), Arg(W), Arg(no_dys)]),
        OpSpec("Conv2DBackpropFilter",
               lambda x, s, dy: tf.nn.conv2d_backprop_filter(x, s, dy, **kw),
               [Arg(xs), _sizes(W), Arg(dys)],
               lambda x, s, dy: np_conv_backprop_filter(x, list(s), dy, cfg),
               name=f"Conv2DBackpropFilter_{name}", rank0=_NEEDS_4D,
               empty=[Arg(no_xs), _sizes(W), Arg(no_dys)]),
    ]


def _depthwise_rows(name, cfg, grad2=False) -> list[OpSpec]:
    xs, kw = conv_args(cfg, SMALL_X)
    dys = out_shape(cfg, SMALL_X, DW[:2], DW[2] * DW[3])
    no_xs, no_dys = _empty_batch(xs), _empty_batch(dys)
    return [
        OpSpec("DepthwiseConv2dNative",
               lambda x, w: tf.nn.depthwise_conv2d_native(x, w, **kw), [Arg(xs), Arg(DW)],
               lambda x, w: np_conv(x, w, cfg, depthwise=True), grad2=grad2,
               name=f"DepthwiseConv2dNative_{name}", rank0=_NEEDS_4D),
        OpSpec("DepthwiseConv2dNativeBackpropInput",
               lambda s, w, dy: tf.nn.depthwise_conv2d_native_backprop_input(s, w, dy, **kw),
               [_sizes(xs), Arg(DW), Arg(dys)],
               lambda s, w, dy: np_conv_backprop_input(s, w, dy, cfg, depthwise=True),
               name=f"DepthwiseConv2dNativeBackpropInput_{name}", rank0=_NEEDS_4D,
               empty=[_sizes(no_xs), Arg(DW), Arg(no_dys)]),
        OpSpec("DepthwiseConv2dNativeBackpropFilter",
               lambda x, s, dy: tf.nn.depthwise_conv2d_native_backprop_filter(x, s, dy, **kw),
               [Arg(xs), _sizes(DW), Arg(dys)],
               lambda x, s, dy: np_conv_backprop_filter(x, list(s), dy, cfg, depthwise=True),
               name=f"DepthwiseConv2dNativeBackpropFilter_{name}", rank0=_NEEDS_4D,
               empty=[Arg(no_xs), _sizes(DW), Arg(no_dys)]),
    ]


# (k, s, padding, format) pool configurations: overlapping SAME windows, VALID, NCHW.
POOLS = {
    "same": ((3, 2), (2, 2), "SAME", "NHWC"),
    "valid": ((2, 2), (1, 2), "VALID", "NHWC"),
    "nchw": ((2, 3), (2, 2), "SAME", "NCHW"),
}


def _pool_attrs(cfg) -> dict:
    k, s, padding, fmt = cfg
    return {"ksize": four(k, fmt), "strides": four(s, fmt), "padding": padding,
            "data_format": fmt}


def _pool_rows(name, cfg) -> list[OpSpec]:
    k, s, padding, fmt = cfg
    attrs = _pool_attrs(cfg)
    xs = nchw_shape(SMALL_X, fmt)
    g = Geometry(SMALL_X[1:3], k, s, padding)
    ys = nchw_shape([1, *g.out, 3], fmt)

    def max_pool(x):
        return tf.nn.max_pool(x, attrs["ksize"], attrs["strides"], padding, fmt)

    def max_pool_grad_grad(x, grad):
        return apply_op("MaxPoolGradGrad", [x, max_pool(x), grad], attrs)
    no_xs, no_ys = _empty_batch(xs), _empty_batch(ys)
    return [
        OpSpec("MaxPool", max_pool, [Arg(xs)], lambda x: np_max_pool(x, k, s, padding, fmt),
               name=f"MaxPool_{name}", rank0=_NEEDS_4D),
        OpSpec("MaxPoolGrad", lambda x, dy: apply_op("MaxPoolGrad", [x, max_pool(x), dy], attrs),
               [Arg(xs), Arg(ys)], lambda x, dy: np_max_pool_grad(x, dy, k, s, padding, fmt),
               name=f"MaxPoolGrad_{name}", rank0=_NEEDS_4D, empty=[Arg(no_xs), Arg(no_ys)]),
        OpSpec("MaxPoolGradGrad", max_pool_grad_grad, [Arg(xs), Arg(xs)],
               lambda x, gr: np_max_pool_grad_grad(x, gr, k, s, padding, fmt),
               name=f"MaxPoolGradGrad_{name}", rank0=_NEEDS_4D),
        OpSpec("AvgPool", lambda x: tf.nn.avg_pool(x, attrs["ksize"], attrs["strides"], padding,
                                                    fmt),
               [Arg(xs)], lambda x: np_avg_pool(x, k, s, padding, fmt), name=f"AvgPool_{name}",
               rank0=_NEEDS_4D),
        OpSpec("AvgPoolGrad", lambda sz, dy: apply_op("AvgPoolGrad", [sz, dy], attrs),
               [_sizes(xs), Arg(ys)],
               lambda sz, dy: np_avg_pool_grad(sz, dy, k, s, padding, fmt),
               name=f"AvgPoolGrad_{name}", rank0=_NEEDS_4D,
               empty=[_sizes(no_xs), Arg(no_ys)]),
    ]


def _explicit_max_pool_rows() -> list[OpSpec]:
    """MaxPool/MaxPoolGrad with EXPLICIT padding (MaxPoolGradGrad has no EXPLICIT mode)."""
    k, s, pads = (3, 2), (2, 1), ((1, 2), (0, 1))
    attrs = {"ksize": four(k, "NHWC"), "strides": four(s, "NHWC"), "padding": "EXPLICIT",
             "explicit_paddings": [0, 0, 1, 2, 0, 1, 0, 0]}
    g = Geometry(SMALL_X[1:3], k, s, pads)

    def max_pool(x):
        return tf.nn.max_pool(x, attrs["ksize"], attrs["strides"], tf_padding(pads, "NHWC"))
    return [
        OpSpec("MaxPool", max_pool, [Arg(SMALL_X)], lambda x: np_max_pool(x, k, s, pads),
               name="MaxPool_explicit", rank0=_NEEDS_4D),
        OpSpec("MaxPoolGrad", lambda x, dy: apply_op("MaxPoolGrad", [x, max_pool(x), dy], attrs),
               [Arg(SMALL_X), Arg([1, *g.out, 3])],
               lambda x, dy: np_max_pool_grad(x, dy, k, s, pads), grad=False,
               name="MaxPoolGrad_explicit"),   # its gradient (MaxPoolGradGrad) rejects EXPLICIT
    ]


def _bn_rows() -> list[OpSpec]:
    """Forward rows (FusedBatchNorm has no float64 kernel: gradients are checked in float32
    by test_nn_conv.py)."""
    x = Arg([2, 3, 4, 5])
    xc = Arg([2, 5, 3, 4])
    c = Arg([5], low=0.5, high=1.5)
    var = Arg([5], low=0.5, high=1.5)
    eps = 1e-3

    def bn(fmt, training):
        def build(x, scale, offset, mean, variance):
            return apply_op("FusedBatchNormV3", [x, scale, offset, mean, variance],
                            {"epsilon": eps, "data_format": fmt, "is_training": training})
        return build

    def infer_ref(fmt):
        def ref(x, scale, offset, mean, variance):
            y = np_batch_norm(x, scale, offset, mean, variance, np.float32(eps), fmt)
            return [y, mean, variance, mean, variance, np.zeros(())]
        return ref
    # A constant input: reserve_space_3's static shape is unknown (TF's shape function),
    # which the all-fed check "every output has a known rank" would reject.
    empty = Arg([0], value=np.zeros(0), diff=False, feed=False)
    fixed_mean = Arg([5], value=np.linspace(-0.5, 0.5, 5), diff=False, feed=False)
    grad_args = [x, x, c, c, var, Arg([], value=0.0)]

    def bn_grad(training):
        return lambda *xs: apply_op("FusedBatchNormGradV3", list(xs),
                                    {"epsilon": eps, "is_training": training})
    return [
        OpSpec("FusedBatchNormV3", bn("NHWC", True), [x, c, c, empty, empty],
               lambda x, s, o, m, v: np_batch_norm_train(x, s, o, np.float32(eps)),
               grad=False, rtol=1e-4, atol=1e-5, name="FusedBatchNormV3_train"),
        OpSpec("FusedBatchNormV3", bn("NCHW", True), [xc, c, c, empty, empty],
               lambda x, s, o, m, v: np_batch_norm_train(x, s, o, np.float32(eps), "NCHW"),
               grad=False, rtol=1e-4, atol=1e-5, name="FusedBatchNormV3_train_NCHW"),
        OpSpec("FusedBatchNormV3", bn("NCHW", False), [xc, c, c, fixed_mean, var],
               infer_ref("NCHW"), grad=False, rtol=1e-4, atol=1e-5,
               name="FusedBatchNormV3_inference_NCHW"),
        OpSpec("FusedBatchNormGradV3", bn_grad(True), grad_args,
               lambda dy, x, s, m, v, _: np_batch_norm_grad(dy, x, s, m, v, np.float32(eps)),
               grad=False, rtol=1e-4, atol=1e-4, name="FusedBatchNormGradV3_train"),
        OpSpec("FusedBatchNormGradV3", bn_grad(False), grad_args,
               lambda dy, x, s, m, v, _: np_batch_norm_grad(dy, x, s, m, v, np.float32(eps),
                                                            training=False),
               grad=False, rtol=1e-4, atol=1e-4, name="FusedBatchNormGradV3_inference"),
    ]


SPECS: list[OpSpec] = [
    *_conv_rows("same_s2", CONFIGS["same_s2"], grad2=True),
    *_conv_rows("valid", CONFIGS["valid"], SMALL_X),
    *_conv_rows("explicit", CONFIGS["explicit"], SMALL_X),
    *_conv_rows("nchw", CONFIGS["nchw"], SMALL_X),
    *_conv_rows("dilated", CONFIGS["dilated"], SMALL_X),
    *_depthwise_rows("same_s2", CONFIGS["same_s2"], grad2=True),
    *_depthwise_rows("explicit", CONFIGS["explicit"]),
    *_depthwise_rows("nchw_dilated", ((1, 1), "VALID", (2, 2), "NCHW")),
    *[row for name, cfg in POOLS.items() for row in _pool_rows(name, cfg)],
    *_explicit_max_pool_rows(),
    *_bn_rows(),
]

EXEMPT: dict[str, str] = {
    "FusedBatchNormV3": "no float64 kernel in TF: float32 gradient (and second-order) checks "
                        "in test_nn_conv.py::test_fused_batch_norm_gradients",
    "FusedBatchNormGradV3": "no float64 kernel in TF: float32 gradient checks in "
                            "test_nn_conv.py::test_fused_batch_norm_grad_gradients",
}
