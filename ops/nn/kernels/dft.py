"""DFT ("FFT") convolution for stride-1 Conv2D and its two backprops (numpy only).

A stride-1 convolution is a product per frequency bin after a 2-D DFT over H and W.  With
a period P >= max(H + pad_before, Ho + (k-1)*d - pad_before) per axis, the *circular*
correlation of the input (stored at positions 0..H-1, zeros elsewhere) with the filter
(tap i at position i*d) equals the zero-padded one at outputs oh - pad_before: every
padded cell an output reads lands, modulo P, in the zero region [H, P).  So, with
X[u] = sum_h x[h] e^{-2pi i u h/P} and Wf[u] = sum_i w[i] e^{+2pi i u i d/P}:

  Conv2D               Y[u] = X[u] Wf[u]         y[oh] = 1/P sum_u Y[u] e^{+2pi i u (oh-pt)/P}
  Conv2DBackpropInput  DX[u] = DY[u] conj(Wf[u])  dx[h]  = 1/P sum_u DX[u] e^{+2pi i u h/P}
  Conv2DBackpropFilter Q[u] = conj(X[u]) DY[u]    dw[i]  = 1/P sum_u Q[u] e^{-2pi i u i d/P}

with DY[u] = sum_oh dy[oh] e^{-2pi i u (oh-pt)/P}; in 2-D the products are (bins, N, C) x
(bins, C, O) complex GEMMs.  The transforms are small dense DFT matrices applied as
complex GEMMs on a (H, W, N*C) layout (zero padding, shifts, dilation and cropping are
folded into the matrices, so P needs no FFT-friendly factorisation and no padded buffer
is built); along W only the P//2+1 non-negative frequencies are kept (the signals are
real) and the inverse takes the real part with weight 2 for the mirrored bins.  For 5x5
filters on 14x14 maps this needs ~4x fewer flops than the direct GEMM, and numpy's FFT
itself is slow on many short rows (per-row overhead), which the DFT GEMMs avoid.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ...runtime import blas

if TYPE_CHECKING:
    from .geometry import Geometry


def fft_periods(g: Geometry):
    """The DFT periods (P_h, P_w) along H and W that make circular correlation exact."""
    ph = max(g.H + g.pt, g.Ho + (g.kh - 1) * g.dh - g.pt, 1)
    pw = max(g.W + g.pl, g.Wo + (g.kw - 1) * g.dw - g.pl, 1)
    return ph, pw


def _complex_dtype(cdt):
    return np.dtype(np.complex128 if np.dtype(cdt) == np.float64 else np.complex64)


_DFT_CACHE: dict = {}


def _dft(n_freq, start, count, step, period, sign, ctype, scale=1.0, half=False,
         transpose=False):
    """DFT matrix E[k, p] = scale * c_k * exp(sign * 2 pi i * k * (start + p*step) / period)
    for k < n_freq, p < count ((count, n_freq) when ``transpose``); c_k = 2 for the mirrored
    frequencies of a half spectrum (``half``), else 1.  Cached (tiny, read-only)."""
    key = (n_freq, start, count, step, period, sign, ctype, scale, half, transpose)
    m = _DFT_CACHE.get(key)
    if m is None:
        k = np.arange(n_freq, dtype=np.int64)[:, None]
        pos = start + step * np.arange(count, dtype=np.int64)[None, :]
        phase = (k * pos) % period                      # exact integer phase
        m = np.exp((sign * 2j * np.pi / period) * phase) * scale
        if half:
            c = np.full(n_freq, 2.0)
            c[0] = 1.0
            if period % 2 == 0:
                c[period // 2] = 1.0
            m *= c[:, None]
        m = np.ascontiguousarray(m.T if transpose else m).astype(ctype)
        m.setflags(write=False)
        if len(_DFT_CACHE) > 256:
            _DFT_CACHE.clear()
        _DFT_CACHE[key] = m
    return m


def _spectrum(a, ph, pw, h0, w0, sign, ctype):
    """a: (H, W, A, B) real or complex (any strides) -> (ph, pw//2+1, A*B) complex with
    sum_{h, w} a[h, w] e^{sign 2pi i (u (h+h0)/ph + v (w+w0)/pw)}.  One layout copy."""
    hh, ww = a.shape[:2]
    ac = a.astype(ctype, order="C").reshape(hh, ww, -1)
    m = ac.shape[2]
    kw_ = pw // 2 + 1
    t = blas.matmul(_dft(kw_, w0, ww, 1, pw, sign, ctype), ac)            # (H, kw_, M)
    return blas.matmul(_dft(ph, h0, hh, 1, ph, sign, ctype), t.reshape(hh, kw_ * m)).reshape(
        ph, kw_, m)


def _inverse_real(spec, ph, pw, h0, hcount, hstep, w0, wcount, wstep, sign):
    """Real part of sum_{u, v} c_v spec[u, v] e^{sign 2pi i (u (h0+h*hstep)/ph +
    v (w0+w*wstep)/pw)} / (ph*pw) at the (hcount, wcount) requested positions, as a
    (hcount, wcount, M) real strided view; ``spec`` is (ph, pw//2+1, M)."""
    kw_, m = spec.shape[1], spec.shape[2]
    ctype = spec.dtype
    gh = _dft(ph, h0, hcount, hstep, ph, sign, ctype, 1.0 / (ph * pw), transpose=True)
    t = blas.matmul(gh, spec.reshape(ph, kw_ * m)).reshape(hcount, kw_, m)
    gw = _dft(kw_, w0, wcount, wstep, pw, sign, ctype, half=True, transpose=True)
    return blas.matmul(gw, t).real


def _filter_spectrum(w, g: Geometry, ph, pw, sign, ctype):
    """(ph*(pw//2+1), C, O) spectrum of the (kh, kw, C, O) filter with tap (i, j) at
    position (i*dh, j*dw): sum_{i, j} w[i, j] e^{sign 2pi i (u i dh/ph + v j dw/pw)}."""
    kh, kw, c, o = w.shape
    kw_ = pw // 2 + 1
    wc = w.astype(ctype).reshape(kh, kw, c * o)
    t = blas.matmul(_dft(kw_, 0, kw, g.dw, pw, sign, ctype), wc)
    return blas.matmul(_dft(ph, 0, kh, g.dh, ph, sign, ctype), t.reshape(kh, kw_ * c * o)).reshape(
        ph * kw_, c, o)


def _input_spectrum(xn, g: Geometry, ph, pw, sign, ctype):
    """(bins, N, C) spectrum of the NHWC input, cell (h, w) at position (h, w)."""
    return _spectrum(xn.transpose(1, 2, 0, 3), ph, pw, 0, 0, sign, ctype).reshape(
        -1, g.N, g.C)


def _grad_spectrum(dyn, g: Geometry, ph, pw, ctype):
    """(bins, N, O) spectrum (sign -) of the NHWC output gradient, output (oh, ow) at
    position (oh - pt, ow - pl)."""
    return _spectrum(dyn.transpose(1, 2, 0, 3), ph, pw, -g.pt, -g.pl, -1, ctype).reshape(
        -1, g.N, dyn.shape[3])


def conv2d_fft(xn, w, g: Geometry, epilogue=None):
    """Stride-1 ``Conv2D`` of NHWC ``xn`` via the DFT: NHWC result (maybe a strided view),
    ``epilogue`` applied in place to each piece."""
    o = w.shape[3]
    ph, pw = fft_periods(g)
    ctype = _complex_dtype(xn.dtype)
    ws = _filter_spectrum(w, g, ph, pw, 1, ctype)

    def part(lo, hi, _):
        gc = g.replace(N=hi - lo)
        ys = blas.matmul(_input_spectrum(xn[lo:hi], gc, ph, pw, -1, ctype), ws)
        y = _inverse_real(ys.reshape(ph, pw // 2 + 1, gc.N * o), ph, pw, -g.pt, g.Ho, 1,
                          -g.pl, g.Wo, 1, 1)
        return y.reshape(g.Ho, g.Wo, gc.N, o).transpose(2, 0, 1, 3)
    return blas.split_batch(g.N, part, (g.Ho, g.Wo, o), xn.dtype, epilogue)


def conv2d_backprop_input_fft(dyn, w, g: Geometry):
    """Stride-1 ``Conv2DBackpropInput`` via the DFT: NHWC result (maybe a strided view)."""
    ph, pw = fft_periods(g)
    ctype = _complex_dtype(w.dtype)
    wt = _filter_spectrum(w, g, ph, pw, -1, ctype).transpose(0, 2, 1)   # conj(Wf)^T

    def part(lo, hi, _):
        gc = g.replace(N=hi - lo)
        dxs = blas.matmul(_grad_spectrum(dyn[lo:hi], gc, ph, pw, ctype), wt)
        dx = _inverse_real(dxs.reshape(ph, pw // 2 + 1, gc.N * g.C), ph, pw, 0, g.H, 1, 0,
                           g.W, 1, 1)
        return dx.reshape(g.H, g.W, gc.N, g.C).transpose(2, 0, 1, 3)
    return blas.split_batch(g.N, part, (g.H, g.W, g.C), w.dtype)


def conv2d_backprop_filter_fft(xn, dyn, g: Geometry):
    """Stride-1 ``Conv2DBackpropFilter`` via the DFT: (kh, kw, C, O) result."""
    ph, pw = fft_periods(g)
    o = dyn.shape[3]
    ctype = _complex_dtype(xn.dtype)

    def part(lo, hi):
        gc = g.replace(N=hi - lo)
        xs = _input_spectrum(xn[lo:hi], gc, ph, pw, 1, ctype)            # conj(X)
        return blas.matmul(xs.transpose(0, 2, 1), _grad_spectrum(dyn[lo:hi], gc, ph, pw, ctype))
    q = blas.sum_over_batch(g.N, part)
    dw = _inverse_real(q.reshape(ph, pw // 2 + 1, g.C * o), ph, pw, 0, g.kh, g.dh, 0, g.kw,
                       g.dw, -1)
    return dw.reshape(g.kh, g.kw, g.C, o)
