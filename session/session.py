"""``Session``: runs the part of a graph that fetches need, with plans cached per signature.

``run(fetches, feed_dict)`` resolves nested fetches, validates feeds against the fed
tensors' dtypes and static shapes, then runs a plan cached by (graph version,
fetches, feeds). Runs are thread-safe: each has its own value slots, and a plan is built
once even when threads race for it.
"""
from __future__ import annotations

import functools
import threading
import time
from typing import Any, Callable, Sequence

import numpy as np

from ..proto.config_pb2 import (  # noqa: F401  (EXPORTS)
    ConfigProto, GPUOptions, GraphOptions, OptimizerOptions, RunMetadata, RunOptions)
from ..graph import dtypes, errors
from ..graph.core import Operation, Tensor
from ..graph.graph import _default_session_stack, get_default_graph
from ..ops.framework.kernel_binding import KernelContext
from ..ops.runtime import config as runtime_config
from ..ops.runtime import parallel
from . import fetches as fetches_lib
from .executor import make_plan
from .resources import ResourceMgr
from .executor.threading_tuner import ThreadingTuner

_MAX_CACHED_PLANS = 1024


class _FeedCheck:
    """Validates and converts one feed value for a tensor (dtype + static shape)."""

    __slots__ = ("tensor", "np_dtype", "dims", "is_string")

    def __init__(self, tensor: Tensor):
        self.tensor = tensor
        base = tensor.dtype.base_dtype
        self.is_string = base == dtypes.string
        self.np_dtype = base.np_dtype
        self.dims = tensor.shape.dims

    def __call__(self, value: Any) -> np.ndarray:
        if type(value) is np.ndarray and value.dtype == self.np_dtype and not self.is_string:
            arr = value
        else:
            arr = self._convert(value)
        dims = self.dims
        if dims is not None:
            shape = arr.shape
            if len(shape) != len(dims) or \
                    any(d is not None and d != s for d, s in zip(dims, shape)):
                raise ValueError(f"Cannot feed value of shape {shape} for Tensor "
                                 f"{self.tensor.name}, which has shape {self.tensor.shape}")
        return arr

    def _convert(self, value: Any) -> np.ndarray:
        t = self.tensor
        if isinstance(value, (Tensor, Operation)):
            raise TypeError("The value of a feed cannot be a tf.Tensor object. Acceptable "
                            "feed values include Python scalars, strings, lists, numpy "
                            "ndarrays, or TensorHandles. For reference, the tensor object "
                            f"was {value} which was passed to the argument 'feed_dict' with "
                            f"key {t}.")
        if not self.is_string:
            # TF's rule: numpy converts the value to the tensor's dtype (float64 to int32
            # truncates, as np.asarray(value, dtype) does); what numpy refuses raises.
            return np.asarray(value, dtype=self.np_dtype)
        arr = np.asarray(value)
        if arr.dtype.kind not in "OSU":
            raise errors.InvalidArgumentError(
                None, t.op, f"Cannot feed a {arr.dtype} value to Tensor '{t.name}', which "
                            "has dtype string")
        flat = [v.encode("utf-8") if isinstance(v, str) else v for v in arr.ravel().tolist()]
        if not all(isinstance(v, bytes) for v in flat):
            raise errors.InvalidArgumentError(
                None, t.op, f"Tensor '{t.name}' has dtype string, but a fed element is not "
                            "a str or bytes")
        out = np.empty(arr.shape, dtype=object)
        out.ravel()[:] = flat if flat else []
        return out


class _RunSignature:
    """A cached plan plus what maps its inputs and outputs to the user's structures."""

    __slots__ = ("plan", "mapper", "feed_checks", "fetch_is_op", "threading")

    def __init__(self, plan, mapper, feed_checks: list, fetch_elements: list,
                 blas_threading: str):
        self.plan = plan
        self.threading = ThreadingTuner(blas_threading)
        self.mapper = mapper
        self.feed_checks = feed_checks
        self.fetch_is_op = [isinstance(e, Operation) for e in fetch_elements]


class BaseSession:
    """Shared by ``Session`` and ``InteractiveSession``."""

    def __init__(self, target: str = "", graph=None, config=None):
        if graph is None:
            graph = get_default_graph()
        if target and not isinstance(target, str):
            raise TypeError(f"target must be a string, but got {type(target)}")
        if target:
            raise errors.UnimplementedError(
                None, None, f"Session target {target!r}: remote (grpc://) sessions are not "
                            "implemented yet; use the in-process target \"\".")
        self._runtime = runtime_config.current().for_session(config)
        pool = runtime_config.apply(self._runtime)
        self._own_pool = pool if self._runtime.per_session_pools else None
        self._graph = graph
        self._target = target
        self._config = config
        self._closed = False
        self._signatures: dict = {}
        self._lock = threading.Lock()
        self._resource_mgr = ResourceMgr()
        self._ctx = KernelContext(resource_mgr=self._resource_mgr, session=self,
                                  plan_factory=make_plan)
        self._default_controllers: list = []
        self._default_timeout_ms = getattr(config, "operation_timeout_in_ms", 0) or 0

    # -- properties -----------------------------------------------------------------------
    @property
    def graph(self):
        return self._graph

    @property
    def graph_def(self):
        return self._graph.as_graph_def()

    @property
    def sess_str(self) -> str:
        return self._target

    @property
    def resource_mgr(self) -> ResourceMgr:
        return self._resource_mgr

    # -- running --------------------------------------------------------------------------
    def run(self, fetches: Any, feed_dict: dict | None = None, options=None,
            run_metadata=None) -> Any:
        """Runs what ``fetches`` need; returns values in the same nested structure."""
        sig = self._signature(fetches, feed_dict)
        values = self._run_signature(sig, feed_dict.values() if feed_dict else (), options,
                                     run_metadata)
        return sig.mapper.build_results(values)

    def _run_signature(self, sig: _RunSignature, feed_values, options=None,
                       run_metadata=None) -> list:
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        checked = [check(v) for check, v in zip(sig.feed_checks, feed_values)]
        trace = options is not None and options.trace_level and run_metadata is not None
        timeout_ms = options.timeout_in_ms if options is not None else 0
        if not trace and timeout_ms <= 0 and self._default_timeout_ms <= 0:
            run = functools.partial(sig.plan.run, checked)
        else:
            timeout_ms = timeout_ms if timeout_ms > 0 else self._default_timeout_ms
            deadline = time.time() + timeout_ms / 1000.0 if timeout_ms > 0 else None
            run = functools.partial(sig.plan.run_instrumented, checked,
                                    run_metadata.step_stats if trace else None, deadline)
        if self._own_pool is None:
            results = sig.threading.run(run)
        else:
            with parallel.using_pool(self._own_pool):
                results = sig.threading.run(run)
        out, it = [], iter(results)
        for is_op in sig.fetch_is_op:
            if is_op:
                out.append(None)
            else:
                v = next(it)
                if isinstance(v, np.ndarray):
                    if v.ndim == 0:
                        v = v[()]       # scalars come back as numpy scalars / bytes, as in TF
                    elif not v.flags.writeable:
                        v = v.copy()    # never hand out the graph's constant buffers
                out.append(v)
        return out

    def _signature(self, fetches: Any, feed_dict: dict | None) -> _RunSignature:
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        feed_keys = tuple(feed_dict) if feed_dict else ()
        fetch_key = _hashable_fetch_key(fetches)
        key = (self._graph.version, fetch_key, feed_keys) if fetch_key is not None else None
        sig = self._signatures.get(key) if key is not None else None
        if sig is not None:
            return sig
        with self._lock:
            sig = self._signatures.get(key) if key is not None else None
            if sig is None:
                sig = self._build_signature(fetches, feed_keys)
                if key is not None:
                    if len(self._signatures) >= _MAX_CACHED_PLANS:
                        self._signatures.clear()
                    self._signatures[key] = sig
        return sig

    def _build_signature(self, fetches: Any, feed_keys: Sequence) -> _RunSignature:
        graph = self._graph
        mapper = fetches_lib.for_fetch(graph, fetches)
        elements = mapper.unique_fetches()
        feed_tensors = [self._feed_tensor(k) for k in feed_keys]
        if len(set(feed_tensors)) != len(feed_tensors):
            raise errors.InvalidArgumentError(None, None, "The same tensor is fed twice.")
        fetch_tensors = [e for e in elements if isinstance(e, Tensor)]
        targets = [e for e in elements if isinstance(e, Operation)]
        plan = make_plan(graph, feed_tensors, fetch_tensors, targets, self._ctx)
        checks = [_FeedCheck(t) for t in feed_tensors]
        return _RunSignature(plan, mapper, checks, elements, self._runtime.blas_threading)

    def _feed_tensor(self, key: Any) -> Tensor:
        try:
            element = self._graph.as_graph_element(key, allow_tensor=True, allow_operation=False)
        except (KeyError, ValueError) as e:
            msg = e.args[0] if e.args else str(e)
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: {msg}") from None
        except TypeError as e:
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: {e}") from None
        return element

    def make_callable(self, fetches: Any, feed_list: Sequence | None = None,
                      accept_options: bool = False) -> Callable:
        """A function running this (fetches, feed_list) signature with positional feeds."""
        feed_keys = tuple(feed_list or ())
        sig = self._build_signature(fetches, feed_keys)
        n = len(feed_keys)

        def call(*args, options=None, run_metadata=None):
            if len(args) != n:
                raise TypeError(f"callable expects {n} feed values, got {len(args)}")
            if not accept_options and (options is not None or run_metadata is not None):
                raise TypeError("This callable was made with accept_options=False.")
            return sig.mapper.build_results(self._run_signature(sig, args, options,
                                                                run_metadata))
        return call

    # -- lifecycle ------------------------------------------------------------------------
    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._signatures.clear()
            self._resource_mgr.clear()
            if self._own_pool is not None:
                self._own_pool.shutdown()

    def as_default(self):
        return _default_session_stack.get_controller(self)

    def list_devices(self) -> list:
        return [_DeviceAttributes("/job:localhost/replica:0/task:0/device:CPU:0", "CPU")]

    def __enter__(self):
        controller = self.as_default()
        controller.__enter__()
        graph_controller = self._graph.as_default()
        graph_controller.__enter__()
        self._default_controllers.append((controller, graph_controller))
        return self

    def __exit__(self, exc_type, exc_value, tb) -> None:
        controller, graph_controller = self._default_controllers.pop()
        graph_controller.__exit__(exc_type, exc_value, tb)
        controller.__exit__(exc_type, exc_value, tb)
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class _DeviceAttributes:
    def __init__(self, name: str, device_type: str):
        self.name = name
        self.device_type = device_type
        self.memory_limit_bytes = 0


class Session(BaseSession):
    """``tf.compat.v1.Session(target="", graph=None, config=None)``."""


class InteractiveSession(BaseSession):
    """A session that installs itself as the default on construction (for shells)."""

    def __init__(self, target: str = "", graph=None, config=None):
        super().__init__(target, graph, config)
        self._default = self.as_default()
        self._default.__enter__()
        self._graph_default = self._graph.as_default()
        self._graph_default.__enter__()

    def close(self) -> None:
        if not self._closed:
            super().close()
            self._graph_default.__exit__(None, None, None)
            self._default.__exit__(None, None, None)


def _hashable_fetch_key(fetches: Any) -> Any:
    """A hashable key describing the fetch structure, or None when it has none."""
    if isinstance(fetches, (Tensor, Operation, str)):
        return fetches
    if isinstance(fetches, (list, tuple)):
        parts = []
        for f in fetches:
            k = _hashable_fetch_key(f)
            if k is None:
                return None
            parts.append(k)
        return (type(fetches), tuple(parts))
    if isinstance(fetches, dict):
        parts = []
        for name, f in fetches.items():
            k = _hashable_fetch_key(f)
            if k is None:
                return None
            try:
                hash(name)
            except TypeError:
                return None
            parts.append((name, k))
        return (type(fetches), tuple(parts))
    try:
        hash(fetches)
    except TypeError:
        return None
    return (type(fetches), fetches)


EXPORTS = {"": ["Session", "InteractiveSession", "ConfigProto", "GPUOptions", "GraphOptions",
                "OptimizerOptions", "RunMetadata", "RunOptions"]}
