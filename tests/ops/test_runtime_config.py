"""The process-wide runtime configuration: TensorFlow's rule for the intra-op pool (the
first session sizes it; later sessions get it and a warning), per-session pools with
TF_OVERRIDE_GLOBAL_THREADPOOL, and the settings read from the environment."""
from __future__ import annotations

import logging

import numpy as np
import pytest

import sessionflow as sf
from sessionflow.graph import op_registry
from sessionflow.ops.runtime import parallel
from sessionflow.ops.runtime import config as runtime_config
from sessionflow.session.executor import threading_tuner


@pytest.fixture
def fresh_process(monkeypatch):
    """A process in which no pool exists yet and the configuration is the environment's."""
    monkeypatch.setattr(parallel, "_process_pool", None)
    monkeypatch.setattr(runtime_config, "_current", None)
    yield
    if parallel._process_pool is not None:
        parallel._process_pool.shutdown()


@pytest.fixture
def pool_size_probe(monkeypatch):
    """Identity kernels return the size of the pool their run splits work over."""
    monkeypatch.setitem(op_registry.KERNELS, "Identity",
                        lambda op, ctx: lambda x: np.int32(parallel.num_threads()))
    graph = sf.Graph()
    with graph.as_default():
        x = sf.placeholder(sf.int32, [])
        probe = sf.identity(x)
    return graph, lambda sess: int(sess.run(probe, {x: 0}))


def _session(graph, threads: int | None = None):
    config = None if threads is None else sf.ConfigProto(intra_op_parallelism_threads=threads)
    return sf.Session(graph=graph, config=config)


def test_the_first_session_sizes_the_pool_and_a_later_one_gets_it_with_a_warning(
        fresh_process, pool_size_probe, caplog):
    graph, pool_size = pool_size_probe
    with caplog.at_level(logging.WARNING, logger="sessionflow"):
        first = _session(graph, 1)
        assert not caplog.records
        pool = parallel.process_pool()
        assert pool.size == 1 and pool_size(first) == 1
        second = _session(graph, 3)
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "intra_op_parallelism_threads=3" in record.getMessage()
    assert "already has 1 threads" in record.getMessage()
    assert parallel.process_pool() is pool and pool.size == 1     # the first pool, intact
    assert pool_size(second) == 1 and pool_size(first) == 1
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sessionflow"):
        _session(graph).close()                     # no ConfigProto: the pool as it is
        _session(graph, 0).close()                  # 0 = "system picks": no complaint
        _session(graph, 1).close()                  # the same size: no complaint
    assert not caplog.records
    first.close()
    second.close()
    assert parallel.process_pool() is pool          # closing sessions keeps the pool


def test_the_first_session_without_a_size_gets_one_thread_per_core(fresh_process):
    sf.Session(graph=sf.Graph()).close()
    assert parallel.process_pool().size == parallel.available_cores()


def test_per_session_pools_when_tf_override_global_threadpool_is_set(
        fresh_process, pool_size_probe, monkeypatch, caplog):
    monkeypatch.setenv("TF_OVERRIDE_GLOBAL_THREADPOOL", "true")
    graph, pool_size = pool_size_probe
    with caplog.at_level(logging.WARNING, logger="sessionflow"):
        one, three = _session(graph, 1), _session(graph, 3)
        assert pool_size(one) == 1 and pool_size(three) == 3
        assert pool_size(one) == 1                  # each run on its session's own pool
    assert not caplog.records
    assert parallel._process_pool is None           # no session touched the process pool
    assert parallel.num_threads() == parallel.available_cores()   # outside runs
    one.close()
    three.close()


@pytest.mark.parametrize("value,expected", [("true", True), ("TRUE", True), ("1", True),
                                            ("false", False), ("0", False), ("", False)])
def test_tf_override_global_threadpool_is_read_as_tensorflow_reads_it(value, expected):
    environ = {"TF_OVERRIDE_GLOBAL_THREADPOOL": value}
    assert runtime_config.RuntimeConfig.from_environment(environ).per_session_pools is expected


def test_an_unparsable_override_is_logged_and_false(caplog):
    environ = {"TF_OVERRIDE_GLOBAL_THREADPOOL": "sometimes"}
    with caplog.at_level(logging.ERROR, logger="sessionflow"):
        assert runtime_config.RuntimeConfig.from_environment(environ).per_session_pools is False
    assert "TF_OVERRIDE_GLOBAL_THREADPOOL" in caplog.text


def test_a_session_config_sets_only_what_it_sets():
    base = runtime_config.RuntimeConfig(intra_op_threads=4, blas_threading="blas")
    assert base.for_session(None) == base
    assert base.for_session(sf.ConfigProto()) == base
    assert base.for_session(sf.ConfigProto(intra_op_parallelism_threads=2)) == \
        runtime_config.RuntimeConfig(intra_op_threads=2, blas_threading="blas")


def test_blas_threading_fixes_the_tuners_mode(fresh_process, monkeypatch):
    with pytest.raises(ValueError, match="blas_threading"):
        runtime_config.RuntimeConfig(blas_threading="sometimes")
    monkeypatch.setattr(threading_tuner, "controls_blas", lambda: True)
    runtime_config.set_current(runtime_config.RuntimeConfig(blas_threading="pool"))
    graph = sf.Graph()
    with graph.as_default():
        y = sf.constant(1.0) + 1.0
    with sf.Session(graph=graph) as sess:
        sess.run(y)
        [sig] = sess._signatures.values()
        assert sig.threading.pool_mode is True
    assert threading_tuner.ThreadingTuner("blas").pool_mode is False
    assert threading_tuner.ThreadingTuner("auto").pool_mode is None


def test_blas_threading_falls_back_to_blas_threads_when_blas_is_not_controllable(
        monkeypatch):
    monkeypatch.setattr(threading_tuner, "controls_blas", lambda: False)
    assert threading_tuner.ThreadingTuner("pool").pool_mode is False
