"""Pure-numpy batch-norm and softmax cross-entropy kernels with TensorFlow's semantics.

``FusedBatchNormV3``/``FusedBatchNormGradV3`` (NHWC/NCHW, training and inference, float16
computed in float32) and the softmax cross-entropy pair; the layout helpers are
``geometry``'s.
"""
from __future__ import annotations

import numpy as np

from .geometry import as_str, compute_dtype

# ----------------------------------------------------------------------------------------
# fused batch norm
# ----------------------------------------------------------------------------------------


def _bn_layout(x, data_format):
    f = as_str(data_format or "NHWC").upper()
    if f not in ("NHWC", "NCHW", "NDHWC", "NCDHW"):
        raise ValueError(f"data_format must be NHWC, NCHW, NDHWC or NCDHW, got {data_format!r}")
    rank = 5 if "D" in f else 4
    if x.ndim != rank:
        raise ValueError(f"input must be {rank}-dimensional for data_format {f}, got shape "
                         f"{list(x.shape)}")
    axis = 1 if f.startswith("NC") else x.ndim - 1
    reduce_axes = tuple(a for a in range(x.ndim) if a != axis)
    bshape = [1] * x.ndim
    bshape[axis] = x.shape[axis]
    return axis, reduce_axes, tuple(bshape)


def _param_dtype(*arrays):
    dt = np.result_type(*[a.dtype for a in arrays if a.size]) if any(a.size for a in arrays) \
        else np.dtype(np.float32)
    return dt if dt.kind == "f" else np.dtype(np.float32)


def _check_param(p, depth, name):
    if p.shape != (depth,):
        raise ValueError(f"{name} must be a vector of size {depth} (the channel depth), got "
                         f"shape {list(p.shape)}")


def _bn_dtypes(x, u):
    """(elementwise compute dtype, epsilon rounding dtype): float32 for half/bfloat16/float32
    inputs, float64 for float64; per-channel sums are always accumulated in float64."""
    cdt = np.dtype(np.float64) if x.dtype == np.float64 else np.dtype(np.float32)
    return cdt, (np.float32 if u == np.float32 else np.float64)


def _bn_sum(a, axes):
    return np.sum(a, axis=axes, dtype=np.float64)


def fused_batch_norm(x, scale, offset, mean, variance, epsilon=0.0001,
                     exponential_avg_factor=1.0, data_format="NHWC", is_training=True):
    """``FusedBatchNormV3`` with TF's CPU semantics.

    Returns ``(y, batch_mean, batch_variance, reserve_space_1, reserve_space_2,
    reserve_space_3)``.  Training: ``y`` is normalised with the biased batch variance;
    ``batch_variance`` is the Bessel-corrected one (``n/(n-1)``); with
    ``exponential_avg_factor`` f != 1 both running outputs are ``(1-f)*old + f*batch``
    (``mean``/``variance`` inputs are only read then); ``reserve_space_1``/``_2`` are the
    batch mean and the *biased* batch variance (what the CPU gradient consumes);
    ``reserve_space_3`` is TF's CPU placeholder (a scalar 0).  Inference: ``y`` uses
    ``mean``/``variance``, which are also returned as the batch statistics and reserves.
    Elementwise math runs in float32 (float64 for float64 input); sums accumulate in float64.
    """
    x = np.asarray(x)
    scale, offset = np.asarray(scale), np.asarray(offset)
    mean, variance = np.asarray(mean), np.asarray(variance)
    axis, raxes, bshape = _bn_layout(x, data_format)
    depth = x.shape[axis]
    u = _param_dtype(scale, offset)
    _check_param(scale, depth, "scale")
    _check_param(offset, depth, "offset")
    cdt, edt = _bn_dtypes(x, u)
    eps = float(np.asarray(epsilon, dtype=edt))
    sc = scale.astype(np.float64)
    off = offset.astype(np.float64)
    reserve_3 = np.zeros((), dtype=u)
    if not is_training:
        _check_param(mean, depth, "mean")
        _check_param(variance, depth, "variance")
        factor = sc / np.sqrt(variance.astype(np.float64) + eps)
        shift = off - mean.astype(np.float64) * factor
        y = x.astype(cdt) * factor.astype(cdt).reshape(bshape)
        y += shift.astype(cdt).reshape(bshape)
        return (y.astype(x.dtype, copy=False), mean.astype(u), variance.astype(u),
                mean.astype(u), variance.astype(u), reserve_3)
    f = float(exponential_avg_factor)
    n = x.size // depth if depth else 0
    if n == 0:
        nan = np.full((depth,), np.nan, dtype=u)
        return (x.copy(), nan, nan.copy(), nan.copy(), nan.copy(), reserve_3)
    xc = x.astype(cdt)                                   # (a copy: centred in place)
    bm = _bn_sum(xc, raxes) / n
    xc -= bm.astype(cdt).reshape(bshape)
    bv = _bn_sum(np.square(xc), raxes) / n               # biased
    factor = sc / np.sqrt(bv + eps)
    xc *= factor.astype(cdt).reshape(bshape)
    xc += off.astype(cdt).reshape(bshape)
    unbiased = bv * (n / max(n - 1, 1))
    if f == 1.0:
        new_mean, new_var = bm, unbiased
    else:
        _check_param(mean, depth, "mean")
        _check_param(variance, depth, "variance")
        new_mean = (1.0 - f) * mean.astype(np.float64) + f * bm
        new_var = (1.0 - f) * variance.astype(np.float64) + f * unbiased
    return (xc.astype(x.dtype, copy=False), new_mean.astype(u), new_var.astype(u),
            bm.astype(u), bv.astype(u), reserve_3)


def fused_batch_norm_grad(y_backprop, x, scale, reserve_space_1, reserve_space_2,
                          reserve_space_3=None, epsilon=0.0001, data_format="NHWC",
                          is_training=True):
    """``FusedBatchNormGradV3`` (CPU): returns ``(x_backprop, scale_backprop,
    offset_backprop, reserve_space_4, reserve_space_5)``; the last two are empty ``[0]``.

    ``reserve_space_1``/``_2`` are the saved batch mean and biased variance in training, the
    population mean/variance in inference (as TF's gradient function passes them).
    Training: ``dx = scale*rsqrt(var+eps) * (dy - mean(dy) - (x-mean) * mean(dy*(x-mean))
    / (var+eps))``; inference: ``dx = dy * scale * rsqrt(var+eps)``.
    """
    dy = np.asarray(y_backprop)
    x = np.asarray(x)
    scale = np.asarray(scale)
    m_in, v_in = np.asarray(reserve_space_1), np.asarray(reserve_space_2)
    if dy.shape != x.shape:
        raise ValueError(f"x and y_backprop must have same shape, but x has shape "
                         f"{list(x.shape)} and y_backprop has shape {list(dy.shape)}")
    axis, raxes, bshape = _bn_layout(x, data_format)
    depth = x.shape[axis]
    _check_param(scale, depth, "scale")
    _check_param(m_in, depth, "reserve_space_1")
    _check_param(v_in, depth, "reserve_space_2")
    u = _param_dtype(scale)
    cdt, edt = _bn_dtypes(x, u)
    eps = float(np.asarray(epsilon, dtype=edt))
    empty = np.zeros((0,), dtype=u)
    n = x.size // depth if depth else 0
    if n == 0:
        zeros = np.zeros((depth,), dtype=u)
        return (np.zeros(x.shape, dtype=x.dtype), zeros, zeros.copy(), empty, empty.copy())
    mean, var, sc = m_in.astype(np.float64), v_in.astype(np.float64), scale.astype(np.float64)
    inv = 1.0 / np.sqrt(var + eps)
    dyc = dy.astype(cdt, copy=False)
    xc = x.astype(cdt)
    xc -= mean.astype(cdt).reshape(bshape)
    dy_sum = _bn_sum(dyc, raxes)
    dy_xc_sum = _bn_sum(dyc * xc, raxes)
    scale_bp = dy_xc_sum * inv
    k1 = sc * inv
    if is_training:
        # dx = k1*dy + k2*xc + k3 with per-channel k's (sum(xc) is ~0: mean is the batch mean)
        k2 = -k1 * (dy_xc_sum / n) * inv * inv
        k3 = -k1 * (dy_sum / n)
        xc *= k2.astype(cdt).reshape(bshape)
        xc += dyc * k1.astype(cdt).reshape(bshape)
        xc += k3.astype(cdt).reshape(bshape)
        dx = xc
    else:
        dx = dyc * k1.astype(cdt).reshape(bshape)
    return (dx.astype(x.dtype, copy=False), scale_bp.astype(u), dy_sum.astype(u), empty,
            empty.copy())


# ----------------------------------------------------------------------------------------
# softmax cross entropy
# ----------------------------------------------------------------------------------------

def softmax_cross_entropy_with_logits(features, labels):
    """``SoftmaxCrossEntropyWithLogits``: ``(loss [batch], backprop [batch, classes])``.

    ``features`` and ``labels`` must broadcast to a 2-D ``[batch, classes]`` shape.
    """
    f = np.asarray(features)
    lab = np.asarray(labels)
    try:
        shape = np.broadcast_shapes(f.shape, lab.shape)
    except ValueError:
        raise ValueError(f"logits and labels must be broadcastable: logits_size="
                         f"{list(f.shape)} labels_size={list(lab.shape)}") from None
    if len(shape) != 2:
        raise ValueError(f"logits and labels must be either 2-dimensional, or broadcasted to "
                         f"be 2-dimensional, got logits {list(f.shape)} and labels "
                         f"{list(lab.shape)}")
    out_dtype = np.result_type(f.dtype, lab.dtype)
    cdt = compute_dtype(out_dtype)
    f = np.broadcast_to(f.astype(cdt, copy=False), shape)
    lab = np.broadcast_to(lab.astype(cdt, copy=False), shape)
    if shape[1] == 0:
        return (np.zeros((shape[0],), out_dtype), np.zeros(shape, out_dtype))
    shifted = f - f.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    sum_e = e.sum(axis=1, keepdims=True)
    loss = np.sum(lab * (np.log(sum_e) - shifted), axis=1)
    e /= sum_e
    e -= lab
    return loss.astype(out_dtype, copy=False), e.astype(out_dtype, copy=False)


def sparse_softmax_cross_entropy_with_logits(features, labels):
    """``SparseSoftmaxCrossEntropyWithLogits``: ``features`` [batch, classes], integer
    ``labels`` [batch]; out-of-range labels raise ``ValueError`` (TF's message)."""
    f = np.asarray(features)
    lab = np.asarray(labels)
    if f.ndim != 2:
        raise ValueError(f"logits must be 2-D, but got shape {list(f.shape)}")
    if lab.ndim != 1:
        raise ValueError(f"labels must be 1-D, but got shape {list(lab.shape)}")
    if lab.shape[0] != f.shape[0]:
        raise ValueError(f"logits and labels must have the same first dimension, got logits "
                         f"shape {list(f.shape)} and labels shape {list(lab.shape)}")
    if lab.dtype.kind not in "iu":
        raise ValueError(f"labels must be an integer tensor, got dtype {lab.dtype}")
    b, c = f.shape
    if b > 0 and c == 0:
        raise ValueError(f"Must have at least one class, but got logits shape {list(f.shape)}")
    bad = (lab < 0) | (lab >= c)
    if np.any(bad):
        first = lab[np.argmax(bad)]
        raise ValueError(f"Received a label value of {first} which is outside the valid range "
                         f"of [0, {c}).  Label values: {' '.join(str(v) for v in lab)}")
    cdt = compute_dtype(f.dtype)
    fc = f.astype(cdt, copy=False)
    rows = np.arange(b)
    shifted = fc - fc.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    sum_e = e.sum(axis=1, keepdims=True)
    loss = np.log(sum_e[:, 0]) - shifted[rows, lab]
    e /= sum_e
    e[rows, lab] -= 1
    return loss.astype(f.dtype, copy=False), e.astype(f.dtype, copy=False)
