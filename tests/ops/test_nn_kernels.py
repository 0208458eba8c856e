"""The nn kernels (ops/nn/kernels) against slow loop-based references, adjoint identities and finite
differences (float64, tiny shapes)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from sessionflow.ops.nn.kernels import conv as K
from sessionflow.ops.nn.kernels import geometry as G
from sessionflow.ops.nn.kernels import pool as P
from sessionflow.ops.nn.kernels import norm as N


# ----------------------------------------------------------------------------------------
# reference implementations (loops, float64, NHWC)
# ----------------------------------------------------------------------------------------

def ref_pads(in_size, k, s, d, padding, explicit=(0, 0)):
    """TF's padding rule written out plainly: (out, pad_before, pad_after)."""
    eff = (k - 1) * d + 1
    if padding == "SAME":
        out = -(-in_size // s)
        total = max((out - 1) * s + eff - in_size, 0)
        return out, total // 2, total - total // 2
    pb, pa = explicit if padding == "EXPLICIT" else (0, 0)
    return (in_size + pb + pa - eff) // s + 1, pb, pa


def ref_conv(x, w, s, d, padding, ep=((0, 0), (0, 0))):
    n, h, wd, c = x.shape
    kh, kw, cg, o = w.shape
    groups = c // cg
    og = o // groups
    ho, pt, _ = ref_pads(h, kh, s[0], d[0], padding, ep[0])
    wo, pl, _ = ref_pads(wd, kw, s[1], d[1], padding, ep[1])
    out = np.zeros((n, ho, wo, o))
    for oh in range(ho):
        for ow in range(wo):
            for i in range(kh):
                for j in range(kw):
                    ih, iw = oh * s[0] - pt + i * d[0], ow * s[1] - pl + j * d[1]
                    if 0 <= ih < h and 0 <= iw < wd:
                        for gi in range(groups):
                            ci, co = slice(gi * cg, (gi + 1) * cg), slice(gi * og, (gi + 1) * og)
                            out[:, oh, ow, co] += x[:, ih, iw, ci] @ w[i, j, :, co]
    return out


def ref_conv_bp_input(xshape, w, dy, s, d, padding, ep=((0, 0), (0, 0))):
    n, h, wd, c = xshape
    kh, kw, cg, o = w.shape
    groups = c // cg
    og = o // groups
    _, ho, wo, _ = dy.shape
    _, pt, _ = ref_pads(h, kh, s[0], d[0], padding, ep[0])
    _, pl, _ = ref_pads(wd, kw, s[1], d[1], padding, ep[1])
    dx = np.zeros(xshape)
    for oh in range(ho):
        for ow in range(wo):
            for i in range(kh):
                for j in range(kw):
                    ih, iw = oh * s[0] - pt + i * d[0], ow * s[1] - pl + j * d[1]
                    if 0 <= ih < h and 0 <= iw < wd:
                        for gi in range(groups):
                            ci, co = slice(gi * cg, (gi + 1) * cg), slice(gi * og, (gi + 1) * og)
                            dx[:, ih, iw, ci] += dy[:, oh, ow, co] @ w[i, j, :, co].T
    return dx


def ref_conv_bp_filter(x, wshape, dy, s, d, padding, ep=((0, 0), (0, 0))):
    n, h, wd, c = x.shape
    kh, kw, cg, o = wshape
    groups = c // cg
    og = o // groups
    _, ho, wo, _ = dy.shape
    _, pt, _ = ref_pads(h, kh, s[0], d[0], padding, ep[0])
    _, pl, _ = ref_pads(wd, kw, s[1], d[1], padding, ep[1])
    dw = np.zeros(wshape)
    for oh in range(ho):
        for ow in range(wo):
            for i in range(kh):
                for j in range(kw):
                    ih, iw = oh * s[0] - pt + i * d[0], ow * s[1] - pl + j * d[1]
                    if 0 <= ih < h and 0 <= iw < wd:
                        for gi in range(groups):
                            ci, co = slice(gi * cg, (gi + 1) * cg), slice(gi * og, (gi + 1) * og)
                            dw[i, j, :, co] += x[:, ih, iw, ci].T @ dy[:, oh, ow, co]
    return dw


def ref_depthwise(x, w, s, d, padding, ep=((0, 0), (0, 0))):
    n, h, wd, c = x.shape
    kh, kw, _, m = w.shape
    ho, pt, _ = ref_pads(h, kh, s[0], d[0], padding, ep[0])
    wo, pl, _ = ref_pads(wd, kw, s[1], d[1], padding, ep[1])
    out = np.zeros((n, ho, wo, c, m))
    for oh in range(ho):
        for ow in range(wo):
            for i in range(kh):
                for j in range(kw):
                    ih, iw = oh * s[0] - pt + i * d[0], ow * s[1] - pl + j * d[1]
                    if 0 <= ih < h and 0 <= iw < wd:
                        out[:, oh, ow] += x[:, ih, iw, :, None] * w[i, j]
    return out.reshape(n, ho, wo, c * m)


def ref_pool(x, k, s, padding, ep=((0, 0), (0, 0))):
    """(max, argmax-grad-routing index list, avg) by explicit loops."""
    n, h, wd, c = x.shape
    ho, pt, _ = ref_pads(h, k[0], s[0], 1, padding, ep[0])
    wo, pl, _ = ref_pads(wd, k[1], s[1], 1, padding, ep[1])
    mx = np.full((n, ho, wo, c), -np.inf)
    arg = np.zeros((n, ho, wo, c, 2), dtype=int)
    avg = np.zeros((n, ho, wo, c))
    for b in range(n):
        for oh in range(ho):
            for ow in range(wo):
                for ch in range(c):
                    total, count = 0.0, 0
                    for i in range(k[0]):          # row-major scan: first max wins
                        for j in range(k[1]):
                            ih, iw = oh * s[0] - pt + i, ow * s[1] - pl + j
                            if 0 <= ih < h and 0 <= iw < wd:
                                v = x[b, ih, iw, ch]
                                total += v
                                count += 1
                                if v > mx[b, oh, ow, ch]:
                                    mx[b, oh, ow, ch] = v
                                    arg[b, oh, ow, ch] = (ih, iw)
                    avg[b, oh, ow, ch] = total / count
    return mx, arg, avg


def ref_max_pool_grad(x, dy, k, s, padding, ep=((0, 0), (0, 0))):
    _, arg, _ = ref_pool(x, k, s, padding, ep)
    dx = np.zeros(x.shape)
    n, ho, wo, c = dy.shape
    for b, oh, ow, ch in itertools.product(range(n), range(ho), range(wo), range(c)):
        ih, iw = arg[b, oh, ow, ch]
        dx[b, ih, iw, ch] += dy[b, oh, ow, ch]
    return dx


def ref_avg_pool_grad(xshape, dy, k, s, padding):
    n, h, wd, c = xshape
    _, pt, _ = ref_pads(h, k[0], s[0], 1, padding)
    _, pl, _ = ref_pads(wd, k[1], s[1], 1, padding)
    dx = np.zeros(xshape)
    _, ho, wo, _ = dy.shape
    for oh in range(ho):
        for ow in range(wo):
            cells = [(oh * s[0] - pt + i, ow * s[1] - pl + j)
                     for i in range(k[0]) for j in range(k[1])]
            cells = [(a, b) for a, b in cells if 0 <= a < h and 0 <= b < wd]
            for a, b in cells:
                dx[:, a, b, :] += dy[:, oh, ow, :] / len(cells)
    return dx


# ----------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------

def attr4(pair, fmt):
    return [1, pair[0], pair[1], 1] if fmt == "NHWC" else [1, 1, pair[0], pair[1]]


def flat_explicit(ep, fmt):
    if not ep:
        return []
    (t, b), (l, r) = ep
    return [0, 0, t, b, l, r, 0, 0] if fmt == "NHWC" else [0, 0, 0, 0, t, b, l, r]


def to_fmt(x, fmt):
    return x if fmt == "NHWC" else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def from_fmt(x, fmt):
    return x if fmt == "NHWC" else x.transpose(0, 2, 3, 1)


def shape_fmt(shape, fmt):
    n, h, w, c = shape
    return [n, h, w, c] if fmt == "NHWC" else [n, c, h, w]


RNG = np.random.default_rng(1234)


def rand(*shape):
    return RNG.standard_normal(shape)


def close(a, b, tol=1e-9):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# (H, W, kh, kw, strides, dilations, padding, explicit ((t, b), (l, r)))
CONV_CASES = [
    (5, 5, 3, 3, (1, 1), (1, 1), "SAME", None),
    (5, 5, 3, 3, (1, 1), (1, 1), "VALID", None),
    (7, 6, 3, 2, (2, 2), (1, 1), "SAME", None),
    (7, 6, 3, 2, (2, 2), (1, 1), "VALID", None),
    (8, 7, 2, 3, (3, 2), (1, 1), "SAME", None),
    (8, 7, 2, 3, (3, 3), (1, 1), "VALID", None),
    (6, 9, 4, 4, (2, 3), (1, 1), "SAME", None),      # even filter: asymmetric SAME padding
    (4, 6, 2, 2, (2, 2), (1, 1), "SAME", None),      # pad (0, 0) + even split
    (6, 5, 1, 1, (3, 2), (1, 1), "SAME", None),      # 1x1, stride > filter: unused rows
    (7, 7, 1, 1, (3, 3), (1, 1), "VALID", None),
    (9, 8, 3, 3, (1, 1), (2, 2), "SAME", None),
    (9, 8, 3, 2, (2, 1), (2, 3), "VALID", None),
    (9, 8, 3, 3, (2, 2), (2, 2), "SAME", None),
    (5, 6, 3, 3, (1, 1), (1, 1), "EXPLICIT", ((1, 2), (0, 3))),
    (6, 5, 2, 3, (2, 3), (2, 1), "EXPLICIT", ((2, 0), (1, 1))),
    (3, 4, 3, 4, (1, 1), (1, 1), "VALID", None),     # filter == input
    (5, 5, 5, 5, (2, 2), (1, 1), "SAME", None),      # filter == input, padded
]


# ----------------------------------------------------------------------------------------
# output sizes and shape inference
# ----------------------------------------------------------------------------------------

def test_windowed_output_size_known_values():
    f = G.windowed_output_size_and_padding
    assert f(5, 3, 2, 1, "SAME") == (3, 1, 1)
    assert f(4, 3, 2, 1, "SAME") == (2, 0, 1)          # extra padding goes after
    assert f(28, 5, 1, 1, "SAME") == (28, 2, 2)
    assert f(14, 2, 2, 1, "SAME") == (7, 0, 0)
    assert f(7, 2, 2, 1, "SAME") == (4, 0, 1)
    assert f(5, 1, 3, 1, "SAME") == (2, 0, 0)          # (2-1)*3+1 < 5: no padding
    assert f(7, 3, 2, 1, "VALID") == (3, 0, 0)
    assert f(8, 3, 3, 1, "VALID") == (2, 0, 0)
    assert f(9, 3, 1, 2, "VALID") == (5, 0, 0)         # effective filter 5
    assert f(9, 3, 1, 2, "SAME") == (9, 2, 2)
    assert f(5, 3, 2, 1, "EXPLICIT", 1, 2) == (3, 1, 2)
    assert f(3, 3, 1, 1, "VALID") == (1, 0, 0)
    for h, w, kh, kw, s, d, p, ep in CONV_CASES:
        e = ep or ((0, 0), (0, 0))
        assert f(h, kh, s[0], d[0], p, *e[0]) == ref_pads(h, kh, s[0], d[0], p, e[0])
        assert f(w, kw, s[1], d[1], p, *e[1]) == ref_pads(w, kw, s[1], d[1], p, e[1])


def test_conv_output_size_unknown_and_errors():
    assert G.conv_output_size(None, 3, 1, 1, "SAME") is None
    assert G.conv_output_size(None, 3, 2, 1, "VALID") is None
    assert G.conv_output_size(7, None, 2, 1, "SAME") == 4
    assert G.conv_output_size(7, None, 2, 1, "VALID") is None
    assert G.conv_output_size(7, 3, 2, 1, b"VALID") == 3
    assert G.conv_output_size(5, 3, 2, 1, "EXPLICIT", 1, 1) == 3
    with pytest.raises(ValueError, match="Negative dimension size caused by subtracting 5 from 4"):
        G.conv_output_size(4, 5, 1, 1, "VALID")
    with pytest.raises(ValueError, match="dilation"):
        G.conv_output_size(8, 3, 1, 4, "VALID")        # effective size 9 > 8
    with pytest.raises(ValueError, match="Stride must be > 0"):
        G.conv_output_size(8, 3, 0, 1, "VALID")
    with pytest.raises(ValueError, match="Dilation"):
        G.conv_output_size(8, 3, 1, 0, "SAME")
    with pytest.raises(ValueError, match="padding"):
        G.conv_output_size(8, 3, 1, 1, "FULL")


def test_conv2d_output_shape():
    f = G.conv2d_output_shape
    assert f([None, 28, 28, 1], [5, 5, 1, 32], [1, 1, 1, 1], "SAME") == [None, 28, 28, 32]
    assert f([8, None, 10, 3], [3, 3, 3, 4], [1, 2, 2, 1], "VALID") == [8, None, 4, 4]
    assert f([8, 3, 11, 10], [3, 3, 3, 4], [1, 1, 2, 2], "SAME", "NCHW") == [8, 4, 6, 5]
    assert f(None, [3, 3, 3, 4], [1, 1, 1, 1], "SAME") == [None, None, None, 4]
    assert f([2, 9, 9, None], [3, 3, 3, 4], [1, 1, 1, 1], "VALID",
             dilations=[1, 2, 2, 1]) == [2, 5, 5, 4]
    assert f([2, 5, 6, 3], [3, 3, 3, 4], [1, 1, 1, 1], "EXPLICIT",
             explicit_paddings=[0, 0, 1, 2, 0, 3, 0, 0]) == [2, 6, 7, 4]
    assert f([2, 5, 6, 6], [3, 3, 3, 4], [1, 1, 1, 1], "SAME") == [2, 5, 6, 4]  # 2 groups
    assert f([2, -1, 6, 3], [3, 3, 3, 4], [1, 1, 1, 1], "SAME") == [2, None, 6, 4]
    with pytest.raises(ValueError, match="Depth of input"):
        f([2, 5, 5, 5], [3, 3, 3, 4], [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="Negative dimension size"):
        f([2, 4, 4, 3], [5, 5, 3, 4], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="strides must be positive"):
        f([2, 4, 4, 3], [1, 1, 3, 4], [1, 0, 1, 1], "VALID")
    with pytest.raises(ValueError, match="batch and depth"):
        f([2, 4, 4, 3], [1, 1, 3, 4], [2, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="explicit_paddings"):
        f([2, 4, 4, 3], [1, 1, 3, 4], [1, 1, 1, 1], "EXPLICIT", explicit_paddings=[1, 1])
    with pytest.raises(ValueError, match="rank 4"):
        f([2, 4, 4], [1, 1, 3, 4], [1, 1, 1, 1], "SAME")


def test_depthwise_and_pool_output_shape():
    assert G.depthwise_conv2d_output_shape([1, 9, 9, 3], [3, 3, 3, 2], [1, 2, 2, 1],
                                           "SAME") == [1, 5, 5, 6]
    assert G.depthwise_conv2d_output_shape([1, None, 9, None], [3, 3, 3, 2], [1, 1, 1, 1],
                                           "VALID") == [1, None, 7, 6]
    with pytest.raises(ValueError, match="same depth"):
        G.depthwise_conv2d_output_shape([1, 9, 9, 4], [3, 3, 3, 2], [1, 1, 1, 1], "SAME")
    assert G.pool_output_shape([None, 28, 28, 32], [1, 2, 2, 1], [1, 2, 2, 1],
                               "VALID") == [None, 14, 14, 32]
    assert G.pool_output_shape([4, 32, 7, None], [1, 1, 3, 3], [1, 1, 2, 2], "SAME",
                               "NCHW") == [4, 32, 4, None]
    with pytest.raises(ValueError, match="Negative dimension size caused by subtracting 2 from 1"):
        G.pool_output_shape([4, 1, 1, 3], [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    with pytest.raises(ValueError, match="batch dimension"):
        G.pool_output_shape([4, 6, 6, 3], [2, 2, 2, 1], [1, 2, 2, 1], "VALID")


# ----------------------------------------------------------------------------------------
# conv2d
# ----------------------------------------------------------------------------------------

@pytest.fixture(params=["im2col+col2im", "rowpatch+pertap", "fft"])
def strategy(request, monkeypatch):
    """Force each of the kernels' internal code paths regardless of the size heuristics
    ("fft" applies where the DFT path exists, i.e. stride 1 and one group; the direct
    paths cover the rest)."""
    if request.param == "fft":
        monkeypatch.setattr(K, "_FFT_MIN_CHANNELS", 0)
        monkeypatch.setattr(K, "_FFT_MIN_SPEEDUP", 0)
        return request.param
    monkeypatch.setattr(K, "_FFT_MIN_CHANNELS", 10 ** 9)
    if request.param == "im2col+col2im":
        monkeypatch.setattr(K, "_HMAJOR_MIN_DEPTH", 10 ** 9)
        monkeypatch.setattr(K, "_PER_TAP_MIN_CHANNELS", 10 ** 9)
    else:
        monkeypatch.setattr(K, "_HMAJOR_MIN_DEPTH", 1)
        monkeypatch.setattr(K, "_PER_TAP_MIN_CHANNELS", 1)
    return request.param


@pytest.fixture
def force_fft(monkeypatch):
    monkeypatch.setattr(K, "_FFT_MIN_CHANNELS", 0)
    monkeypatch.setattr(K, "_FFT_MIN_SPEEDUP", 0)


def _spy_fft(monkeypatch):
    """Count calls of the three DFT kernels (to check the path is really taken)."""
    calls = []
    for name in ("conv2d_fft", "conv2d_backprop_input_fft", "conv2d_backprop_filter_fft"):
        orig = getattr(K, name)

        def spy(*a, _orig=orig, _name=name):
            calls.append(_name)
            return _orig(*a)
        monkeypatch.setattr(K, name, spy)
    return calls


# (N, H, W, C, O, kh, kw, dilations, padding, explicit ((t, b), (l, r)))
FFT_CASES = [
    (2, 6, 6, 3, 4, 3, 3, (1, 1), "SAME", None),
    (3, 7, 5, 2, 5, 3, 2, (1, 1), "SAME", None),          # non-square, even filter width
    (2, 5, 9, 4, 3, 4, 4, (1, 1), "SAME", None),          # asymmetric SAME split
    (2, 7, 6, 3, 2, 3, 3, (1, 1), "VALID", None),
    (1, 6, 8, 2, 3, 2, 5, (1, 1), "VALID", None),
    (2, 4, 4, 3, 2, 4, 4, (1, 1), "VALID", None),         # filter == input
    (2, 5, 6, 3, 4, 3, 3, (1, 1), "EXPLICIT", ((1, 2), (0, 3))),
    (2, 4, 5, 2, 3, 3, 2, (1, 1), "EXPLICIT", ((4, 0), (0, 5))),  # pads > filter
    (2, 9, 8, 2, 3, 3, 3, (2, 2), "SAME", None),          # dilated filter
    (2, 9, 10, 2, 2, 3, 2, (2, 3), "VALID", None),
    (2, 6, 7, 2, 3, 2, 3, (3, 1), "EXPLICIT", ((2, 1), (1, 2))),
    (3, 14, 14, 6, 5, 5, 5, (1, 1), "SAME", None),        # the tutorial CNN's geometry
    (2, 1, 7, 3, 2, 1, 3, (1, 1), "SAME", None),          # a single row
    (2, 5, 5, 2, 2, 1, 1, (1, 1), "SAME", None),          # 1x1: always the direct path
]


@pytest.mark.parametrize("case", FFT_CASES)
@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_conv2d_fft_path_vs_reference(case, fmt, force_fft, monkeypatch):
    n, h, w, c, o, kh, kw, d, padding, ep = case
    calls = _spy_fft(monkeypatch)
    x = rand(n, h, w, c)
    f = rand(kh, kw, c, o)
    e = ep or ((0, 0), (0, 0))
    args = dict(strides=attr4((1, 1), fmt), padding=padding,
                explicit_paddings=flat_explicit(ep, fmt), data_format=fmt,
                dilations=attr4(d, fmt))
    ref = ref_conv(x, f, (1, 1), d, padding, e)
    y = K.conv2d(to_fmt(x, fmt), f, **args)
    assert y.shape == tuple(shape_fmt(ref.shape, fmt)) and y.flags.c_contiguous
    close(from_fmt(y, fmt), ref)
    dy = rand(*ref.shape)
    dx = K.conv2d_backprop_input(shape_fmt(x.shape, fmt), f, to_fmt(dy, fmt), **args)
    assert dx.flags.c_contiguous
    close(from_fmt(dx, fmt), ref_conv_bp_input(x.shape, f, dy, (1, 1), d, padding, e))
    dw = K.conv2d_backprop_filter(to_fmt(x, fmt), list(f.shape), to_fmt(dy, fmt), **args)
    assert dw.shape == f.shape and dw.flags.c_contiguous
    close(dw, ref_conv_bp_filter(x, f.shape, dy, (1, 1), d, padding, e))
    assert calls == ([] if kh * kw == 1 else
                     ["conv2d_fft", "conv2d_backprop_input_fft", "conv2d_backprop_filter_fft"])


def test_conv2d_fft_float32_matches_direct(monkeypatch):
    """float32 on the tutorial CNN's conv2 geometry (smaller batch): the DFT path stays
    within ~1e-5 of the direct path relative to the output scale."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 14, 14, 32)).astype(np.float32)
    f = (rng.standard_normal((5, 5, 32, 64)) * 0.1).astype(np.float32)
    dy = rng.standard_normal((8, 14, 14, 64)).astype(np.float32)
    s = [1, 1, 1, 1]

    def run():
        return (K.conv2d(x, f, s, "SAME"), K.conv2d_backprop_input(x.shape, f, dy, s, "SAME"),
                K.conv2d_backprop_filter(x, f.shape, dy, s, "SAME"))
    monkeypatch.setattr(K, "_FFT_MIN_CHANNELS", 10 ** 9)
    direct = run()
    monkeypatch.setattr(K, "_FFT_MIN_CHANNELS", 0)
    monkeypatch.setattr(K, "_FFT_MIN_SPEEDUP", 0)
    calls = _spy_fft(monkeypatch)
    fft = run()
    assert len(calls) == 3
    for a, b in zip(direct, fft):
        assert b.dtype == np.float32 and b.shape == a.shape
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-5 * float(np.abs(a).max()))


def test_conv2d_fft_heuristic():
    def geom(n, h, w, c, kh, kw, s=1, padding="SAME"):
        return K._conv_setup((n, h, w, c), (kh, kw, c, 8), [1, s, s, 1], padding, (),
                             "NHWC", (1, 1, 1, 1))[1]
    # the tutorial CNN: conv2 (5x5, 32 -> 64 on 14x14) uses the DFT; conv1 (1 input
    # channel) does not
    assert K._use_fft(geom(128, 14, 14, 32, 5, 5), 1, 64)
    assert not K._use_fft(geom(128, 28, 28, 1, 5, 5), 1, 32)
    assert not K._use_fft(geom(128, 14, 14, 32, 5, 5, s=2), 1, 64)   # strided
    assert not K._use_fft(geom(128, 14, 14, 32, 5, 5), 2, 64)        # grouped
    assert not K._use_fft(geom(128, 14, 14, 32, 1, 1), 1, 64)        # 1x1
    assert not K._use_fft(geom(8, 224, 224, 64, 3, 3), 1, 64)        # large map, 3x3


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_conv2d_and_gradients_vs_reference(case, fmt, strategy):
    h, w, kh, kw, s, d, padding, ep = case
    n, c, o = 2, 3, 4
    x = rand(n, h, w, c)
    f = rand(kh, kw, c, o)
    e = ep or ((0, 0), (0, 0))
    ref = ref_conv(x, f, s, d, padding, e)
    kw_args = dict(strides=attr4(s, fmt), padding=padding,
                   explicit_paddings=flat_explicit(ep, fmt), data_format=fmt,
                   dilations=attr4(d, fmt))
    y = K.conv2d(to_fmt(x, fmt), f, **kw_args)
    assert y.shape == tuple(shape_fmt(ref.shape, fmt))
    close(from_fmt(y, fmt), ref)

    dy = rand(*ref.shape)
    dx = K.conv2d_backprop_input(shape_fmt(x.shape, fmt), f, to_fmt(dy, fmt), **kw_args)
    close(from_fmt(dx, fmt), ref_conv_bp_input(x.shape, f, dy, s, d, padding, e))
    dw = K.conv2d_backprop_filter(to_fmt(x, fmt), list(f.shape), to_fmt(dy, fmt), **kw_args)
    close(dw, ref_conv_bp_filter(x, f.shape, dy, s, d, padding, e))
    # adjoint identities: <conv(x, w), dy> == <x, dx> == <w, dw>
    ip = np.vdot(ref, dy)
    close(np.vdot(x, from_fmt(dx, fmt)), ip)
    close(np.vdot(f, dw), ip)


@pytest.mark.parametrize("channels", [1, 2, 8, 16])
def test_conv2d_backprop_input_both_strategies(channels):
    # below and above the per-tap GEMM threshold
    x = rand(2, 6, 7, channels)
    f = rand(3, 2, channels, 5)
    for s, p in [((1, 1), "SAME"), ((2, 3), "VALID"), ((2, 2), "SAME")]:
        ref = ref_conv(x, f, s, (1, 1), p)
        dy = rand(*ref.shape)
        dx = K.conv2d_backprop_input(x.shape, f, dy, [1, *s, 1], p)
        close(dx, ref_conv_bp_input(x.shape, f, dy, s, (1, 1), p))
        close(K.conv2d(x, f, [1, *s, 1], p), ref)


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_grouped_conv2d(fmt, strategy):
    x = rand(2, 7, 6, 6)
    f = rand(3, 3, 2, 9)          # 3 groups of 2 input / 3 output channels
    for s, p in [((1, 1), "SAME"), ((2, 1), "VALID")]:
        args = dict(strides=attr4(s, fmt), padding=p, data_format=fmt)
        ref = ref_conv(x, f, s, (1, 1), p)
        close(from_fmt(K.conv2d(to_fmt(x, fmt), f, **args), fmt), ref)
        dy = rand(*ref.shape)
        dx = K.conv2d_backprop_input(shape_fmt(x.shape, fmt), f, to_fmt(dy, fmt), **args)
        close(from_fmt(dx, fmt), ref_conv_bp_input(x.shape, f, dy, s, (1, 1), p))
        dw = K.conv2d_backprop_filter(to_fmt(x, fmt), f.shape, to_fmt(dy, fmt), **args)
        close(dw, ref_conv_bp_filter(x, f.shape, dy, s, (1, 1), p))


def test_conv2d_finite_differences(strategy):
    x = rand(1, 4, 5, 2)
    f = rand(3, 2, 2, 3)
    args = ([1, 2, 1, 1], "SAME")
    y = K.conv2d(x, f, *args)
    g = rand(*y.shape)
    dx = K.conv2d_backprop_input(x.shape, f, g, *args)
    dw = K.conv2d_backprop_filter(x, f.shape, g, *args)
    eps = 1e-6
    for arr, grad, which in [(x, dx, 0), (f, dw, 1)]:
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            up = np.vdot(K.conv2d(x, f, *args), g)
            arr[idx] = old - eps
            down = np.vdot(K.conv2d(x, f, *args), g)
            arr[idx] = old
            num[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-6)


def test_conv2d_input_sizes_two_elements_and_dtypes(strategy):
    x = rand(2, 6, 5, 3).astype(np.float32)
    f = rand(3, 3, 3, 4).astype(np.float32)
    y = K.conv2d(x, f, [1, 1, 1, 1], "SAME")
    assert y.dtype == np.float32
    close(y, ref_conv(x.astype(np.float64), f.astype(np.float64), (1, 1), (1, 1), "SAME"), 1e-4)
    dy = rand(*y.shape).astype(np.float32)
    dx4 = K.conv2d_backprop_input(np.array([2, 6, 5, 3], np.int32), f, dy, [1, 1, 1, 1], "SAME")
    dx2 = K.conv2d_backprop_input([6, 5], f, dy, [1, 1, 1, 1], "SAME")
    assert dx4.dtype == np.float32 and dx4.shape == (2, 6, 5, 3)
    np.testing.assert_array_equal(dx4, dx2)
    dw = K.conv2d_backprop_filter(x, np.array([3, 3, 3, 4]), dy, [1, 1, 1, 1], "SAME")
    assert dw.dtype == np.float32
    yh = K.conv2d(x.astype(np.float16), f.astype(np.float16), [1, 1, 1, 1], b"SAME")
    assert yh.dtype == np.float16
    np.testing.assert_allclose(yh.astype(np.float32), y, rtol=2e-2, atol=5e-2)


def test_conv2d_errors():
    x = rand(1, 4, 4, 3)
    with pytest.raises(ValueError, match="Depth of input"):
        K.conv2d(x, rand(3, 3, 2, 4), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="Negative dimension size caused by subtracting 5 from 4"):
        K.conv2d(x, rand(5, 5, 3, 4), [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="strides must be positive"):
        K.conv2d(x, rand(3, 3, 3, 4), [1, 0, 1, 1], "SAME")
    with pytest.raises(ValueError, match="batch and depth"):
        K.conv2d(x, rand(3, 3, 3, 4), [1, 1, 1, 2], "SAME")
    with pytest.raises(ValueError, match="data_format"):
        K.conv2d(x, rand(3, 3, 3, 4), [1, 1, 1, 1], "SAME", data_format="HWNC")
    with pytest.raises(ValueError, match="explicit_paddings"):
        K.conv2d(x, rand(3, 3, 3, 4), [1, 1, 1, 1], "EXPLICIT", [0, 0, 1, 1, 1, 1, 1, 0])
    with pytest.raises(ValueError, match="doesn't match computed"):
        K.conv2d_backprop_input([1, 4, 4, 3], rand(3, 3, 3, 4), rand(1, 3, 4, 4),
                                [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="doesn't match computed"):
        K.conv2d_backprop_filter(x, [3, 3, 3, 4], rand(1, 2, 2, 4), [1, 1, 1, 1], "SAME")


# ----------------------------------------------------------------------------------------
# depthwise
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("fmt,mult", [("NHWC", 1), ("NHWC", 2), ("NCHW", 3)])
def test_depthwise_vs_reference(case, fmt, mult):
    h, w, kh, kw, s, d, padding, ep = case
    x = rand(2, h, w, 3)
    f = rand(kh, kw, 3, mult)
    e = ep or ((0, 0), (0, 0))
    args = dict(strides=attr4(s, fmt), padding=padding,
                explicit_paddings=flat_explicit(ep, fmt), data_format=fmt,
                dilations=attr4(d, fmt))
    ref = ref_depthwise(x, f, s, d, padding, e)
    y = K.depthwise_conv2d_native(to_fmt(x, fmt), f, **args)
    close(from_fmt(y, fmt), ref)
    dy = rand(*ref.shape)
    dx = K.depthwise_conv2d_native_backprop_input(shape_fmt(x.shape, fmt), f, to_fmt(dy, fmt),
                                                  **args)
    dw = K.depthwise_conv2d_native_backprop_filter(to_fmt(x, fmt), f.shape, to_fmt(dy, fmt),
                                                   **args)
    # depthwise == grouped conv with C groups and filter reshaped to [kh, kw, 1, C*mult]
    fg = f.reshape(kh, kw, 1, 3 * mult)
    close(from_fmt(dx, fmt), ref_conv_bp_input(x.shape, fg, dy, s, d, padding, e))
    close(dw.reshape(fg.shape), ref_conv_bp_filter(x, fg.shape, dy, s, d, padding, e))
    ip = np.vdot(ref, dy)
    close(np.vdot(x, from_fmt(dx, fmt)), ip)
    close(np.vdot(f, dw), ip)


def test_depthwise_errors():
    with pytest.raises(ValueError, match="same depth"):
        K.depthwise_conv2d_native(rand(1, 5, 5, 3), rand(3, 3, 2, 1), [1, 1, 1, 1], "SAME")


# ----------------------------------------------------------------------------------------
# pooling
# ----------------------------------------------------------------------------------------

POOL_CASES = [
    (6, 6, (2, 2), (2, 2), "VALID", None),
    (7, 5, (2, 2), (2, 2), "VALID", None),
    (7, 5, (2, 2), (2, 2), "SAME", None),
    (6, 8, (2, 2), (2, 2), "SAME", None),
    (6, 7, (3, 3), (1, 1), "SAME", None),
    (6, 7, (3, 2), (2, 1), "VALID", None),
    (8, 7, (3, 3), (2, 2), "SAME", None),
    (8, 7, (2, 3), (3, 2), "SAME", None),
    (5, 5, (1, 1), (2, 2), "VALID", None),
    (5, 6, (4, 4), (3, 3), "SAME", None),
    (5, 6, (3, 2), (2, 2), "EXPLICIT", ((1, 2), (0, 1))),
]


@pytest.mark.parametrize("case", POOL_CASES)
@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_pools_vs_reference(case, fmt):
    h, w, k, s, padding, ep = case
    x = rand(2, h, w, 3)
    e = ep or ((0, 0), (0, 0))
    mx, _, avg = ref_pool(x, k, s, padding, e)
    pk = dict(ksize=attr4(k, fmt), strides=attr4(s, fmt), padding=padding, data_format=fmt)
    y = P.max_pool(to_fmt(x, fmt), explicit_paddings=flat_explicit(ep, fmt), **pk)
    close(from_fmt(y, fmt), mx)
    dy = rand(*mx.shape)
    dx = P.max_pool_grad(to_fmt(x, fmt), y, to_fmt(dy, fmt),
                         explicit_paddings=flat_explicit(ep, fmt), **pk)
    close(from_fmt(dx, fmt), ref_max_pool_grad(x, dy, k, s, padding, e))
    if padding == "EXPLICIT":
        return                                  # AvgPool has no EXPLICIT padding
    a = P.avg_pool(to_fmt(x, fmt), **pk)
    close(from_fmt(a, fmt), avg)
    da = P.avg_pool_grad(shape_fmt(x.shape, fmt), to_fmt(dy, fmt), **pk)
    close(from_fmt(da, fmt), ref_avg_pool_grad(x.shape, dy, k, s, padding))
    close(np.vdot(avg, dy), np.vdot(x, from_fmt(da, fmt)))     # adjoint


@pytest.mark.parametrize("k,s,padding", [((2, 2), (2, 2), "VALID"), ((3, 3), (1, 1), "SAME"),
                                         ((2, 2), (1, 1), "VALID"), ((3, 2), (2, 2), "SAME")])
def test_max_pool_grad_ties_go_to_first_position(k, s, padding):
    # integer-valued input with many ties (like post-ReLU zeros)
    x = RNG.integers(0, 2, size=(2, 6, 7, 2)).astype(np.float32)
    x[0] = 0.0
    args = ([1, *k, 1], [1, *s, 1], padding)
    y = P.max_pool(x, *args)
    dy = RNG.standard_normal(y.shape).astype(np.float32)
    dx = P.max_pool_grad(x, y, dy, *args)
    ref = ref_max_pool_grad(x.astype(np.float64), dy.astype(np.float64), k, s, padding)
    close(dx, ref, 1e-6)
    # all-zero image: each window's gradient lands on its top-left valid cell only
    if k == (2, 2) and s == (2, 2):
        expect = np.zeros((6, 7, 2), np.float32)
        expect[0:6:2, 0:6:2] = dy[0]
        np.testing.assert_array_equal(dx[0], expect)


def test_max_pool_padding_never_wins():
    x = -1.0 - np.abs(rand(1, 5, 5, 2))       # all negative: a 0-padding would win
    y = P.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    assert (y < -1.0).all()
    close(y, ref_pool(x, (3, 3), (2, 2), "SAME")[0])
    dy = np.ones(y.shape)
    dx = P.max_pool_grad(x, y, dy, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    assert dx.sum() == pytest.approx(dy.sum())   # nothing lost into the padding
    xi = -np.arange(50, dtype=np.int32).reshape(1, 5, 5, 2)
    yi = P.max_pool(xi, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    assert yi.dtype == np.int32 and yi[0, 2, 2, 0] == -48


def test_avg_pool_same_counts_only_valid_cells():
    x = np.ones((1, 5, 4, 1), np.float32)
    y = P.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    np.testing.assert_array_equal(y, np.ones((1, 3, 2, 1), np.float32))
    x = np.arange(20, dtype=np.float64).reshape(1, 5, 4, 1)
    y = P.avg_pool(x, [1, 3, 3, 1], [1, 1, 1, 1], "SAME")
    assert y[0, 0, 0, 0] == pytest.approx(np.mean([0, 1, 4, 5]))        # 4 valid cells
    assert y[0, 0, 1, 0] == pytest.approx(np.mean([0, 1, 2, 4, 5, 6]))  # 6 valid cells
    assert y[0, 2, 1, 0] == pytest.approx(np.mean(x[0, 1:4, 0:3, 0]))   # 9 valid cells
    # gradient of the mean of ones spreads 1/count to each valid cell
    g = P.avg_pool_grad([1, 5, 4, 1], np.ones((1, 5, 4, 1)), [1, 3, 3, 1], [1, 1, 1, 1], "SAME")
    counts = P._window_counts(G.Geometry((1, 5, 4, 1), 3, 3, 1, 1, 1, 1, "SAME", (0, 0), (0, 0)))
    expect = ref_avg_pool_grad((1, 5, 4, 1), np.ones((1, 5, 4, 1)), (3, 3), (1, 1), "SAME")
    close(g, expect)
    assert counts[0, 0] == 4 and counts[1, 1] == 9


def test_pool_finite_differences():
    x = rand(1, 5, 4, 2)
    for fn, gfn in [(P.max_pool, "max"), (P.avg_pool, "avg")]:
        args = ([1, 3, 2, 1], [1, 2, 1, 1], "SAME")
        y = fn(x, *args)
        g = rand(*y.shape)
        if gfn == "max":
            grad = P.max_pool_grad(x, y, g, *args)
        else:
            grad = P.avg_pool_grad(x.shape, g, *args)
        num = np.zeros_like(x)
        eps = 1e-6
        for idx in np.ndindex(x.shape):
            xp, xm = x.copy(), x.copy()
            xp[idx] += eps
            xm[idx] -= eps
            num[idx] = (np.vdot(fn(xp, *args), g) - np.vdot(fn(xm, *args), g)) / (2 * eps)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-6)


def test_max_pool_depthwise_and_errors():
    x = rand(1, 3, 3, 6)
    y = P.max_pool(x, [1, 1, 1, 3], [1, 1, 1, 3], "VALID")
    close(y, x.reshape(1, 3, 3, 2, 3).max(-1))
    with pytest.raises(ValueError, match="batch dimension"):
        P.max_pool(x, [2, 1, 1, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="Negative dimension size"):
        P.max_pool(x, [1, 4, 4, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="does not match"):
        P.max_pool_grad(x, x, x, [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="does not match"):
        P.avg_pool_grad([1, 3, 3, 6], x, [1, 2, 2, 1], [1, 1, 1, 1], "VALID")


# ----------------------------------------------------------------------------------------
# fused batch norm
# ----------------------------------------------------------------------------------------

def _bn_fmt(x, fmt):
    return x if fmt == "NHWC" else np.ascontiguousarray(x.transpose(0, 3, 1, 2))


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
def test_fused_batch_norm_training(fmt):
    x = rand(3, 4, 5, 2) * 3 + 1
    scale, offset = rand(2), rand(2)
    eps = 0.001
    y, bm, bv, r1, r2, r3 = N.fused_batch_norm(_bn_fmt(x, fmt), scale, offset, np.array([]),
                                               np.array([]), eps, 1.0, fmt, True)
    m = x.mean(axis=(0, 1, 2))
    v = x.var(axis=(0, 1, 2))
    e32 = float(np.float32(eps))
    close(_bn_fmt(y, fmt) if fmt == "NHWC" else y.transpose(0, 2, 3, 1),
          (x - m) / np.sqrt(v + e32) * scale + offset)
    close(bm, m)
    close(bv, x.var(axis=(0, 1, 2), ddof=1))          # Bessel-corrected
    close(r1, m)
    close(r2, v)                                      # biased
    assert r3.shape == ()
    # running averages
    old_m, old_v = rand(2), np.abs(rand(2))
    _, bm2, bv2, r1b, r2b, _ = N.fused_batch_norm(_bn_fmt(x, fmt), scale, offset, old_m, old_v,
                                                  eps, 0.25, fmt, True)
    close(bm2, 0.75 * old_m + 0.25 * m)
    close(bv2, 0.75 * old_v + 0.25 * x.var(axis=(0, 1, 2), ddof=1))
    close(r1b, m)
    close(r2b, v)


def test_fused_batch_norm_inference_and_dtypes():
    x = rand(2, 3, 3, 4).astype(np.float16)
    scale, offset = rand(4).astype(np.float32), rand(4).astype(np.float32)
    mean, var = rand(4).astype(np.float32), np.abs(rand(4)).astype(np.float32)
    y, bm, bv, r1, r2, _ = N.fused_batch_norm(x, scale, offset, mean, var, 0.01, 1.0, "NHWC",
                                              False)
    assert y.dtype == np.float16 and bm.dtype == np.float32
    xf = x.astype(np.float64)
    ref = (xf - mean) / np.sqrt(var.astype(np.float64) + np.float32(0.01)) * scale + offset
    np.testing.assert_allclose(y.astype(np.float64), ref, rtol=2e-3, atol=2e-3)
    np.testing.assert_array_equal(bm, mean)
    np.testing.assert_array_equal(bv, var)
    with pytest.raises(ValueError, match="scale"):
        N.fused_batch_norm(x, rand(3), offset, mean, var, 0.01, 1.0, "NHWC", False)


@pytest.mark.parametrize("fmt", ["NHWC", "NCHW"])
@pytest.mark.parametrize("training", [True, False])
def test_fused_batch_norm_grad_finite_differences(fmt, training):
    x = _bn_fmt(rand(2, 3, 2, 3) * 2 + 0.5, fmt)
    scale, offset = rand(3), rand(3)
    pop_m, pop_v = rand(3), np.abs(rand(3)) + 0.5
    eps = 0.01

    def fwd(x_, s_, o_):
        return N.fused_batch_norm(x_, s_, o_, pop_m, pop_v, eps, 1.0, fmt, training)

    out = fwd(x, scale, offset)
    g = rand(*x.shape)
    r1, r2 = (out[3], out[4]) if training else (pop_m, pop_v)
    dx, ds, do, r4, r5 = N.fused_batch_norm_grad(g, x, scale, r1, r2, out[5], eps, fmt, training)
    assert r4.shape == (0,) and r5.shape == (0,)
    h = 1e-6
    for k_, arr in enumerate([x, scale, offset]):
        grad = [dx, ds, do][k_]
        num = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + h
            up = np.vdot(fwd(x, scale, offset)[0], g)
            arr[idx] = old - h
            down = np.vdot(fwd(x, scale, offset)[0], g)
            arr[idx] = old
            num[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------
# softmax cross entropy
# ----------------------------------------------------------------------------------------

def test_softmax_xent_values_and_fd():
    logits = rand(4, 5)
    labels = np.abs(rand(4, 5))
    labels /= labels.sum(1, keepdims=True)
    loss, bp = N.softmax_cross_entropy_with_logits(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    close(loss, -(labels * np.log(p)).sum(1))
    close(bp, p - labels)
    g = rand(4)
    num = np.zeros_like(logits)
    for idx in np.ndindex(logits.shape):
        lp, lm = logits.copy(), logits.copy()
        lp[idx] += 1e-6
        lm[idx] -= 1e-6
        num[idx] = (np.vdot(N.softmax_cross_entropy_with_logits(lp, labels)[0], g)
                    - np.vdot(N.softmax_cross_entropy_with_logits(lm, labels)[0], g)) / 2e-6
    np.testing.assert_allclose(g[:, None] * bp, num, rtol=1e-6, atol=1e-7)


def test_softmax_xent_broadcast_stability_dtype():
    logits = np.array([[1000.0, 0.0, -1000.0], [3.0, 3.0, 3.0]], np.float32)
    labels = np.array([[0.2, 0.3, 0.5]], np.float32)           # broadcast over batch
    loss, bp = N.softmax_cross_entropy_with_logits(logits, labels)
    assert loss.dtype == np.float32 and bp.shape == (2, 3)
    assert np.isfinite(loss).all() and np.isfinite(bp).all()
    np.testing.assert_allclose(loss, [0.3 * 1000 + 0.5 * 2000, np.log(3)], rtol=1e-6)
    np.testing.assert_allclose(bp, [[0.8, -0.3, -0.5], [1 / 3 - 0.2, 1 / 3 - 0.3, 1 / 3 - 0.5]],
                               rtol=1e-6, atol=1e-7)
    loss1, _ = N.softmax_cross_entropy_with_logits(logits, np.array([[1.0], [0.0]], np.float32))
    assert loss1.shape == (2,)
    with pytest.raises(ValueError, match="2-dimensional"):
        N.softmax_cross_entropy_with_logits(rand(2, 3, 4), rand(2, 3, 4))
    with pytest.raises(ValueError, match="broadcastable"):
        N.softmax_cross_entropy_with_logits(rand(2, 3), rand(2, 4))


def test_sparse_softmax_xent():
    logits = rand(5, 4)
    labels = np.array([0, 3, 1, 1, 2], np.int64)
    loss, bp = N.sparse_softmax_cross_entropy_with_logits(logits, labels)
    onehot = np.eye(4)[labels]
    dl, dbp = N.softmax_cross_entropy_with_logits(logits, onehot)
    close(loss, dl)
    close(bp, dbp)
    big = np.array([[1e4, -1e4], [0.0, 5e3]], np.float32)
    l2, b2 = N.sparse_softmax_cross_entropy_with_logits(big, np.array([1, 1], np.int32))
    assert l2.dtype == np.float32 and np.isfinite(l2).all() and np.isfinite(b2).all()
    np.testing.assert_allclose(l2, [2e4, 0.0])
    with pytest.raises(ValueError, match=r"label value of 4 which is outside the valid range "
                                         r"of \[0, 4\)"):
        N.sparse_softmax_cross_entropy_with_logits(logits, np.array([0, 4, 1, 1, 2]))
    with pytest.raises(ValueError, match=r"label value of -1 .*\[0, 4\)"):
        N.sparse_softmax_cross_entropy_with_logits(logits, np.array([0, 1, -1, 1, 2]))
    with pytest.raises(ValueError, match="1-D"):
        N.sparse_softmax_cross_entropy_with_logits(logits, labels[:, None])


def test_empty_batch_and_empty_spatial():
    x = np.zeros((0, 6, 5, 3), np.float32)
    w = rand(3, 3, 3, 4).astype(np.float32)
    y = K.conv2d(x, w, [1, 1, 1, 1], "SAME")
    assert y.shape == (0, 6, 5, 4) and y.dtype == np.float32
    assert K.conv2d_backprop_input(x.shape, w, y, [1, 1, 1, 1], "SAME").shape == x.shape
    np.testing.assert_array_equal(K.conv2d_backprop_filter(x, w.shape, y, [1, 1, 1, 1], "SAME"),
                                  np.zeros(w.shape, np.float32))
    assert P.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME").shape == (0, 3, 3, 3)
    assert P.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME").shape == (0, 3, 3, 3)
    x0 = np.zeros((2, 0, 5, 3))
    y0 = K.conv2d(x0, rand(3, 3, 3, 4), [1, 2, 1, 1], "SAME")
    assert y0.shape == (2, 0, 5, 4)
    dx0 = K.conv2d_backprop_input(x0.shape, rand(3, 3, 3, 4), y0, [1, 2, 1, 1], "SAME")
    assert dx0.shape == x0.shape
    p0 = P.max_pool(x0, [1, 2, 2, 1], [1, 1, 1, 1], "SAME")
    assert p0.shape == (2, 0, 5, 3)
    assert P.max_pool_grad(x0, p0, p0, [1, 2, 2, 1], [1, 1, 1, 1], "SAME").shape == x0.shape


def test_half_precision_pools_keep_dtype():
    x = rand(2, 6, 6, 3).astype(np.float16)
    args = ([1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    y = P.max_pool(x, *args)
    assert y.dtype == np.float16
    assert P.max_pool_grad(x, y, y, *args).dtype == np.float16
    a = P.avg_pool(x, *args)
    assert a.dtype == np.float16
    np.testing.assert_allclose(a.astype(np.float64),
                               ref_pool(x.astype(np.float64), (2, 2), (2, 2), "VALID")[2],
                               rtol=2e-3, atol=2e-3)
    assert P.avg_pool_grad(x.shape, a, *args).dtype == np.float16
