"""Pure-numpy kernels for TensorFlow's convolution ops, and the window geometry that the
pooling kernels (``nn_kernels_pool``) share.

Numpy only (plus ``nn_kernels_dft``, the DFT convolution path, and the intra-op pool),
so it can be used by kernels, gradient code and static shape inference alike; batch norm
and the softmax losses live in ``nn_kernels_norm``.  Every function follows the
semantics of the TensorFlow op of the same name (attribute meaning, padding split, output
layout, tie-breaking, reserve-space outputs):

================================  ================================================
function                          TensorFlow op
================================  ================================================
``conv2d``                        ``Conv2D`` (also grouped: input depth a multiple
                                  of the filter's input depth)
``conv2d_backprop_input``         ``Conv2DBackpropInput``
``conv2d_backprop_filter``        ``Conv2DBackpropFilter``
``depthwise_conv2d_native``       ``DepthwiseConv2dNative``
``depthwise_conv2d_native_backprop_input`` / ``..._backprop_filter``
================================  ================================================

plus shape helpers for static shape inference with unknown (``None``) dimensions:
``conv_output_size``, ``windowed_output_size_and_padding``, ``conv2d_output_shape``,
``depthwise_conv2d_output_shape`` and ``pool_output_shape``.

Implementation notes
--------------------
* Everything is computed in NHWC; ``NCHW`` inputs are transposed (views) on the way in and
  the result is transposed back and made contiguous.
* ``conv2d`` / ``conv2d_backprop_filter``: with stride 1 along H and a GEMM depth kw*C of at
  least ``_HMAJOR_MIN_DEPTH``, "row patches" in an H-major layout (Hp, N*Wo, kw*C) are built
  once (kh times smaller than im2col) and each filter row is one BLAS GEMM on a contiguous
  2-D view of them; otherwise a full im2col (an ``as_strided`` window view copied to a
  contiguous (N*Ho*Wo, kh*kw*C) matrix) and one GEMM.  Grouped convolution is a batched
  matmul over the groups.
* ``conv2d_backprop_input`` is the adjoint: per filter tap one ``dy @ w[tap].T`` GEMM (its
  result stays in cache) added into the strided slice of the padded input gradient that the
  tap read (kh*kw iterations, each over the whole batch); for few input channels one GEMM
  for all the columns followed by the same tap-wise col2im.
* Stride-1 ``conv2d`` and both backprops with one group, >= ``_FFT_MIN_CHANNELS`` channels
  and an estimated flop saving of >= ``_FFT_MIN_SPEEDUP`` run through a DFT: small dense
  DFT matrices applied as complex GEMMs, and one complex GEMM per frequency bin.  See the
  "DFT convolution" section below for the details.
* Depthwise convolutions are single ``einsum`` calls over the zero-copy window view
  (the input gradient with stride 1 is the correlation of the padded output gradient with
  the flipped filter; other strides use the tap-wise col2im).
* float32 stays float32 (no upcast); float16/bfloat16 are computed in float32 and cast back;
  float64 stays float64.  Batch-norm sums are accumulated in float64.
* Invalid arguments raise ``ValueError`` with a message in TensorFlow's wording where one
  exists; callers wrap it into ``InvalidArgumentError``.
"""
from __future__ import annotations

import numpy as np

from .dft import conv2d_backprop_filter_fft, conv2d_backprop_input_fft, conv2d_fft, fft_periods
from ...runtime import blas
from ...runtime.parallel import rows_per_chunk
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "conv_output_size",
    "windowed_output_size_and_padding",
    "conv2d_output_shape",
    "depthwise_conv2d_output_shape",
    "pool_output_shape",
    "conv2d",
    "conv2d_backprop_input",
    "conv2d_backprop_filter",
    "depthwise_conv2d_native",
    "depthwise_conv2d_native_backprop_input",
    "depthwise_conv2d_native_backprop_filter",
]

# Input channel count from which conv2d_backprop_input uses one GEMM per filter tap (the
# result of each fits in cache and is added straight into the gradient) rather than one
# big GEMM producing all the columns followed by a col2im pass.
_PER_TAP_MIN_CHANNELS = 8
# Row-patch ("H-major") convolution: used for stride 1 along H when kw*C (the GEMM depth of
# each of the kh row GEMMs) is at least this; otherwise the full im2col with one GEMM.
_HMAJOR_MIN_DEPTH = 64
# Tap-major patches (see ``_tap_major_cols``) for inputs with at most this many channels
# (measured: faster than im2col for 1 channel only).
_TAP_MAJOR_MAX_CHANNELS = 1


# ----------------------------------------------------------------------------------------
# attribute helpers
# ----------------------------------------------------------------------------------------

def _as_str(value) -> str:
    if isinstance(value, (bytes, bytearray)):
        return value.decode("ascii")
    return str(value)


def _norm_padding(padding) -> str:
    p = _as_str(padding).upper()
    if p not in ("SAME", "VALID", "EXPLICIT"):
        raise ValueError(f"padding must be one of 'SAME', 'VALID' or 'EXPLICIT', got {padding!r}")
    return p


def _norm_format(data_format) -> str:
    f = _as_str(data_format or "NHWC").upper()
    if f not in ("NHWC", "NCHW"):
        raise ValueError(f"data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    return f


def _spatial_pair(values, data_format: str, name: str, allow_2: bool = True,
                  default=None, check_outer: bool = True) -> tuple[int, int]:
    """(h, w) of a 4-element attribute in ``data_format`` order (or a 2-element one)."""
    if values is None or (default is not None and len(values) == 0):
        values = default
    vals = [int(v) for v in values]
    if len(vals) == 4:
        if data_format == "NHWC":
            n, h, w, c = vals
        else:
            n, c, h, w = vals
        if check_outer and (n != 1 or c != 1):
            raise ValueError(
                f"{name} in the batch and depth dimensions must be 1, got {vals} "
                f"(data_format {data_format})")
    elif len(vals) == 2 and allow_2:
        h, w = vals
    else:
        raise ValueError(f"{name} must have 4 elements, got {vals}")
    return h, w


def _strides_dilations(strides, dilations, data_format):
    sh, sw = _spatial_pair(strides, data_format, "strides")
    dh, dw = _spatial_pair(dilations, data_format, "dilations", default=(1, 1, 1, 1))
    if sh <= 0 or sw <= 0:
        raise ValueError(f"strides must be positive, got {list(strides)}")
    if dh <= 0 or dw <= 0:
        raise ValueError(f"dilations must be positive, got {list(dilations)}")
    return sh, sw, dh, dw


def _explicit_pairs(padding: str, explicit_paddings, data_format: str):
    """((top, bottom), (left, right)) from TF's flat ``explicit_paddings`` list."""
    ep = [int(v) for v in (explicit_paddings or ())]
    if padding != "EXPLICIT":
        if ep:
            raise ValueError("explicit_paddings must be empty unless padding is 'EXPLICIT', "
                             f"got {ep} with padding {padding!r}")
        return (0, 0), (0, 0)
    if len(ep) != 8:
        raise ValueError("explicit_paddings must contain 8 values (a before/after pair per "
                         f"dimension) when padding is 'EXPLICIT', got {len(ep)}: {ep}")
    if any(v < 0 for v in ep):
        raise ValueError(f"All elements of explicit_paddings must be nonnegative, got {ep}")
    pairs = [(ep[2 * i], ep[2 * i + 1]) for i in range(4)]
    if data_format == "NHWC":
        n, h, w, c = pairs
    else:
        n, c, h, w = pairs
    if n != (0, 0) or c != (0, 0):
        raise ValueError("explicit_paddings for the batch and depth dimensions must be 0, "
                         f"got {ep} (data_format {data_format})")
    return h, w


def _to_nhwc(x, data_format: str):
    return x if data_format == "NHWC" else x.transpose(0, 2, 3, 1)


def _from_nhwc(y, data_format: str):
    if data_format == "NHWC":
        return np.ascontiguousarray(y)
    return np.ascontiguousarray(y.transpose(0, 3, 1, 2))


def _shape_to_nhwc(shape, data_format: str):
    n, a, b, c = shape
    return (n, a, b, c) if data_format == "NHWC" else (n, b, c, a)


def _compute_dtype(dtype) -> np.dtype:
    """float16/bfloat16 are computed in float32; everything else in its own type."""
    dtype = np.dtype(dtype)
    if dtype.name in ("float16", "bfloat16"):
        return np.dtype(np.float32)
    return dtype


def _check_rank(x, rank: int, name: str):
    if x.ndim != rank:
        raise ValueError(f"{name} must be {rank}-dimensional, got shape {list(x.shape)}")


# ----------------------------------------------------------------------------------------
# output-size arithmetic (shared by kernels and static shape inference)
# ----------------------------------------------------------------------------------------

def windowed_output_size_and_padding(in_size: int, k: int, stride: int, dilation: int = 1,
                                     padding="VALID", pad_before: int = 0,
                                     pad_after: int = 0) -> tuple[int, int, int]:
    """TF's ``GetWindowedOutputSizeVerbose``: ``(output_size, pad_before, pad_after)``.

    SAME: ``out = ceil(in / stride)``, ``pad_total = max((out-1)*stride + eff_k - in, 0)``
    split as ``pad_before = pad_total // 2`` (the extra one goes after).  VALID/EXPLICIT:
    ``out = (in + pads - eff_k) // stride + 1``; an effective window larger than the (padded)
    input raises ``ValueError`` (TF's "Negative dimension size" error).
    """
    padding = _norm_padding(padding)
    in_size, k, stride, dilation = int(in_size), int(k), int(stride), int(dilation)
    if stride <= 0:
        raise ValueError(f"Stride must be > 0, but got {stride}")
    if dilation <= 0:
        raise ValueError(f"Dilation rate must be >= 1, but got {dilation}")
    if k < 0 or in_size < 0:
        raise ValueError(f"sizes must be non-negative, got input {in_size} and window {k}")
    eff = (k - 1) * dilation + 1 if k > 0 else 0
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
        total = max((out - 1) * stride + eff - in_size, 0)
        return out, total // 2, total - total // 2
    if padding == "VALID":
        pad_before = pad_after = 0
    elif pad_before < 0 or pad_after < 0:
        raise ValueError(f"explicit paddings must be nonnegative, got {pad_before}, {pad_after}")
    padded = in_size + pad_before + pad_after
    if padded < eff:
        what = "filter" if dilation == 1 else f"dilated filter (size {k}, dilation {dilation})"
        raise ValueError(
            f"Negative dimension size caused by subtracting {eff} from {padded}: the "
            f"effective {what} size {eff} is larger than the {padding.lower()}-padded input "
            f"size {padded}")
    return (padded - eff) // stride + 1, pad_before, pad_after


def conv_output_size(in_size, k, stride, dilation=1, padding="VALID", pad_before=0,
                     pad_after=0):
    """Output length of one spatial dimension; ``None`` when ``in_size`` (or, for
    VALID/EXPLICIT, ``k``) is unknown.  Invalid stride/dilation/size raise ``ValueError``."""
    padding = _norm_padding(padding)
    if stride is None or int(stride) <= 0:
        raise ValueError(f"Stride must be > 0, but got {stride}")
    if dilation is None or int(dilation) <= 0:
        raise ValueError(f"Dilation rate must be >= 1, but got {dilation}")
    if in_size is None or in_size < 0:
        return None
    if padding == "SAME":
        return (int(in_size) + int(stride) - 1) // int(stride)
    if k is None or k < 0:
        return None
    return windowed_output_size_and_padding(in_size, k, stride, dilation, padding,
                                            pad_before, pad_after)[0]


def _known(v):
    return None if v is None or (isinstance(v, (int, np.integer)) and v < 0) else int(v)


def _shape_list(shape, rank: int, name: str):
    if shape is None:
        return [None] * rank
    dims = [_known(d) for d in shape]
    if len(dims) != rank:
        raise ValueError(f"{name} must be rank {rank}, got shape {list(shape)}")
    return dims


def _spatial_output_shape(in_nhwc, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w):
    ho = conv_output_size(in_nhwc[1], kh, sh, dh, padding, *pads_h)
    wo = conv_output_size(in_nhwc[2], kw, sw, dw, padding, *pads_w)
    return ho, wo


def conv2d_output_shape(input_shape, filter_shape, strides, padding, data_format="NHWC",
                        dilations=(1, 1, 1, 1), explicit_paddings=()):
    """Static output shape of ``Conv2D`` (list with ``None`` for unknown dims)."""
    fmt = _norm_format(data_format)
    padding = _norm_padding(padding)
    sh, sw, dh, dw = _strides_dilations(strides, dilations, fmt)
    pads_h, pads_w = _explicit_pairs(padding, explicit_paddings, fmt)
    inp = _shape_to_nhwc(_shape_list(input_shape, 4, "input"), fmt)
    kh, kw, fin, fout = _shape_list(filter_shape, 4, "filter")
    if inp[3] is not None and fin is not None:
        if fin == 0 or inp[3] % fin != 0:
            raise ValueError(f"Depth of input ({inp[3]}) is not a multiple of input depth of "
                             f"filter ({fin})")
        if fout is not None and fout % (inp[3] // fin) != 0:
            raise ValueError(f"Depth of output ({fout}) is not a multiple of the number of "
                             f"groups ({inp[3] // fin})")
    ho, wo = _spatial_output_shape(inp, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w)
    out = [inp[0], ho, wo, fout]
    return out if fmt == "NHWC" else [out[0], out[3], out[1], out[2]]


def depthwise_conv2d_output_shape(input_shape, filter_shape, strides, padding,
                                  data_format="NHWC", dilations=(1, 1, 1, 1),
                                  explicit_paddings=()):
    """Static output shape of ``DepthwiseConv2dNative`` (filter ``[kh, kw, in, mult]``)."""
    fmt = _norm_format(data_format)
    padding = _norm_padding(padding)
    sh, sw, dh, dw = _strides_dilations(strides, dilations, fmt)
    pads_h, pads_w = _explicit_pairs(padding, explicit_paddings, fmt)
    inp = _shape_to_nhwc(_shape_list(input_shape, 4, "input"), fmt)
    kh, kw, fin, mult = _shape_list(filter_shape, 4, "filter")
    if inp[3] is not None and fin is not None and inp[3] != fin:
        raise ValueError(f"input and filter must have the same depth: {inp[3]} vs {fin}")
    depth = inp[3] if inp[3] is not None else fin
    ho, wo = _spatial_output_shape(inp, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w)
    cout = None if depth is None or mult is None else depth * mult
    out = [inp[0], ho, wo, cout]
    return out if fmt == "NHWC" else [out[0], out[3], out[1], out[2]]


def pool_output_shape(input_shape, ksize, strides, padding, data_format="NHWC",
                      explicit_paddings=()):
    """Static output shape of ``MaxPool``/``AvgPool`` (list with ``None`` for unknown dims)."""
    fmt = _norm_format(data_format)
    padding = _norm_padding(padding)
    inp = _shape_to_nhwc(_shape_list(input_shape, 4, "input"), fmt)
    (kh, kw, kd), (sh, sw, _) = _pool_window(ksize, strides, fmt)
    pads_h, pads_w = _explicit_pairs(padding, explicit_paddings, fmt)
    ho, wo = _spatial_output_shape(inp, kh, kw, sh, sw, 1, 1, padding, pads_h, pads_w)
    c = inp[3]
    if kd != 1:
        if c is not None and c % kd != 0:
            raise ValueError(f"Depthwise max pooling requires the depth window to evenly "
                             f"divide the input depth ({c} vs {kd})")
        c = None if c is None else c // kd
    out = [inp[0], ho, wo, c]
    return out if fmt == "NHWC" else [out[0], out[3], out[1], out[2]]


# ----------------------------------------------------------------------------------------
# convolution machinery (NHWC)
# ----------------------------------------------------------------------------------------

class _Geom:
    """Geometry of a 2-D windowed op in NHWC."""
    __slots__ = ("N", "H", "W", "C", "kh", "kw", "sh", "sw", "dh", "dw", "Ho", "Wo",
                 "pt", "pb", "pl", "pr")

    def __init__(self, in_shape, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w):
        self.N, self.H, self.W, self.C = (int(d) for d in in_shape)
        self.kh, self.kw, self.sh, self.sw, self.dh, self.dw = kh, kw, sh, sw, dh, dw
        self.Ho, self.pt, self.pb = windowed_output_size_and_padding(
            self.H, kh, sh, dh, padding, *pads_h)
        self.Wo, self.pl, self.pr = windowed_output_size_and_padding(
            self.W, kw, sw, dw, padding, *pads_w)

    def replace(self, **changes) -> "_Geom":
        """A copy with some fields changed (e.g. ``N`` for a chunk of the batch)."""
        out = object.__new__(_Geom)
        for name in _Geom.__slots__:
            setattr(out, name, changes.get(name, getattr(self, name)))
        return out

    @property
    def padded_shape(self):
        return (self.N, self.H + self.pt + self.pb, self.W + self.pl + self.pr, self.C)

    @property
    def no_padding(self):
        return self.pt == self.pb == self.pl == self.pr == 0

    def tap_slices(self, i, j):
        """Slices of the padded input read by filter tap (i, j) for all output positions."""
        r0, c0 = i * self.dh, j * self.dw
        return (slice(None), slice(r0, r0 + (self.Ho - 1) * self.sh + 1, self.sh),
                slice(c0, c0 + (self.Wo - 1) * self.sw + 1, self.sw), slice(None))


def _pad(x, g: _Geom, value=0):
    if g.no_padding:
        return x
    out = np.empty(g.padded_shape, dtype=x.dtype)
    if g.pt:
        out[:, :g.pt] = value
    if g.pb:
        out[:, g.pt + g.H:] = value
    if g.pl:
        out[:, g.pt:g.pt + g.H, :g.pl] = value
    if g.pr:
        out[:, g.pt:g.pt + g.H, g.pl + g.W:] = value
    out[:, g.pt:g.pt + g.H, g.pl:g.pl + g.W] = x
    return out


def _pad_or_crop(x, pads_h, pads_w):
    """Zero-pad (positive) or crop (negative) the H and W borders of an NHWC array."""
    (t, b), (l, r) = pads_h, pads_w
    x = x[:, max(-t, 0):x.shape[1] - max(-b, 0), max(-l, 0):x.shape[2] - max(-r, 0)]
    t, b, l, r = max(t, 0), max(b, 0), max(l, 0), max(r, 0)
    if not (t or b or l or r):
        return x
    out = np.zeros((x.shape[0], x.shape[1] + t + b, x.shape[2] + l + r, x.shape[3]), x.dtype)
    out[:, t:t + x.shape[1], l:l + x.shape[2]] = x
    return out


def _windows(xp, g: _Geom):
    """Read-only view (N, Ho, Wo, kh, kw, C) of the windows of the padded input."""
    s0, s1, s2, s3 = xp.strides
    return as_strided(xp, (g.N, g.Ho, g.Wo, g.kh, g.kw, g.C),
                      (s0, s1 * g.sh, s2 * g.sw, s1 * g.dh, s2 * g.dw, s3), writeable=False)


def _im2col(x, g: _Geom):
    """(N*Ho*Wo, kh*kw*C) contiguous patch matrix (one copy of the windows)."""
    cols = _windows(_pad(x, g), g).reshape(g.N * g.Ho * g.Wo, g.kh * g.kw * g.C)
    return np.ascontiguousarray(cols)


def _unpad(xp, g: _Geom):
    if g.no_padding:
        return xp
    return np.ascontiguousarray(xp[:, g.pt:g.pt + g.H, g.pl:g.pl + g.W])


def _col2im(tap, g: _Geom, dtype):
    """Adjoint of the window view: sum ``tap(i, j)`` (N, Ho, Wo, C) into the padded input."""
    dxp = np.zeros(g.padded_shape, dtype=dtype)
    if g.Ho and g.Wo:
        for i in range(g.kh):
            for j in range(g.kw):
                dxp[g.tap_slices(i, j)] += tap(i, j)
    return _unpad(dxp, g)


def _conv_setup(input_shape_nhwc, filter_shape, strides, padding, explicit_paddings,
                data_format, dilations):
    fmt = _norm_format(data_format)
    padding = _norm_padding(padding)
    sh, sw, dh, dw = _strides_dilations(strides, dilations, fmt)
    pads_h, pads_w = _explicit_pairs(padding, explicit_paddings, fmt)
    if len(filter_shape) != 4:
        raise ValueError(f"filter must be 4-dimensional, got shape {list(filter_shape)}")
    kh, kw, fin, fout = (int(d) for d in filter_shape)
    c = int(input_shape_nhwc[3])
    if fin <= 0 or c % fin != 0:
        raise ValueError(f"Depth of input ({c}) is not a multiple of input depth of filter "
                         f"({fin})")
    groups = c // fin
    if fout % groups != 0:
        raise ValueError(f"Depth of output ({fout}) is not a multiple of the number of groups "
                         f"({groups})")
    g = _Geom(input_shape_nhwc, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w)
    return fmt, g, groups


def _grouped_cols(cols, g: _Geom, groups):
    """(M, T*C) -> (G, M, T*Cg) contiguous."""
    m, t = cols.shape[0], g.kh * g.kw
    cg = g.C // groups
    return np.ascontiguousarray(
        cols.reshape(m, t, groups, cg).transpose(2, 0, 1, 3)).reshape(groups, m, t * cg)


def _grouped_filter(w, groups):
    """(kh, kw, Cg, O) -> (G, kh*kw*Cg, Og) contiguous."""
    kh, kw, cg, o = w.shape
    og = o // groups
    return np.ascontiguousarray(
        w.reshape(kh * kw, cg, groups, og).transpose(2, 0, 1, 3)).reshape(groups, -1, og)


def _use_hmajor(g: _Geom, groups: int) -> bool:
    return (groups == 1 and g.sh == 1 and g.kh > 1 and g.Ho > 0 and g.Wo > 0
            and g.kw * g.C >= _HMAJOR_MIN_DEPTH)


def _hmajor_cols(x, g: _Geom):
    """Row patches in H-major layout: (Hp, N*Wo, kw*C) contiguous, where entry [r, (n, ow)]
    holds the kw input cells (row r of the padded input) read by output column ow.

    With stride 1 along H, the rows read by filter row i for all outputs are the contiguous
    block ``[i*dh, i*dh + Ho)``, i.e. a plain 2-D (Ho*N*Wo, kw*C) matrix: the convolution is
    kh GEMMs of depth kw*C on views, and the patch copy is ~kh times smaller than im2col.
    """
    hp, wp = g.padded_shape[1:3]
    xh = (np.empty if g.no_padding else np.zeros)((hp, g.N, wp, g.C), dtype=x.dtype)
    xh[g.pt:g.pt + g.H, :, g.pl:g.pl + g.W] = x.transpose(1, 0, 2, 3)
    s0, s1, s2, s3 = xh.strides
    view = as_strided(xh, (hp, g.N, g.Wo, g.kw, g.C),
                      (s0, s1, s2 * g.sw, s2 * g.dw, s3), writeable=False)
    return view.reshape(hp, g.N * g.Wo, g.kw * g.C)


def _hmajor_rows(cols, g: _Geom, i):
    """The (Ho*N*Wo, kw*C) patch matrix of filter row i (stride 1 along H)."""
    r0 = i * g.dh
    return cols[r0:r0 + g.Ho].reshape(-1, cols.shape[2])


def _use_tap_major(g: _Geom, groups: int) -> bool:
    return groups == 1 and g.C <= _TAP_MAJOR_MAX_CHANNELS


def _tap_major_cols(x, g: _Geom):
    """Patches in tap-major layout (kh*kw*C, N*Ho*Wo), copied in one pass from the window
    view with W innermost, where im2col's rows of C values are too short to copy fast.
    ``cols.T`` is the im2col matrix (BLAS takes it transposed for free)."""
    windows = _windows(_pad(x, g), g).transpose(3, 4, 5, 0, 1, 2)
    return np.ascontiguousarray(windows).reshape(g.kh * g.kw * g.C, -1)


# ----------------------------------------------------------------------------------------
# DFT ("FFT") convolution for stride 1: the math is in nn_kernels_dft
# ----------------------------------------------------------------------------------------

# Heuristic: used only for stride 1, one group, at least ``_FFT_MIN_CHANNELS`` input and
# output channels, and when the estimated flops of the direct GEMM are at least
# ``_FFT_MIN_SPEEDUP`` times those of the DFT path (transforms + per-bin GEMMs, complex
# flops counted 4x).  Dense DFT transforms cost O(P) per element, so large maps or small
# filters keep the direct path.

_FFT_MIN_CHANNELS = 16
_FFT_MIN_SPEEDUP = 2.0


def _fft_flops(g: _Geom, o: int):
    """(direct GEMM flops, estimated DFT-path flops) of a stride-1 convolution."""
    ph, pw = fft_periods(g)
    kw_ = pw // 2 + 1
    mi, mo = g.N * g.C, g.N * o
    direct = 2 * g.N * g.Ho * g.Wo * g.kh * g.kw * g.C * o
    transforms = (g.H * kw_ * g.W + ph * g.H * kw_) * mi + (g.Ho * ph + g.Ho * g.Wo) * kw_ * mo
    fft = 8 * (transforms + ph * kw_ * g.N * g.C * o)
    return direct, fft


def _use_fft(g: _Geom, groups: int, o: int) -> bool:
    if groups != 1 or g.sh != 1 or g.sw != 1 or g.kh * g.kw < 2:
        return False
    if min(g.N, g.H, g.W, g.Ho, g.Wo, g.C, o) <= 0 or min(g.C, o) < _FFT_MIN_CHANNELS:
        return False
    direct, fft = _fft_flops(g, o)
    return direct >= _FFT_MIN_SPEEDUP * fft


def conv2d(x, filter, strides, padding, explicit_paddings=(), data_format="NHWC",
           dilations=(1, 1, 1, 1), epilogue=None):
    """``Conv2D``: ``x`` [N,H,W,C] (or NCHW), ``filter`` [kh, kw, C/groups, O].
    ``epilogue`` (a fused bias add and activation) runs in place on each NHWC piece of the
    result while it is still in cache."""
    x = np.asarray(x)
    w = np.asarray(filter)
    _check_rank(x, 4, "input")
    _check_rank(w, 4, "filter")
    fmt = _norm_format(data_format)
    xn = _to_nhwc(x, fmt)
    fmt, g, groups = _conv_setup(xn.shape, w.shape, strides, padding, explicit_paddings, fmt,
                                 dilations)
    out_dtype = np.result_type(x.dtype, w.dtype)
    cdt = _compute_dtype(out_dtype)
    xn = xn.astype(cdt, copy=False)
    w = np.ascontiguousarray(w, dtype=cdt)
    o = w.shape[3]
    if _use_fft(g, groups, o):
        out = conv2d_fft(xn, w, g, epilogue)
    else:
        out = blas.split_batch(g.N, lambda lo, hi, piece: _conv2d_direct(
            xn[lo:hi], w, g.replace(N=hi - lo), groups, piece), (g.Ho, g.Wo, o), cdt,
            epilogue, grain=rows_per_chunk(g.Ho * g.Wo * o * xn.itemsize))
    return _from_nhwc(out, fmt).astype(out_dtype, copy=False)


def _conv2d_direct(xn, w, g: _Geom, groups: int, out=None):
    """``Conv2D`` in NHWC by GEMMs on patches (row patches, tap-major patches or im2col),
    into ``out`` (contiguous NHWC) where the layout allows, else returned."""
    o = w.shape[3]
    gemm_out = None if out is None else out.reshape(-1, o)
    if _use_hmajor(g, groups):
        cols = _hmajor_cols(xn, g)
        wr = w.reshape(g.kh, g.kw * g.C, o)
        out = blas.matmul(_hmajor_rows(cols, g, 0), wr[0])
        tmp = np.empty_like(out)
        for i in range(1, g.kh):
            blas.matmul(_hmajor_rows(cols, g, i), wr[i], out=tmp)
            out += tmp
        return out.reshape(g.Ho, g.N, g.Wo, o).transpose(1, 0, 2, 3)
    if _use_tap_major(g, groups):
        return blas.matmul(_tap_major_cols(xn, g).T, w.reshape(-1, o), out=gemm_out).reshape(
            g.N, g.Ho, g.Wo, o)
    cols = _im2col(xn, g)
    if groups == 1:
        out = blas.matmul(cols, w.reshape(-1, o), out=gemm_out)
    else:
        out = blas.matmul(_grouped_cols(cols, g, groups), _grouped_filter(w, groups))
        out = out.transpose(1, 0, 2).reshape(-1, o)
    return out.reshape(g.N, g.Ho, g.Wo, o)


def _sizes_nhwc(sizes, fmt, name, n_from, c_from):
    vals = [int(v) for v in np.asarray(sizes).reshape(-1)]
    if len(vals) == 4:
        return _shape_to_nhwc(vals, fmt)
    if len(vals) == 2:
        return (n_from, vals[0], vals[1], c_from)
    raise ValueError(f"{name} must have 4 (or 2 spatial) elements, got {vals}")


def _check_out_backprop(dy_nhwc, g: _Geom, o, op):
    expected = (g.N, g.Ho, g.Wo, o)
    if tuple(dy_nhwc.shape) != expected:
        raise ValueError(f"{op}: Size of out_backprop doesn't match computed: actual = "
                         f"{list(dy_nhwc.shape)}, computed = {list(expected)} (NHWC)")


def _backprop_input_args(input_sizes, filter, out_backprop, data_format):
    """The checked arrays of an input-gradient op: (filter, out_backprop, format,
    out_backprop in NHWC, the input's NHWC shape)."""
    w = np.asarray(filter)
    dy = np.asarray(out_backprop)
    _check_rank(w, 4, "filter")
    _check_rank(dy, 4, "out_backprop")
    fmt = _norm_format(data_format)
    dyn = _to_nhwc(dy, fmt)
    in_shape = _sizes_nhwc(input_sizes, fmt, "input_sizes", dyn.shape[0], w.shape[2])
    return w, dy, fmt, dyn, in_shape


def conv2d_backprop_input(input_sizes, filter, out_backprop, strides, padding,
                          explicit_paddings=(), data_format="NHWC", dilations=(1, 1, 1, 1)):
    """``Conv2DBackpropInput``: gradient of ``conv2d`` w.r.t. its input of shape
    ``input_sizes`` (4 values in ``data_format`` order, or the 2 spatial sizes)."""
    w, dy, fmt, dyn, in_shape = _backprop_input_args(input_sizes, filter, out_backprop,
                                                     data_format)
    fmt, g, groups = _conv_setup(in_shape, w.shape, strides, padding, explicit_paddings, fmt,
                                 dilations)
    o = w.shape[3]
    _check_out_backprop(dyn, g, o, "Conv2DBackpropInput")
    out_dtype = np.result_type(w.dtype, dy.dtype)
    cdt = _compute_dtype(out_dtype)
    w = np.ascontiguousarray(w, dtype=cdt)
    dyn = dyn.astype(cdt, copy=False)
    if _use_fft(g, groups, o):
        dx = conv2d_backprop_input_fft(dyn, w, g)
    else:
        dx = blas.split_batch(g.N, lambda lo, hi, _: _conv2d_backprop_input_direct(
            dyn[lo:hi], w, g.replace(N=hi - lo), groups), (g.H, g.W, g.C), cdt)
    return _from_nhwc(dx, fmt).astype(out_dtype, copy=False)


def _conv2d_backprop_input_direct(dyn, w, g: _Geom, groups: int):
    """``Conv2DBackpropInput`` in NHWC: GEMMs into patch gradients, summed into place."""
    o, cdt = w.shape[3], w.dtype
    m = g.N * g.Ho * g.Wo
    dy2 = np.ascontiguousarray(dyn).reshape(m, o)
    shape4 = (g.N, g.Ho, g.Wo, g.C)
    if groups == 1 and g.C >= _PER_TAP_MIN_CHANNELS:
        # One (M, O) x (O, C) GEMM per tap, added into the strided slice it came from.
        buf = np.empty((m, g.C), dtype=cdt)

        def tap(i, j):
            blas.matmul(dy2, w[i, j].T, out=buf)
            return buf.reshape(shape4)
    elif groups == 1:
        # Few channels: tap-major columns (kh, kw, C, N, Ho, Wo) summed into a channels-first
        # padded gradient, so every add runs along rows of W instead of C values.
        dcols = blas.matmul(w.reshape(-1, o), dy2.T).reshape(g.kh, g.kw, g.C, g.N, g.Ho, g.Wo)
        hp, wp = g.padded_shape[1:3]
        dxp = np.zeros((g.C, g.N, hp, wp), dtype=cdt)
        for i in range(g.kh):
            for j in range(g.kw):
                rows, cols = g.tap_slices(i, j)[1:3]
                dxp[:, :, rows, cols] += dcols[i, j]
        return dxp[:, :, g.pt:g.pt + g.H, g.pl:g.pl + g.W].transpose(1, 2, 3, 0)
    else:
        og, cg = o // groups, g.C // groups
        dy3 = dy2.reshape(m, groups, og).transpose(1, 0, 2)
        dcols = blas.matmul(dy3, _grouped_filter(w, groups).transpose(0, 2, 1))
        dcols = dcols.reshape(groups, g.N, g.Ho, g.Wo, g.kh, g.kw, cg)

        def tap(i, j):
            return dcols[:, :, :, :, i, j, :].transpose(1, 2, 3, 0, 4).reshape(shape4)
    return _col2im(tap, g, cdt)


def _backprop_filter_args(input, filter_sizes, out_backprop, data_format):
    """The checked arrays of a filter-gradient op: (input, out_backprop, filter shape,
    format, input and out_backprop in NHWC)."""
    x = np.asarray(input)
    dy = np.asarray(out_backprop)
    _check_rank(x, 4, "input")
    _check_rank(dy, 4, "out_backprop")
    fshape = tuple(int(v) for v in np.asarray(filter_sizes).reshape(-1))
    fmt = _norm_format(data_format)
    return x, dy, fshape, fmt, _to_nhwc(x, fmt), _to_nhwc(dy, fmt)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                           explicit_paddings=(), data_format="NHWC", dilations=(1, 1, 1, 1)):
    """``Conv2DBackpropFilter``: gradient of ``conv2d`` w.r.t. its filter of shape
    ``filter_sizes`` ([kh, kw, C/groups, O])."""
    x, dy, fshape, fmt, xn, dyn = _backprop_filter_args(input, filter_sizes, out_backprop,
                                                        data_format)
    fmt, g, groups = _conv_setup(xn.shape, fshape, strides, padding, explicit_paddings, fmt,
                                 dilations)
    o = fshape[3]
    _check_out_backprop(dyn, g, o, "Conv2DBackpropFilter")
    out_dtype = np.result_type(x.dtype, dy.dtype)
    cdt = _compute_dtype(out_dtype)
    xn, dyn = xn.astype(cdt, copy=False), dyn.astype(cdt, copy=False)
    if _use_fft(g, groups, o):
        dw = conv2d_backprop_filter_fft(xn, dyn, g)
    else:
        dw = blas.sum_over_batch(g.N, lambda lo, hi: _conv2d_backprop_filter_direct(
            xn[lo:hi], dyn[lo:hi], g.replace(N=hi - lo), groups, fshape))
    return np.ascontiguousarray(dw).astype(out_dtype, copy=False)


def _conv2d_backprop_filter_direct(xn, dyn, g: _Geom, groups: int, fshape: tuple):
    """``Conv2DBackpropFilter`` by GEMMs of the output gradient with the input patches."""
    o = fshape[3]
    if _use_hmajor(g, groups):
        cols = _hmajor_cols(xn, g)
        dyh = np.ascontiguousarray(dyn.transpose(1, 0, 2, 3)).reshape(-1, o)
        dwt = np.empty((g.kh, o, g.kw * g.C), dtype=xn.dtype)
        for i in range(g.kh):
            blas.matmul(dyh.T, _hmajor_rows(cols, g, i), out=dwt[i])
        return dwt.transpose(0, 2, 1).reshape(fshape)
    if _use_tap_major(g, groups):
        cols = _tap_major_cols(xn, g)
        return blas.matmul(cols, np.ascontiguousarray(dyn).reshape(-1, o)).reshape(fshape)
    cols = _im2col(xn, g)
    m = cols.shape[0]
    dy2 = np.ascontiguousarray(dyn).reshape(m, o)
    if groups == 1:
        return blas.matmul(dy2.T, cols).T.reshape(fshape)
    og = o // groups
    gcols = _grouped_cols(cols, g, groups)
    dwg = blas.matmul(gcols.transpose(0, 2, 1), dy2.reshape(m, groups, og).transpose(1, 0, 2))
    return dwg.reshape(groups, g.kh * g.kw, fshape[2], og).transpose(1, 2, 0, 3).reshape(fshape)


# ----------------------------------------------------------------------------------------
# depthwise convolution
# ----------------------------------------------------------------------------------------

def _depthwise_setup(input_shape_nhwc, filter_shape, strides, padding, explicit_paddings,
                     fmt, dilations):
    padding = _norm_padding(padding)
    sh, sw, dh, dw = _strides_dilations(strides, dilations, fmt)
    pads_h, pads_w = _explicit_pairs(padding, explicit_paddings, fmt)
    if len(filter_shape) != 4:
        raise ValueError(f"filter must be 4-dimensional, got shape {list(filter_shape)}")
    kh, kw, fin, _ = (int(d) for d in filter_shape)
    if int(input_shape_nhwc[3]) != fin:
        raise ValueError(f"input and filter must have the same depth: {input_shape_nhwc[3]} "
                         f"vs {fin}")
    return _Geom(input_shape_nhwc, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w)


# A channel multiplier m > 1 is reduced to m == 1 over C*m channels: output channel c*m + k
# reads input channel c with filter [:, :, c, k], i.e. the input repeated m times along depth
# (np.repeat order) convolved with the filter reshaped to [kh, kw, C*m].

def depthwise_conv2d_native(x, filter, strides, padding, explicit_paddings=(),
                            data_format="NHWC", dilations=(1, 1, 1, 1)):
    """``DepthwiseConv2dNative``: filter [kh, kw, C, mult]; output channel ``c*mult + m``."""
    x = np.asarray(x)
    w = np.asarray(filter)
    _check_rank(x, 4, "input")
    _check_rank(w, 4, "filter")
    fmt = _norm_format(data_format)
    xn = _to_nhwc(x, fmt)
    g = _depthwise_setup(xn.shape, w.shape, strides, padding, explicit_paddings, fmt,
                         dilations)
    out_dtype = np.result_type(x.dtype, w.dtype)
    cdt = _compute_dtype(out_dtype)
    mult = w.shape[3]
    xn = xn.astype(cdt, copy=False)
    if mult != 1:
        xn = np.repeat(xn, mult, axis=3)
        g = g.replace(C=g.C * mult)
    w3 = w.astype(cdt, copy=False).reshape(g.kh, g.kw, g.C)
    # One einsum over the (read-only, zero-copy) window view: there is no GEMM structure
    # (each channel has its own filter) and this beats materialising the patches.
    out = np.einsum("nhwijc,ijc->nhwc", _windows(_pad(xn, g), g), w3)
    return _from_nhwc(out, fmt).astype(out_dtype, copy=False)


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides, padding,
                                           explicit_paddings=(), data_format="NHWC",
                                           dilations=(1, 1, 1, 1)):
    """``DepthwiseConv2dNativeBackpropInput``."""
    w, dy, fmt, dyn, in_shape = _backprop_input_args(input_sizes, filter, out_backprop,
                                                     data_format)
    g = _depthwise_setup(in_shape, w.shape, strides, padding, explicit_paddings, fmt, dilations)
    mult = w.shape[3]
    c = g.C
    _check_out_backprop(dyn, g, c * mult, "DepthwiseConv2dNativeBackpropInput")
    out_dtype = np.result_type(w.dtype, dy.dtype)
    cdt = _compute_dtype(out_dtype)
    ge = g.replace(C=c * mult)
    w3 = w.astype(cdt, copy=False).reshape(g.kh, g.kw, c * mult)
    dyc = dyn.astype(cdt, copy=False)
    if g.sh == 1 and g.sw == 1 and g.Ho and g.Wo:
        # Stride 1: the adjoint is a stride-1 correlation of the output gradient, padded by
        # (dilated filter extent - 1 - forward padding) on each side, with the flipped filter.
        eh, ew = (g.kh - 1) * g.dh, (g.kw - 1) * g.dw
        dyp = _pad_or_crop(dyc, (eh - g.pt, eh - g.pb), (ew - g.pl, ew - g.pr))
        gt = _Geom(dyp.shape, g.kh, g.kw, 1, 1, g.dh, g.dw, "VALID", (0, 0), (0, 0))
        dx = np.einsum("nhwijc,ijc->nhwc", _windows(dyp, gt), w3[::-1, ::-1])
    else:
        buf = np.empty(dyc.shape, dtype=cdt)

        def tap(i, j):
            return np.multiply(dyc, w3[i, j], out=buf)
        dx = _col2im(tap, ge, cdt)
    if mult != 1:
        dx = dx.reshape(g.N, g.H, g.W, c, mult).sum(axis=4)
    return _from_nhwc(dx, fmt).astype(out_dtype, copy=False)


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides,
                                            padding, explicit_paddings=(), data_format="NHWC",
                                            dilations=(1, 1, 1, 1)):
    """``DepthwiseConv2dNativeBackpropFilter``."""
    x, dy, fshape, fmt, xn, dyn = _backprop_filter_args(input, filter_sizes, out_backprop,
                                                        data_format)
    g = _depthwise_setup(xn.shape, fshape, strides, padding, explicit_paddings, fmt, dilations)
    mult = fshape[3]
    _check_out_backprop(dyn, g, g.C * mult, "DepthwiseConv2dNativeBackpropFilter")
    out_dtype = np.result_type(x.dtype, dy.dtype)
    cdt = _compute_dtype(out_dtype)
    xn = xn.astype(cdt, copy=False)
    if mult != 1:
        xn = np.repeat(xn, mult, axis=3)
        g = g.replace(C=g.C * mult)
    dw = np.einsum("nhwijc,nhwc->ijc", _windows(_pad(xn, g), g), dyn.astype(cdt, copy=False))
    return np.ascontiguousarray(dw.reshape(fshape)).astype(out_dtype, copy=False)


def _pool_window(ksize, strides, fmt):
    """((kh, kw, kdepth), (sh, sw, sdepth)) with TF's restrictions checked."""
    def four(v, name):
        vals = [int(a) for a in v]
        if len(vals) == 2:
            vals = [1, vals[0], vals[1], 1] if fmt == "NHWC" else [1, 1, vals[0], vals[1]]
        if len(vals) != 4:
            raise ValueError(f"Sliding window {name} field must specify 4 dimensions, got {vals}")
        return vals if fmt == "NHWC" else [vals[0], vals[2], vals[3], vals[1]]
    k = four(ksize, "ksize")
    s = four(strides, "strides")
    if any(v <= 0 for v in k):
        raise ValueError(f"Sliding window ksize must be positive, got {list(ksize)}")
    if any(v <= 0 for v in s):
        raise ValueError(f"Sliding window stride must be positive, got {list(strides)}")
    if k[0] != 1 or s[0] != 1:
        raise ValueError("Pooling is not yet supported on the batch dimension.")
    if k[3] != 1 or s[3] != 1:
        if k[3] != s[3]:
            raise ValueError("Depthwise max pooling requires the depth window to equal the "
                             "depth stride.")
        if k[1] != 1 or k[2] != 1 or s[1] != 1 or s[2] != 1:
            raise ValueError("MaxPooling supports exactly one of pooling across depth or "
                             "pooling across width/height.")
    return (k[1], k[2], k[3]), (s[1], s[2], s[3])
