"""Pure-numpy kernels for TensorFlow's pooling ops: ``MaxPool``/``MaxPoolGrad`` (also
with the winners kept between them), ``MaxPoolGradGrad`` and ``AvgPool``/``AvgPoolGrad``.

Pooling runs over the kh*kw strided window-cell views (``geometry``) of cache-sized chunks
of the batch (elementwise max / separable sums), several times faster than numpy's
reductions over a 6-D window view; windows that tile the input take faster row-wise
paths.  Padded cells never win a max; ties go to the first maximum, as in TensorFlow's
CPU kernels.
"""
from __future__ import annotations

import functools

import numpy as np

from .geometry import (Geometry, check_rank, col2im, compute_dtype, explicit_pairs,
                       from_nhwc, normalize_format, normalize_padding, pad_input,
                       pool_output_shape, pool_window, shape_to_nhwc, to_nhwc, unpad_input,
                       windowed_output_size_and_padding)
from ...runtime.parallel import for_each_chunk, rows_per_chunk

__all__ = ["max_pool", "max_pool_grad", "max_pool_with_winners", "max_pool_grad_from_winners",
           "max_pool_grad_grad", "avg_pool", "avg_pool_grad"]


def _pool_setup(in_shape_nhwc, ksize, strides, padding, fmt, explicit_paddings=()):
    padding = normalize_padding(padding)
    (kh, kw, kd), (sh, sw, _) = pool_window(ksize, strides, fmt)
    pads_h, pads_w = explicit_pairs(padding, explicit_paddings, fmt)
    if padding == "EXPLICIT":
        for side, pad, k in (("Top", pads_h[0], kh), ("Bottom", pads_h[1], kh),
                             ("Left", pads_w[0], kw), ("Right", pads_w[1], kw)):
            if pad >= k:
                raise ValueError(f"{side} padding {pad} needs to be smaller than the window "
                                 f"size {k}")
    g = Geometry(in_shape_nhwc, kh, kw, sh, sw, 1, 1, padding, pads_h, pads_w)
    return g, kd


def _lowest(dtype, finite=False):
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return np.finfo(dtype).min if finite else -np.inf
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    raise ValueError(f"unsupported dtype for max pooling: {dtype}")


def _nonoverlapping(g: Geometry):
    """Windows tile the (unpadded) input without overlap: each cell is in at most one."""
    return g.no_padding and g.sh >= g.kh and g.sw >= g.kw


def _tiled(g: Geometry) -> bool:
    """Windows tile the input exactly: no padding, stride = window, no cell left over."""
    return (g.no_padding and g.sh == g.kh and g.sw == g.kw and g.H == g.Ho * g.kh
            and g.W == g.Wo * g.kw and g.kh * g.kw < 256)


def _tiled_max(xn, g: Geometry, out=None):
    """Window maxima (n, Ho, Wo, C) of tiling windows, by rows then columns (NaN wins)."""
    n = xn.shape[0]
    rows = xn.reshape(n, g.Ho, g.kh, g.W, g.C)
    row_max = rows[:, :, 0] if g.kh == 1 else np.maximum(rows[:, :, 0], rows[:, :, 1])
    for i in range(2, g.kh):
        np.maximum(row_max, rows[:, :, i], out=row_max)
    cells = row_max.reshape(n, g.Ho, g.Wo, g.kw, g.C)
    if out is None:
        out = np.empty((n, g.Ho, g.Wo, g.C), dtype=xn.dtype)
    np.copyto(out, cells[:, :, :, 0])
    for j in range(1, g.kw):
        np.maximum(out, cells[:, :, :, j], out=out)
    return out


@functools.lru_cache(maxsize=64)
def _tap_bit_patterns(kh: int, kw: int, width: int, c: int):
    """(shifts, bits) of shape (kh, W, C): each cell's index t in its window and 1 << t."""
    bits_t = next(t for t in (np.uint8, np.uint16, np.uint32, np.uint64)
                  if np.iinfo(t).bits >= kh * kw)
    shifts = np.arange(kh)[:, None] * kw + np.arange(width)[None, :] % kw
    shifts = np.ascontiguousarray(np.repeat(shifts.astype(bits_t)[:, :, None], c, axis=2))
    bits = np.left_shift(bits_t(1), shifts)
    shifts.setflags(write=False)
    bits.setflags(write=False)
    return shifts, bits


def _tiled_winners(xn, win_max, g: Geometry, out=None):
    """Where TF's MaxPoolGrad routes each window's gradient, for tiling windows: a bool
    array shaped like the rows view (n, Ho, kh, W, C) of ``xn`` with one True per window,
    on its first (row-major) maximum; None when some window's maximum is NaN or not above
    the lowest finite value (TF's scan finds no winner there).  Each cell equal to its
    window's maximum sets bit ``t`` (its index in the window) of the window's mask on rows
    of W*C contiguous values; the lowest set bit is the winner."""
    if not (win_max > _lowest(xn.dtype, finite=True)).all():      # also False for NaN
        return None
    n = xn.shape[0]
    shifts, tap_bit = _tap_bit_patterns(g.kh, g.kw, g.W, g.C)
    rows = xn.reshape(n, g.Ho, g.kh, g.W, g.C)
    hit = np.equal(rows, np.repeat(win_max, g.kw, axis=2)[:, :, None])
    tap_bits = np.left_shift(hit.view(np.uint8).astype(shifts.dtype, copy=False), shifts)
    mask = tap_bits[:, :, 0].copy()
    for i in range(1, g.kh):
        mask |= tap_bits[:, :, i]
    mask = mask.reshape(n, g.Ho, g.Wo, g.kw, g.C)
    bits = mask[:, :, :, 0].copy()
    for j in range(1, g.kw):
        bits |= mask[:, :, :, j]
    first = bits & np.negative(bits)                                 # lowest set bit
    return np.equal(np.repeat(first, g.kw, axis=2)[:, :, None], tap_bit, out=out)


def _route_to_winners(winners, dyn, g: Geometry, out) -> None:
    """Writes each (finite) output gradient onto its window's winner, zeros elsewhere."""
    np.multiply(winners, np.repeat(dyn, g.kw, axis=2)[:, :, None],
                out=out.reshape(winners.shape))


def _tiled_max_pool_grad(xn, dyn, g: Geometry, out) -> bool:
    """``MaxPoolGrad`` into ``out`` for tiling windows (~2.5x faster than the per-cell
    scan); False (nothing written) where ``_tiled_winners`` finds none."""
    winners = _tiled_winners(xn, _tiled_max(xn, g), g)
    if winners is None:
        return False
    _route_to_winners(winners, dyn, g, out)
    return True


def _scan_max_pool_grad(xn, dyn, g: Geometry, finite: bool):
    """``MaxPoolGrad`` for any window geometry, scanning the window cells as TF's CPU
    kernel does: start from the lowest finite value with no winner (-1) and take a cell
    only when strictly greater, row-major: ties go to the first maximum, NaN and padded
    (-inf) cells never win.  Because the scan index only grows, "idx = t where updated" is
    idx = max(idx, t * updated)."""
    taps = _window_taps(pad_input(xn, g, _lowest(xn.dtype)), g)
    n_taps = len(taps)
    idt = np.int8 if n_taps < 127 else np.int32
    best = np.full(taps[0].shape, _lowest(xn.dtype, finite=True), dtype=xn.dtype)
    upd = np.greater(taps[0], best)
    idx = upd.astype(idt)
    idx -= 1                            # 0 where the first cell beats "lowest", else -1
    np.fmax(best, taps[0], out=best)
    for t in range(1, n_taps):
        np.greater(taps[t], best, out=upd)
        np.maximum(idx, upd * idt(t), out=idx)
        np.fmax(best, taps[t], out=best)
    # Scatter: cell t of each window receives the output gradient where it won.
    zero = np.zeros((), dtype=dyn.dtype)

    def routed(t):
        hit = idx == t
        return dyn * hit if finite else np.where(hit, dyn, zero)
    if _nonoverlapping(g):
        dx = np.zeros(xn.shape, dtype=dyn.dtype)
        for t in range(n_taps):
            dx[g.tap_slices(t // g.kw, t % g.kw)] = routed(t)
        return dx
    return col2im(lambda i, j: routed(i * g.kw + j), g, dyn.dtype)


def _window_taps(xp, g: Geometry):
    """The kh*kw strided (N, Ho, Wo, C) views of the padded input, one per window cell, in
    row-major window order."""
    return [xp[g.tap_slices(i, j)] for i in range(g.kh) for j in range(g.kw)]


def _image_chunks(xn, fn) -> None:
    """Runs ``fn(lo, hi)`` over cache-sized chunks of the batch, in parallel."""
    for_each_chunk(xn.shape[0], rows_per_chunk(xn.itemsize * int(np.prod(xn.shape[1:]))), fn)


def max_pool(x, ksize, strides, padding, data_format="NHWC", explicit_paddings=()):
    """``MaxPool``; padded cells never win (they are -inf)."""
    x = np.asarray(x)
    check_rank(x, 4, "input")
    fmt = normalize_format(data_format)
    xn = to_nhwc(x, fmt)
    g, kd = _pool_setup(xn.shape, ksize, strides, padding, fmt, explicit_paddings)
    if kd != 1:
        if g.C % kd:
            raise ValueError(f"Depthwise max pooling requires the depth window to evenly "
                             f"divide the input depth ({g.C} vs {kd})")
        out = xn.reshape(g.N, g.H, g.W, g.C // kd, kd).max(axis=4)
        return from_nhwc(out, fmt)
    # Elementwise maximum over the kh*kw window cells, each a strided view of a chunk of
    # the batch: several times faster than numpy's reduction over the 6-D window view.
    out = np.empty((g.N, g.Ho, g.Wo, g.C), dtype=x.dtype)

    def chunk(lo, hi):
        gc = g.replace(N=hi - lo)
        taps = _window_taps(pad_input(xn[lo:hi], gc, _lowest(x.dtype)), gc)
        res = out[lo:hi]
        np.copyto(res, taps[0])
        for tap in taps[1:]:
            np.maximum(res, tap, out=res)
    _image_chunks(xn, chunk)
    return from_nhwc(out, fmt)


def max_pool_grad(orig_input, orig_output, grad, ksize, strides, padding, data_format="NHWC",
                  explicit_paddings=()):
    """``MaxPoolGrad``: each output gradient goes to the first (row-major) maximum of its
    window in ``orig_input``; padded cells never win.  ``orig_output`` is not needed (TF's
    CPU kernel also recomputes the arg-max from ``orig_input``)."""
    x = np.asarray(orig_input)
    dy = np.asarray(grad)
    check_rank(x, 4, "orig_input")
    check_rank(dy, 4, "grad")
    fmt = normalize_format(data_format)
    xn, dyn = to_nhwc(x, fmt), to_nhwc(dy, fmt)
    g, kd = _pool_setup(xn.shape, ksize, strides, padding, fmt, explicit_paddings)
    if kd != 1:
        raise ValueError("MaxPoolGrad: depthwise max pooling is not supported.")
    if tuple(dyn.shape) != (g.N, g.Ho, g.Wo, g.C):
        raise ValueError(f"MaxPoolGrad: grad shape {list(dyn.shape)} does not match the "
                         f"pooled output shape {[g.N, g.Ho, g.Wo, g.C]} (NHWC)")
    cdt = compute_dtype(np.result_type(x.dtype, dy.dtype))
    dyn = dyn.astype(cdt, copy=False)
    finite = dyn.dtype.kind != "f" or bool(np.isfinite(dyn).all())
    tiled = finite and _tiled(g)
    dx = np.empty(xn.shape, dtype=cdt)

    def chunk(lo, hi):
        gc = g.replace(N=hi - lo)
        if not (tiled and _tiled_max_pool_grad(xn[lo:hi], dyn[lo:hi], gc, dx[lo:hi])):
            dx[lo:hi] = _scan_max_pool_grad(xn[lo:hi], dyn[lo:hi], gc, finite)
    _image_chunks(xn, chunk)
    return from_nhwc(dx, fmt).astype(dy.dtype, copy=False)


def max_pool_with_winners(x, ksize, strides, padding, data_format="NHWC",
                          explicit_paddings=()):
    """``MaxPool`` plus, when the windows tile the input, the winners ``MaxPoolGrad`` would
    find (``_tiled_winners``, kept by the caller as TF's oneDNN kernels keep a workspace);
    winners are None for other geometries or where some window has no winner."""
    x = np.asarray(x)
    check_rank(x, 4, "input")
    fmt = normalize_format(data_format)
    xn = to_nhwc(x, fmt)
    g, kd = _pool_setup(xn.shape, ksize, strides, padding, fmt, explicit_paddings)
    if kd != 1 or not _tiled(g):
        return max_pool(x, ksize, strides, padding, data_format, explicit_paddings), None
    out = np.empty((g.N, g.Ho, g.Wo, g.C), dtype=x.dtype)
    winners = np.empty((g.N, g.Ho, g.kh, g.W, g.C), dtype=bool)
    complete = [True]

    def chunk(lo, hi):
        gc = g.replace(N=hi - lo)
        _tiled_max(xn[lo:hi], gc, out=out[lo:hi])
        if complete[0] and _tiled_winners(xn[lo:hi], out[lo:hi], gc, winners[lo:hi]) is None:
            complete[0] = False
    _image_chunks(xn, chunk)
    return from_nhwc(out, fmt), (winners if complete[0] else None)


def max_pool_grad_from_winners(winners, grad, ksize, strides, padding, data_format="NHWC",
                               explicit_paddings=()):
    """``MaxPoolGrad`` from ``max_pool_with_winners``' winners (the input is not read
    again); None when ``grad`` is not finite (0 * inf must not reach the losers)."""
    dy = np.asarray(grad)
    check_rank(dy, 4, "grad")
    fmt = normalize_format(data_format)
    dyn = to_nhwc(dy, fmt)
    n, ho, kh, w, c = winners.shape
    g, _ = _pool_setup((n, ho * kh, w, c), ksize, strides, padding, fmt, explicit_paddings)
    if tuple(dyn.shape) != (g.N, g.Ho, g.Wo, g.C):
        raise ValueError(f"MaxPoolGrad: grad shape {list(dyn.shape)} does not match the "
                         f"pooled output shape {[g.N, g.Ho, g.Wo, g.C]} (NHWC)")
    if dyn.dtype.kind == "f" and not np.isfinite(dyn).all():
        return None
    dx = np.empty((g.N, g.H, g.W, g.C), dtype=dyn.dtype)

    def chunk(lo, hi):
        _route_to_winners(winners[lo:hi], dyn[lo:hi], g, dx[lo:hi])
    _image_chunks(dx, chunk)
    return from_nhwc(dx, fmt)


def _spatial(values, data_format: str) -> tuple[int, int]:
    """(h, w) entries of a 4-element attr in ``data_format`` order."""
    return (values[1], values[2]) if data_format == "NHWC" else (values[2], values[3])


def max_pool_grad_grad(orig_input, orig_output, grad, ksize, strides, padding,
                       data_format="NHWC"):
    """``MaxPoolGradGrad``: each output cell takes ``grad`` at its window's arg-max in
    ``orig_input``, chosen as MaxPoolGrad routes gradients (the first strict maximum in
    row-major order; padded and NaN cells never win, a window without winner gives 0)."""
    x, y, g = np.asarray(orig_input), np.asarray(orig_output), np.asarray(grad)
    out_shape = pool_output_shape(x.shape, ksize, strides, padding, data_format)
    if g.shape != x.shape or list(y.shape) != out_shape:
        raise ValueError(f"MaxPoolGradGrad: expected grad shaped like orig_input "
                         f"{list(x.shape)} and orig_output shaped {out_shape}, got grad "
                         f"{list(g.shape)} and orig_output {list(y.shape)}")
    if (ksize[3] if data_format == "NHWC" else ksize[1]) != 1:
        raise ValueError("MaxPoolGradGrad is not yet supported on the depth dimension.")
    nhwc_axes = (0, 1, 2, 3) if data_format == "NHWC" else (0, 2, 3, 1)
    xn, gn = x.transpose(nhwc_axes), g.transpose(nhwc_axes)
    (kh, kw), (sh, sw) = _spatial(ksize, data_format), _spatial(strides, data_format)
    ho, top, bottom = windowed_output_size_and_padding(xn.shape[1], kh, sh, 1, padding)
    wo, left, right = windowed_output_size_and_padding(xn.shape[2], kw, sw, 1, padding)
    info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
    pads = ((0, 0), (top, bottom), (left, right), (0, 0))
    xp = np.pad(xn, pads, constant_values=-np.inf if x.dtype.kind == "f" else info.min)
    gp = np.pad(gn, pads)
    best = np.full((xn.shape[0], ho, wo, xn.shape[3]), info.min, dtype=x.dtype)
    out = np.zeros(best.shape, dtype=g.dtype)
    wins = np.empty(best.shape, dtype=bool)
    for i in range(kh):
        for j in range(kw):
            taps = (slice(None), slice(i, i + (ho - 1) * sh + 1, sh),
                    slice(j, j + (wo - 1) * sw + 1, sw))
            np.greater(xp[taps], best, out=wins)
            np.copyto(best, xp[taps], where=wins)
            np.copyto(out, gp[taps], where=wins)
    return np.ascontiguousarray(out.transpose(np.argsort(nhwc_axes)))


def _window_counts(g: Geometry):
    """Number of non-padded cells in each output window: (Ho, Wo) float array."""
    def counts(n_out, stride, pad, k, size):
        start = np.arange(n_out) * stride - pad
        return np.minimum(start + k, size) - np.maximum(start, 0)
    return np.outer(counts(g.Ho, g.sh, g.pt, g.kh, g.H), counts(g.Wo, g.sw, g.pl, g.kw, g.W))


def avg_pool(value, ksize, strides, padding, data_format="NHWC"):
    """``AvgPool``; with SAME padding each window averages only its non-padded cells."""
    x = np.asarray(value)
    check_rank(x, 4, "value")
    fmt = normalize_format(data_format)
    xn = to_nhwc(x, fmt)
    g, kd = _pool_setup(xn.shape, ksize, strides, padding, fmt)
    if kd != 1:
        raise ValueError("AvgPool: pooling across depth is not supported.")
    cdt = compute_dtype(x.dtype)
    xp = pad_input(xn.astype(cdt, copy=False), g)
    # Separable window sums (kh + kw strided adds): rows first, then columns.
    rsl = slice(0, (g.Ho - 1) * g.sh + 1, g.sh)
    rows = xp[:, rsl].copy()
    for i in range(1, g.kh):
        rows += xp[:, i:i + (g.Ho - 1) * g.sh + 1:g.sh]
    s = rows[:, :, 0:(g.Wo - 1) * g.sw + 1:g.sw].copy()
    for j in range(1, g.kw):
        s += rows[:, :, j:j + (g.Wo - 1) * g.sw + 1:g.sw]
    if g.no_padding:
        s /= np.asarray(g.kh * g.kw, dtype=cdt)
    else:
        s /= _window_counts(g).astype(cdt)[None, :, :, None]
    return from_nhwc(s, fmt).astype(x.dtype, copy=False)


def avg_pool_grad(orig_input_shape, grad, ksize, strides, padding, data_format="NHWC"):
    """``AvgPoolGrad``: spreads ``grad / count`` uniformly over each window's valid cells."""
    dy = np.asarray(grad)
    check_rank(dy, 4, "grad")
    fmt = normalize_format(data_format)
    shape = [int(v) for v in np.asarray(orig_input_shape).reshape(-1)]
    if len(shape) != 4:
        raise ValueError(f"orig_input_shape must have 4 elements, got {shape}")
    dyn = to_nhwc(dy, fmt)
    g, kd = _pool_setup(shape_to_nhwc(shape, fmt), ksize, strides, padding, fmt)
    if kd != 1:
        raise ValueError("AvgPoolGrad: pooling across depth is not supported.")
    if tuple(dyn.shape) != (g.N, g.Ho, g.Wo, g.C):
        raise ValueError(f"AvgPoolGrad: grad shape {list(dyn.shape)} does not match the "
                         f"pooled output shape {[g.N, g.Ho, g.Wo, g.C]} (NHWC)")
    cdt = compute_dtype(dy.dtype)
    if g.no_padding:
        gs = dyn.astype(cdt) * np.asarray(1.0 / (g.kh * g.kw), dtype=cdt)
    else:
        gs = dyn.astype(cdt) * (1.0 / _window_counts(g)).astype(cdt)[None, :, :, None]
    # Adjoint of the separable sums: spread over columns, then over rows.
    hp, wp = g.padded_shape[1:3]
    rows = np.zeros((g.N, g.Ho, wp, g.C), dtype=cdt)
    if g.Ho and g.Wo:
        for j in range(g.kw):
            rows[:, :, j:j + (g.Wo - 1) * g.sw + 1:g.sw] += gs
    dxp = np.zeros(g.padded_shape, dtype=cdt)
    if g.Ho and g.Wo:
        for i in range(g.kh):
            dxp[:, i:i + (g.Ho - 1) * g.sh + 1:g.sh] += rows
    return from_nhwc(unpad_input(dxp, g), fmt).astype(dy.dtype, copy=False)
