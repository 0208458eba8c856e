"""Pure-numpy kernels for TensorFlow's convolution ops.

Every function follows the semantics of the TensorFlow op of the same name (attribute
meaning, padding split, output layout); the window geometry they share with pooling is
in ``geometry``, the DFT path in ``dft``:

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
  float64 stays float64.
* Invalid arguments raise ``ValueError`` with a message in TensorFlow's wording where one
  exists; callers wrap it into ``InvalidArgumentError``.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .dft import conv2d_backprop_filter_fft, conv2d_backprop_input_fft, conv2d_fft, fft_periods
from .geometry import (Geometry, check_rank, col2im, compute_dtype, explicit_pairs,
                       from_nhwc, normalize_format, normalize_padding, pad_input,
                       shape_to_nhwc, strides_dilations, to_nhwc, window_view)
from ...runtime import blas
from ...runtime.parallel import rows_per_chunk

__all__ = ["conv2d", "conv2d_backprop_input", "conv2d_backprop_filter",
           "depthwise_conv2d_native", "depthwise_conv2d_native_backprop_input",
           "depthwise_conv2d_native_backprop_filter"]

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
# patches and padding (NHWC)
# ----------------------------------------------------------------------------------------

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


def _im2col(x, g: Geometry):
    """(N*Ho*Wo, kh*kw*C) contiguous patch matrix (one copy of the windows)."""
    cols = window_view(pad_input(x, g), g).reshape(g.N * g.Ho * g.Wo, g.kh * g.kw * g.C)
    return np.ascontiguousarray(cols)


def _conv_setup(input_shape_nhwc, filter_shape, strides, padding, explicit_paddings,
                data_format, dilations):
    fmt = normalize_format(data_format)
    padding = normalize_padding(padding)
    sh, sw, dh, dw = strides_dilations(strides, dilations, fmt)
    pads_h, pads_w = explicit_pairs(padding, explicit_paddings, fmt)
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
    g = Geometry(input_shape_nhwc, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w)
    return fmt, g, groups


def _grouped_cols(cols, g: Geometry, groups):
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


def _use_hmajor(g: Geometry, groups: int) -> bool:
    return (groups == 1 and g.sh == 1 and g.kh > 1 and g.Ho > 0 and g.Wo > 0
            and g.kw * g.C >= _HMAJOR_MIN_DEPTH)


def _hmajor_cols(x, g: Geometry):
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


def _hmajor_rows(cols, g: Geometry, i):
    """The (Ho*N*Wo, kw*C) patch matrix of filter row i (stride 1 along H)."""
    r0 = i * g.dh
    return cols[r0:r0 + g.Ho].reshape(-1, cols.shape[2])


def _use_tap_major(g: Geometry, groups: int) -> bool:
    return groups == 1 and g.C <= _TAP_MAJOR_MAX_CHANNELS


def _tap_major_cols(x, g: Geometry):
    """Patches in tap-major layout (kh*kw*C, N*Ho*Wo), copied in one pass from the window
    view with W innermost, where im2col's rows of C values are too short to copy fast.
    ``cols.T`` is the im2col matrix (BLAS takes it transposed for free)."""
    windows = window_view(pad_input(x, g), g).transpose(3, 4, 5, 0, 1, 2)
    return np.ascontiguousarray(windows).reshape(g.kh * g.kw * g.C, -1)


# ----------------------------------------------------------------------------------------
# DFT ("FFT") convolution for stride 1: the math is in ``dft``
# ----------------------------------------------------------------------------------------

# Heuristic: used only for stride 1, one group, at least ``_FFT_MIN_CHANNELS`` input and
# output channels, and when the estimated flops of the direct GEMM are at least
# ``_FFT_MIN_SPEEDUP`` times those of the DFT path (transforms + per-bin GEMMs, complex
# flops counted 4x).  Dense DFT transforms cost O(P) per element, so large maps or small
# filters keep the direct path.

_FFT_MIN_CHANNELS = 16
_FFT_MIN_SPEEDUP = 2.0


def _fft_flops(g: Geometry, o: int):
    """(direct GEMM flops, estimated DFT-path flops) of a stride-1 convolution."""
    ph, pw = fft_periods(g)
    kw_ = pw // 2 + 1
    mi, mo = g.N * g.C, g.N * o
    direct = 2 * g.N * g.Ho * g.Wo * g.kh * g.kw * g.C * o
    transforms = (g.H * kw_ * g.W + ph * g.H * kw_) * mi + (g.Ho * ph + g.Ho * g.Wo) * kw_ * mo
    fft = 8 * (transforms + ph * kw_ * g.N * g.C * o)
    return direct, fft


def _use_fft(g: Geometry, groups: int, o: int) -> bool:
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
    check_rank(x, 4, "input")
    check_rank(w, 4, "filter")
    fmt = normalize_format(data_format)
    xn = to_nhwc(x, fmt)
    fmt, g, groups = _conv_setup(xn.shape, w.shape, strides, padding, explicit_paddings, fmt,
                                 dilations)
    out_dtype = np.result_type(x.dtype, w.dtype)
    cdt = compute_dtype(out_dtype)
    xn = xn.astype(cdt, copy=False)
    w = np.ascontiguousarray(w, dtype=cdt)
    o = w.shape[3]
    if _use_fft(g, groups, o):
        out = conv2d_fft(xn, w, g, epilogue)
    else:
        out = blas.split_batch(g.N, lambda lo, hi, piece: _conv2d_direct(
            xn[lo:hi], w, g.replace(N=hi - lo), groups, piece), (g.Ho, g.Wo, o), cdt,
            epilogue, grain=rows_per_chunk(g.Ho * g.Wo * o * xn.itemsize))
    return from_nhwc(out, fmt).astype(out_dtype, copy=False)


def _conv2d_direct(xn, w, g: Geometry, groups: int, out=None):
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
        return shape_to_nhwc(vals, fmt)
    if len(vals) == 2:
        return (n_from, vals[0], vals[1], c_from)
    raise ValueError(f"{name} must have 4 (or 2 spatial) elements, got {vals}")


def _check_out_backprop(dy_nhwc, g: Geometry, o, op):
    expected = (g.N, g.Ho, g.Wo, o)
    if tuple(dy_nhwc.shape) != expected:
        raise ValueError(f"{op}: Size of out_backprop doesn't match computed: actual = "
                         f"{list(dy_nhwc.shape)}, computed = {list(expected)} (NHWC)")


def _backprop_input_args(input_sizes, filter, out_backprop, data_format):
    """The checked arrays of an input-gradient op: (filter, out_backprop, format,
    out_backprop in NHWC, the input's NHWC shape)."""
    w = np.asarray(filter)
    dy = np.asarray(out_backprop)
    check_rank(w, 4, "filter")
    check_rank(dy, 4, "out_backprop")
    fmt = normalize_format(data_format)
    dyn = to_nhwc(dy, fmt)
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
    cdt = compute_dtype(out_dtype)
    w = np.ascontiguousarray(w, dtype=cdt)
    dyn = dyn.astype(cdt, copy=False)
    if _use_fft(g, groups, o):
        dx = conv2d_backprop_input_fft(dyn, w, g)
    else:
        dx = blas.split_batch(g.N, lambda lo, hi, _: _conv2d_backprop_input_direct(
            dyn[lo:hi], w, g.replace(N=hi - lo), groups), (g.H, g.W, g.C), cdt)
    return from_nhwc(dx, fmt).astype(out_dtype, copy=False)


def _conv2d_backprop_input_direct(dyn, w, g: Geometry, groups: int):
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
    return col2im(tap, g, cdt)


def _backprop_filter_args(input, filter_sizes, out_backprop, data_format):
    """The checked arrays of a filter-gradient op: (input, out_backprop, filter shape,
    format, input and out_backprop in NHWC)."""
    x = np.asarray(input)
    dy = np.asarray(out_backprop)
    check_rank(x, 4, "input")
    check_rank(dy, 4, "out_backprop")
    fshape = tuple(int(v) for v in np.asarray(filter_sizes).reshape(-1))
    fmt = normalize_format(data_format)
    return x, dy, fshape, fmt, to_nhwc(x, fmt), to_nhwc(dy, fmt)


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
    cdt = compute_dtype(out_dtype)
    xn, dyn = xn.astype(cdt, copy=False), dyn.astype(cdt, copy=False)
    if _use_fft(g, groups, o):
        dw = conv2d_backprop_filter_fft(xn, dyn, g)
    else:
        dw = blas.sum_over_batch(g.N, lambda lo, hi: _conv2d_backprop_filter_direct(
            xn[lo:hi], dyn[lo:hi], g.replace(N=hi - lo), groups, fshape))
    return np.ascontiguousarray(dw).astype(out_dtype, copy=False)


def _conv2d_backprop_filter_direct(xn, dyn, g: Geometry, groups: int, fshape: tuple):
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
    padding = normalize_padding(padding)
    sh, sw, dh, dw = strides_dilations(strides, dilations, fmt)
    pads_h, pads_w = explicit_pairs(padding, explicit_paddings, fmt)
    if len(filter_shape) != 4:
        raise ValueError(f"filter must be 4-dimensional, got shape {list(filter_shape)}")
    kh, kw, fin, _ = (int(d) for d in filter_shape)
    if int(input_shape_nhwc[3]) != fin:
        raise ValueError(f"input and filter must have the same depth: {input_shape_nhwc[3]} "
                         f"vs {fin}")
    return Geometry(input_shape_nhwc, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w)


# A channel multiplier m > 1 is reduced to m == 1 over C*m channels: output channel c*m + k
# reads input channel c with filter [:, :, c, k], i.e. the input repeated m times along depth
# (np.repeat order) convolved with the filter reshaped to [kh, kw, C*m].

def depthwise_conv2d_native(x, filter, strides, padding, explicit_paddings=(),
                            data_format="NHWC", dilations=(1, 1, 1, 1)):
    """``DepthwiseConv2dNative``: filter [kh, kw, C, mult]; output channel ``c*mult + m``."""
    x = np.asarray(x)
    w = np.asarray(filter)
    check_rank(x, 4, "input")
    check_rank(w, 4, "filter")
    fmt = normalize_format(data_format)
    xn = to_nhwc(x, fmt)
    g = _depthwise_setup(xn.shape, w.shape, strides, padding, explicit_paddings, fmt,
                         dilations)
    out_dtype = np.result_type(x.dtype, w.dtype)
    cdt = compute_dtype(out_dtype)
    mult = w.shape[3]
    xn = xn.astype(cdt, copy=False)
    if mult != 1:
        xn = np.repeat(xn, mult, axis=3)
        g = g.replace(C=g.C * mult)
    w3 = w.astype(cdt, copy=False).reshape(g.kh, g.kw, g.C)
    # One einsum over the (read-only, zero-copy) window view: there is no GEMM structure
    # (each channel has its own filter) and this beats materialising the patches.
    out = np.einsum("nhwijc,ijc->nhwc", window_view(pad_input(xn, g), g), w3)
    return from_nhwc(out, fmt).astype(out_dtype, copy=False)


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
    cdt = compute_dtype(out_dtype)
    ge = g.replace(C=c * mult)
    w3 = w.astype(cdt, copy=False).reshape(g.kh, g.kw, c * mult)
    dyc = dyn.astype(cdt, copy=False)
    if g.sh == 1 and g.sw == 1 and g.Ho and g.Wo:
        # Stride 1: the adjoint is a stride-1 correlation of the output gradient, padded by
        # (dilated filter extent - 1 - forward padding) on each side, with the flipped filter.
        eh, ew = (g.kh - 1) * g.dh, (g.kw - 1) * g.dw
        dyp = _pad_or_crop(dyc, (eh - g.pt, eh - g.pb), (ew - g.pl, ew - g.pr))
        gt = Geometry(dyp.shape, g.kh, g.kw, 1, 1, g.dh, g.dw, "VALID", (0, 0), (0, 0))
        dx = np.einsum("nhwijc,ijc->nhwc", window_view(dyp, gt), w3[::-1, ::-1])
    else:
        buf = np.empty(dyc.shape, dtype=cdt)

        def tap(i, j):
            return np.multiply(dyc, w3[i, j], out=buf)
        dx = col2im(tap, ge, cdt)
    if mult != 1:
        dx = dx.reshape(g.N, g.H, g.W, c, mult).sum(axis=4)
    return from_nhwc(dx, fmt).astype(out_dtype, copy=False)


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
    cdt = compute_dtype(out_dtype)
    xn = xn.astype(cdt, copy=False)
    if mult != 1:
        xn = np.repeat(xn, mult, axis=3)
        g = g.replace(C=g.C * mult)
    dw = np.einsum("nhwijc,nhwc->ijc", window_view(pad_input(xn, g), g),
                   dyn.astype(cdt, copy=False))
    return np.ascontiguousarray(dw.reshape(fshape)).astype(out_dtype, copy=False)
