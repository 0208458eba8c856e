"""The intra-op machinery: the pool (ops.parallel), split GEMMs with BLAS held to one
thread (ops.blas), the per-plan threading tuner, the heap setting, and the fast kernel
paths they serve (tiled MaxPoolGrad, leading-axes Sum, one-channel convolutions), each
against the plain numpy computation it replaces."""
from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
import threadpoolctl

import sessionflow as sf
from sessionflow.graph.op_builder import apply_op
from sessionflow.ops.runtime import blas, parallel
from sessionflow.ops.nn import fused_ops as nn_ops, pool_ops as nn_conv_ops
from sessionflow.ops.math import reduction_ops
from sessionflow.ops.nn.kernels import conv as K
from sessionflow.ops.nn.kernels import pool as P
from sessionflow.ops.runtime import config as runtime_config
from sessionflow.ops.runtime import heap
from sessionflow.session.executor import threading_tuner

from .test_nn_kernels import close, ref_conv, ref_conv_bp_filter, ref_conv_bp_input

RNG = np.random.default_rng(7)


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Chunks and split thresholds small enough that test-sized arrays are split."""
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 256)
    monkeypatch.setattr(parallel, "ELEMENTWISE_MIN_ELEMENTS", 16)
    parallel.set_num_threads(2)
    yield
    parallel.set_num_threads(0)


# -- the pool ----------------------------------------------------------------------------

def test_for_each_chunk_covers_range_once_on_several_threads(tiny_chunks):
    seen, threads = np.zeros(1000, np.int64), set()

    def fn(lo, hi):
        seen[lo:hi] += 1
        threads.add(threading.get_ident())
    parallel.for_each_chunk(1000, 7, fn)
    assert (seen == 1).all()
    assert len(threads) == 2
    parallel.for_each_chunk(0, 7, fn)               # empty range: no call
    assert (seen == 1).all()


def test_for_each_chunk_propagates_errors_and_nests(tiny_chunks):
    def boom(lo, hi):
        if lo >= 500:
            raise ValueError("chunk failed")
    with pytest.raises(ValueError, match="chunk failed"):
        parallel.for_each_chunk(1000, 10, boom)
    total = np.zeros(1, np.int64)
    lock = threading.Lock()

    def inner(lo, hi):
        with lock:
            total[0] += hi - lo

    def outer(lo, hi):
        parallel.for_each_chunk(10, 3, inner)       # nested use runs inline, no deadlock
    parallel.for_each_chunk(40, 5, outer)
    assert total[0] == 8 * 10


def test_set_num_threads_one_runs_inline():
    parallel.set_num_threads(1)
    try:
        threads = set()
        parallel.for_each_chunk(100, 1, lambda lo, hi: threads.add(threading.get_ident()))
        assert threads == {threading.get_ident()}
    finally:
        parallel.set_num_threads(0)
    assert parallel.num_threads() == parallel.available_cores()


@pytest.mark.parametrize("shapes", [[(40, 30), (40, 30)], [(40, 30), (30,)],
                                    [(40, 1, 30), (1, 5, 30)], [(40, 30), ()], [(1, 50), (40, 50)]])
def test_elementwise_split_equals_unsplit(tiny_chunks, shapes):
    arrays = [RNG.standard_normal(s).astype(np.float32) for s in shapes]
    arrays[0] = arrays[0][..., ::-1] if arrays[0].ndim else arrays[0]     # non-contiguous
    op = _op_with(type("T", (), {"shape": sf.TensorShape(None)})())
    kernel = parallel.elementwise(np.add)(op, None)
    np.testing.assert_array_equal(kernel(*arrays), np.add(*arrays))
    relu = parallel.elementwise(lambda x: np.maximum(x, 0))(op, None)
    np.testing.assert_array_equal(relu(arrays[0]), np.maximum(arrays[0], 0))


def test_elementwise_binds_plain_fn_for_small_static_shapes():
    g = sf.Graph()
    with g.as_default():
        x = sf.placeholder(sf.float32, [4, 4])
        y = sf.placeholder(sf.float32, [None, 4])
    assert parallel.elementwise(np.negative)(_op_with(x), None) is np.negative
    assert parallel.elementwise(np.negative)(_op_with(y), None) is not np.negative


def _op_with(t):
    return type("Op", (), {"outputs": [t]})()


# -- GEMMs split over the pool -----------------------------------------------------------

@pytest.mark.parametrize("sa,sb", [((6, 70, 20), (6, 20, 30)),      # batch split
                                   ((3, 70, 20), (20, 30)),         # broadcast batch
                                   ((200, 20), (20, 70)),           # rows
                                   ((20, 30), (30, 200)),           # columns
                                   ((20, 300), (300, 10))])         # inner dimension
def test_split_matmul_equals_numpy(sa, sb, monkeypatch, tiny_chunks):
    if not blas.controls_blas():
        pytest.skip("numpy's BLAS is not a controllable OpenBLAS here")
    monkeypatch.setattr(blas, "_SPLIT_MIN_MACS", 1)
    splits = []
    monkeypatch.setattr(blas, "run_parts",
                        lambda parts: splits.append(len(parts)) or parallel.run_parts(parts))
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    before = _blas_threads()
    with blas.single_threaded_blas:
        assert _blas_threads() == [1] * len(before)
        got = blas.matmul(a, b)
        out = np.empty_like(got)
        assert blas.matmul(a, b, out=out) is out
    assert _blas_threads() == before                 # restored after the run
    assert splits == [2, 2]                          # both products really were split
    np.testing.assert_allclose(got, np.matmul(a, b), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(out, got)


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"]


def test_single_threaded_blas_is_reentrant_and_restores_once():
    if not blas.controls_blas():
        pytest.skip("numpy's BLAS is not controllable here")
    before = _blas_threads()
    with blas.single_threaded_blas:
        with blas.single_threaded_blas:                 # a concurrent or nested run
            assert blas.single_threaded_blas.holders == 2
        assert _blas_threads() == [1] * len(before)     # still held by the outer run
    assert blas.single_threaded_blas.holders == 0
    assert _blas_threads() == before


def test_matmul_outside_runs_is_numpy():
    a, b = RNG.standard_normal((50, 40)), RNG.standard_normal((40, 30))
    np.testing.assert_array_equal(blas.matmul(a, b), a @ b)
    with pytest.raises(ValueError):
        blas.matmul(a, a)


# -- threading tuner ---------------------------------------------------------------------

def _tuner(monkeypatch) -> threading_tuner.ThreadingTuner:
    monkeypatch.setattr(threading_tuner, "controls_blas", lambda: True)
    return threading_tuner.ThreadingTuner()


@pytest.mark.parametrize("pool_faster", [True, False])
def test_tuner_keeps_the_faster_mode(monkeypatch, pool_faster):
    tuner = _tuner(monkeypatch)
    clock = [0.0]
    monkeypatch.setattr(threading_tuner.time, "perf_counter", lambda: clock[0])

    def step():
        pool = blas.single_threaded_blas.holders > 0
        clock[0] += 0.010 if pool == pool_faster else 0.020
        return []
    runs = 0
    while tuner.pool_mode is None:
        tuner.run(step)
        runs += 1
    assert runs == 2 * (threading_tuner.TRIALS + 1)
    assert tuner.pool_mode is pool_faster


def test_tuner_keeps_blas_threads_for_cheap_plans(monkeypatch):
    tuner = _tuner(monkeypatch)
    tuner.run(lambda: [])
    assert tuner.pool_mode is False


def test_session_results_agree_in_both_modes():
    g = sf.Graph()
    with g.as_default():
        x = sf.placeholder(sf.float32, [8, 12, 12, 1])
        w = sf.constant(RNG.standard_normal((3, 3, 1, 4)).astype(np.float32))
        h = sf.nn.max_pool(sf.nn.relu(sf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")),
                           [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        loss = sf.reduce_sum(h * h)
        grads = sf.gradients(loss, [x, w])
    xv = RNG.standard_normal((8, 12, 12, 1)).astype(np.float32)
    with sf.Session(graph=g) as sess:
        sess.run(grads, {x: xv})
        sig = list(sess._signatures.values())[-1]
        results = []
        for mode in (False, True):
            sig.threading.pool_mode = mode
            results.append(sess.run(grads, {x: xv}))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


# -- heap --------------------------------------------------------------------------------

def test_keep_freed_buffers_is_applied_once_on_glibc(monkeypatch):
    if heap._glibc() is None:
        pytest.skip("not glibc")
    defaults = runtime_config.RuntimeConfig()
    assert heap.keep_freed_buffers(defaults.mmap_threshold, defaults.trim_threshold) is True
    assert heap.keep_freed_buffers(defaults.mmap_threshold, defaults.trim_threshold) is True


def test_keep_freed_buffers_opt_out(monkeypatch):
    monkeypatch.setattr(heap, "_applied", None)
    monkeypatch.setenv("SESSIONFLOW_KEEP_FREED_BUFFERS", "0")
    config = runtime_config.RuntimeConfig.from_environment()
    assert config.keep_freed_buffers is False
    runtime_config.apply(config)
    assert heap._applied is None                        # the thresholds were left alone


# -- fast kernel paths -------------------------------------------------------------------

def _scan_grad(x, dy, k):
    """MaxPoolGrad through the per-cell scan (the path the tiled one replaces)."""
    g, _ = P._pool_setup(x.shape, [1, k, k, 1], [1, k, k, 1], "VALID", "NHWC")
    return P._scan_max_pool_grad(x, dy, g, bool(np.isfinite(dy).all()))


@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32])
def test_tiled_max_pool_grad_equals_scan(tiny_chunks, k, dtype):
    x = RNG.integers(-2, 3, size=(9, 3 * k, 4 * k, 5)).astype(dtype)   # many ties
    if x.dtype.kind == "f":
        x[0, :k, :k, 0] = np.nan                                        # NaN window
        x[1, :k, :k, 1] = -np.inf                                       # no winner in TF
        x[2, :k, :k, 2] = np.finfo(dtype).min
        x[3, 0, 0, 3], x[3, 1, 1, 3] = np.nan, 5                        # NaN never wins
    y = P.max_pool(x, [1, k, k, 1], [1, k, k, 1], "VALID")
    dy = RNG.standard_normal(y.shape).astype(np.float32 if dtype != np.float64 else dtype)
    got = P.max_pool_grad(x, y, dy.astype(dtype) if dtype == np.float16 else dy,
                          [1, k, k, 1], [1, k, k, 1], "VALID")
    want = _scan_grad(x, dy.astype(got.dtype), k)
    np.testing.assert_array_equal(got, want)


def test_tiled_max_pool_grad_nonfinite_gradient_uses_scan(tiny_chunks):
    x = RNG.standard_normal((4, 4, 4, 3)).astype(np.float32)
    y = P.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    dy = np.ones(y.shape, np.float32)
    dy[0, 0, 0, 0] = np.inf
    got = P.max_pool_grad(x, y, dy, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    assert np.isinf(got).sum() == 1 and not np.isnan(got).any()
    np.testing.assert_array_equal(got, _scan_grad(x, dy, 2))


@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize("axes,shape", [((0,), (300, 70)), ((0, 1, 2), (8, 9, 10, 30)),
                                        ((0, 1), (40, 20, 30))])
def test_leading_axes_sum_via_gemv(monkeypatch, keep, axes, shape):
    monkeypatch.setattr(reduction_ops, "_GEMV_SUM_MIN_ELEMENTS", 1)
    x = RNG.standard_normal(shape).astype(np.float32)
    got = reduction_ops._leading_axes_sum(x, axes, keep, x.dtype)
    want = np.sum(x.astype(np.float64), axis=axes, keepdims=keep)
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    assert reduction_ops._leading_axes_sum(x, (1,), keep, x.dtype) is None    # not leading
    assert reduction_ops._leading_axes_sum(x.astype(np.int32), axes, keep,
                                           np.dtype(np.int32)) is None


def test_sum_and_mean_over_no_axes_return_the_input():
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    with sf.Graph().as_default(), sf.Session() as sess:
        xp = sf.placeholder(sf.float32, [3, 4])
        ax = sf.placeholder(sf.int32, [None])
        for fn in (sf.reduce_sum, sf.reduce_mean, sf.reduce_max, sf.reduce_prod):
            np.testing.assert_array_equal(sess.run(fn(xp, ax), {xp: x, ax: []}), x)


@pytest.mark.parametrize("s,d,padding", [((1, 1), (1, 1), "SAME"), ((2, 1), (1, 1), "VALID"),
                                         ((1, 2), (2, 1), "SAME"), ((2, 2), (1, 1), "SAME")])
def test_one_channel_conv_tap_major(s, d, padding):
    x = RNG.standard_normal((2, 7, 8, 1))
    f = RNG.standard_normal((3, 2, 1, 4))
    ref = ref_conv(x, f, s, d, padding)
    args = ([1, *s, 1], padding)
    kwargs = {"dilations": [1, *d, 1]}
    close(K.conv2d(x, f, *args, **kwargs), ref)
    dy = RNG.standard_normal(ref.shape)
    close(K.conv2d_backprop_filter(x, f.shape, dy, *args, **kwargs),
          ref_conv_bp_filter(x, f.shape, dy, s, d, padding))
    close(K.conv2d_backprop_input(x.shape, f, dy, *args, **kwargs),
          ref_conv_bp_input(x.shape, f, dy, s, d, padding))


# -- batch-split convolutions and their epilogue -----------------------------------------

@pytest.mark.parametrize("path", ["fft", "tap_major", "im2col", "hmajor"])
def test_batch_split_convolutions_equal_whole_batch(path, monkeypatch, tiny_chunks):
    if not blas.controls_blas():
        pytest.skip("numpy's BLAS is not a controllable OpenBLAS here")
    c = 1 if path == "tap_major" else 4
    monkeypatch.setattr(K, "_FFT_MIN_CHANNELS", 0 if path == "fft" else 10 ** 9)
    monkeypatch.setattr(K, "_FFT_MIN_SPEEDUP", 0)
    monkeypatch.setattr(K, "_HMAJOR_MIN_DEPTH", 1 if path == "hmajor" else 10 ** 9)
    x = RNG.standard_normal((7, 6, 5, c))
    w = RNG.standard_normal((3, 2, c, 3))
    bias = RNG.standard_normal(3)
    dy = np.ones((7, 6, 5, 3))
    args = ([1, 1, 1, 1], "SAME")
    whole = [K.conv2d(x, w, *args), K.conv2d_backprop_input(x.shape, w, dy, *args),
             K.conv2d_backprop_filter(x, w.shape, dy, *args)]
    with blas.single_threaded_blas:
        assert len(blas.batch_ranges(7)) == 2
        split = [K.conv2d(x, w, *args, epilogue=nn_ops.bias_relu_epilogue(bias)),
                 K.conv2d_backprop_input(x.shape, w, dy, *args),
                 K.conv2d_backprop_filter(x, w.shape, dy, *args)]
    np.testing.assert_allclose(split[0], np.maximum(whole[0] + bias, 0), rtol=1e-10, atol=1e-10)
    for a, b in zip(split[1:], whole[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


# -- MaxPool's winners kept for its gradient ---------------------------------------------

def _pool_graph():
    x = sf.placeholder(sf.float32, [None, 6, 8, 3])
    y = sf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    dy = sf.placeholder(sf.float32, [None, 3, 4, 3])
    dx, = sf.gradients(y, x, grad_ys=dy)
    return x, y, dy, dx


def test_max_pool_grad_uses_the_forward_winners(winner_routings):
    calls = winner_routings
    xv = np.maximum(RNG.standard_normal((5, 6, 8, 3)), 0).astype(np.float32)  # many ties
    dyv = RNG.standard_normal((5, 3, 4, 3)).astype(np.float32)
    with sf.Graph().as_default():
        x, y, dy, dx = _pool_graph()
        with sf.Session() as sess:
            got = sess.run(dx, {x: xv, dy: dyv})
            assert calls and not nn_conv_ops._winners          # used once, then dropped
            sess.run(y, {x: xv})                               # forward-only plan: none kept
            assert not nn_conv_ops._winners
            dyv_inf = dyv.copy()
            dyv_inf[0, 0, 0, 0] = np.inf                       # not finite: the scan decides
            got_inf = sess.run(dx, {x: xv, dy: dyv_inf})
    yv = P.max_pool(xv, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    np.testing.assert_array_equal(got, _scan_grad(xv, dyv, 2))
    np.testing.assert_array_equal(got_inf, P.max_pool_grad(xv, yv, dyv_inf, [1, 2, 2, 1],
                                                           [1, 2, 2, 1], "VALID"))


def test_max_pool_winners_need_the_same_input_and_attrs():
    with sf.Graph().as_default():
        x = sf.placeholder(sf.float32, [None, 6, 8, 3])
        y = sf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        other = sf.placeholder(sf.float32, [None, 6, 8, 3])
        g = apply_op("MaxPoolGrad", [other, y, sf.ones_like(y)],
                     {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID"})
        assert not nn_conv_ops._is_grad_of(g.op, y.op)
        xv = RNG.standard_normal((2, 6, 8, 3)).astype(np.float32)
        ov = RNG.standard_normal((2, 6, 8, 3)).astype(np.float32)
        with sf.Session() as sess:
            got = sess.run(g, {x: xv, other: ov})
    yv = P.max_pool(xv, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    np.testing.assert_array_equal(got, P.max_pool_grad(ov, yv, np.ones_like(yv), [1, 2, 2, 1],
                                                       [1, 2, 2, 1], "VALID"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_pool_works_in_a_forked_child(tiny_chunks):
    parallel.for_each_chunk(100, 7, lambda lo, hi: None)       # the parent's pool exists
    pid = os.fork()
    if pid == 0:                                                # child: must not hang
        seen = np.zeros(100, np.int64)

        def fn(lo, hi):
            seen[lo:hi] += 1
        parallel.for_each_chunk(100, 7, fn)
        os._exit(0 if (seen == 1).all() else 1)
    deadline = time.monotonic() + 20
    while True:                                  # a hung child fails the test, not the run
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung in the intra-op pool")
        time.sleep(0.01)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize("pool_mode", [False, True])
def test_concurrent_conv_net_runs_each_get_their_own_result(pool_mode, tiny_chunks,
                                                            monkeypatch):
    """Threads share the pool, the kept MaxPool winners and BLAS's thread setting."""
    monkeypatch.setattr(blas, "_SPLIT_MIN_MACS", 1)
    with sf.Graph().as_default():
        x = sf.placeholder(sf.float32, [None, 12, 12, 1])
        w1 = sf.constant(RNG.standard_normal((3, 3, 1, 8)).astype(np.float32))
        b1 = sf.constant(RNG.standard_normal(8).astype(np.float32))
        h = sf.nn.relu(sf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME") + b1)
        h = sf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        grads = sf.gradients(sf.reduce_sum(h * h), [x, w1])
        feeds = [RNG.standard_normal((6, 12, 12, 1)).astype(np.float32) for _ in range(4)]
        with sf.Session() as sess:
            want = [sess.run(grads, {x: v}) for v in feeds]
            for sig in sess._signatures.values():
                sig.threading.pool_mode = pool_mode and blas.controls_blas()
            failures = []

            def worker(i):
                for _ in range(5):
                    for a, b in zip(sess.run(grads, {x: feeds[i]}), want[i]):
                        if not np.allclose(a, b, rtol=1e-5, atol=1e-5):
                            failures.append(i)
            threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
    assert not any(t.is_alive() for t in threads) and not failures
