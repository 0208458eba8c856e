"""Random ops (RandomStandardNormal, RandomUniform, RandomUniformInt, TruncatedNormal) and
TF1's seed rules (``get_seed``, ``tf.set_random_seed``).

Streams. Every random op draws from its own stream, a ``numpy.random.Generator`` (PCG64)
seeded from the op's ``(seed, seed2)`` attrs and kept in the session's resource manager
(container ``_rng_streams``, keyed by op name) rather than in the kernel, because plans
are cached per fetch signature and several plans may contain the same op: they must
share one stream. So, as in TensorFlow, the same seeds reproduce the same sequence in a
new session, each run of an op in one session draws new values, and ``seed = seed2 = 0``
(what ``get_seed`` returns as ``(None, None)``) means a nondeterministic stream.

Values are *not* bit-identical to TensorFlow's Philox streams; only the distributions
match (uniform in ``[0, 1)`` / ``[minval, maxval)``, standard normal, and a normal
truncated by resampling everything beyond two standard deviations, as TF does).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.graph import get_default_graph
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import Dimension, TensorShape
from ..array import array_ops
from ..debug import logging_ops
from ..math import math_ops, reduction_ops
from ..framework import shape_fns
from ..framework.declare import declare

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1
_RNG_CONTAINER = "_rng_streams"
_FLOAT_DTYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)
_INT_DTYPES = (dtypes.int32, dtypes.int64)


# -- seeds (tf.compat.v1's random_seed.py) ---------------------------------------------------

def _truncate_seed(seed: int) -> int:
    return seed % _MAXINT32


def get_seed(op_seed: int | None) -> tuple[int | None, int | None]:
    """The ``(seed, seed2)`` attrs for a random op, by TF1's rules.

    Graph seed and op seed: both used. Graph seed only: the op seed is the number of ops
    created so far in the default graph (TF's ``graph._last_id``). Op seed only: the
    graph seed is ``DEFAULT_GRAPH_SEED``. Neither: ``(None, None)``, i.e. random. ``(0, 0)``
    would mean "random" to the kernels, so it becomes ``(0, 2**31 - 1)``.
    """
    graph = get_default_graph()
    global_seed = graph.seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = len(graph.get_operations())
        seeds = _truncate_seed(global_seed), _truncate_seed(op_seed)
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, _truncate_seed(op_seed)
    else:
        seeds = None, None
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def set_random_seed(seed: int | None) -> None:
    """``tf.set_random_seed``: the default graph's graph-level seed."""
    get_default_graph().seed = seed


# -- shape functions --------------------------------------------------------------------------

def _check_rank(t: Tensor, rank: int) -> None:
    if t.shape.rank is not None and t.shape.rank != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {t.shape.rank}")


def _random_shape(op) -> list[TensorShape]:
    """The output shape is the value of the 1-D ``shape`` input, as far as known."""
    _check_rank(op.inputs[0], 1)
    return [shape_fns.shape_from_tensor(op.inputs[0])]


def _random_uniform_int_shape(op) -> list[TensorShape]:
    _check_rank(op.inputs[1], 0)
    _check_rank(op.inputs[2], 0)
    return _random_shape(op)


# -- kernels -------------------------------------------------------------------------------

def _new_generator(seed: int, seed2: int) -> np.random.Generator:
    """A PCG64 stream for the op's seeds; ``(0, 0)`` draws fresh OS entropy, as in TF."""
    material = None if seed == 0 and seed2 == 0 else \
        [seed & 0xFFFFFFFFFFFFFFFF, seed2 & 0xFFFFFFFFFFFFFFFF]
    return np.random.Generator(np.random.PCG64(material))


def _stream(op, ctx) -> np.random.Generator:
    """The op's stream, shared by every plan of the session (see the module docstring)."""
    seed, seed2 = op.attrs["seed"], op.attrs["seed2"]
    resource_mgr = getattr(ctx, "resource_mgr", None)
    if resource_mgr is None:   # no session (e.g. a bare KernelContext): a private stream
        return _new_generator(seed, seed2)
    return resource_mgr.lookup_or_create(_RNG_CONTAINER, op.name,
                                         lambda: _new_generator(seed, seed2))


def _dims(shape: np.ndarray) -> tuple[int, ...]:
    """The output dims a ``shape`` input holds, checked as TF's ``MakeShape`` does."""
    shape = np.asarray(shape)
    if shape.ndim != 1:
        raise errors.InvalidArgumentError(
            None, None, f"shape must be a vector of {{int32,int64}}, got shape "
                        f"{list(shape.shape)}")
    dims = tuple(int(d) for d in shape)
    for d in dims:
        if d < 0:
            raise errors.InvalidArgumentError(None, None, f"Dimension {d} must be >= 0")
    return dims


def _np_dtype(dtype: dtypes.DType) -> np.dtype:
    if dtype.np_dtype is None:
        raise errors.UnimplementedError(
            None, None, f"sessionflow's random kernels do not support dtype {dtype.name}")
    return dtype.np_dtype


def _standard_normal(gen: np.random.Generator, dims: tuple, out: np.dtype) -> np.ndarray:
    work = np.float64 if out == np.float64 else np.float32
    return gen.standard_normal(dims, dtype=work).astype(out, copy=False)


def _random_standard_normal_kernel(op, ctx):
    gen, out = _stream(op, ctx), _np_dtype(op.attrs["dtype"])
    return lambda shape: _standard_normal(gen, _dims(shape), out)


def _uniform(gen: np.random.Generator, dims: tuple, out: np.dtype) -> np.ndarray:
    """Uniform in [0, 1); half precision uses 10 random mantissa bits so 1.0 never occurs."""
    if out == np.float16:
        return (gen.integers(0, 1 << 10, dims) * 2.0 ** -10).astype(np.float16)
    work = np.float64 if out == np.float64 else np.float32
    return gen.random(dims, dtype=work).astype(out, copy=False)


def _random_uniform_kernel(op, ctx):
    gen, out = _stream(op, ctx), _np_dtype(op.attrs["dtype"])
    return lambda shape: _uniform(gen, _dims(shape), out)


def _check_scalar(name: str, value: np.ndarray) -> None:
    if np.ndim(value) != 0:
        raise errors.InvalidArgumentError(
            None, None, f"{name} must be 0-D, got shape {list(np.shape(value))}")


def _random_uniform_int_kernel(op, ctx):
    gen, out = _stream(op, ctx), op.attrs["Tout"].np_dtype

    def kernel(shape, minval, maxval):
        _check_scalar("minval", minval)
        _check_scalar("maxval", maxval)
        dims = _dims(shape)
        if not np.prod(dims, dtype=np.int64):
            return np.zeros(dims, dtype=out)    # TF exits before checking the bounds
        lo, hi = int(minval), int(maxval)
        if lo >= hi:
            raise errors.InvalidArgumentError(
                None, None, f"Need minval < maxval: {lo} >= {hi}")
        return gen.integers(lo, hi, dims, dtype=out)
    return kernel


def _truncated_normal(gen: np.random.Generator, dims: tuple, out: np.dtype) -> np.ndarray:
    """Standard normal with every value beyond two standard deviations redrawn."""
    work = np.float64 if out == np.float64 else np.float32
    values = gen.standard_normal(dims, dtype=work)
    bad = np.flatnonzero(np.abs(values) > 2)
    while bad.size:
        redraw = gen.standard_normal(bad.size, dtype=work)
        values.flat[bad] = redraw
        bad = bad[np.abs(redraw) > 2]
    return values.astype(out, copy=False)


def _truncated_normal_kernel(op, ctx):
    gen, out = _stream(op, ctx), _np_dtype(op.attrs["dtype"])
    return lambda shape: _truncated_normal(gen, _dims(shape), out)


declare("RandomStandardNormal", shape=_random_shape,
        make_kernel=_random_standard_normal_kernel, not_differentiable=True)
declare("RandomUniform", shape=_random_shape, make_kernel=_random_uniform_kernel,
        not_differentiable=True)
declare("RandomUniformInt", shape=_random_uniform_int_shape,
        make_kernel=_random_uniform_int_kernel, not_differentiable=True)
declare("TruncatedNormal", shape=_random_shape, make_kernel=_truncated_normal_kernel,
        not_differentiable=True)


# -- constructors (TF1 signatures) --------------------------------------------------------

def _shape_tensor(shape: Any) -> Tensor:
    """TF's ``tensor_util.shape_tensor``: a 1-D int tensor named ``shape``."""
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    if isinstance(shape, (list, tuple)):
        if any(isinstance(d, Tensor) for d in shape):
            return array_ops.stack(list(shape), name="shape")
        if not shape:
            return convert_to_tensor(np.zeros([0], np.int32), name="shape")
        shape = [d.value if isinstance(d, Dimension) else d for d in shape]
    return convert_to_tensor(shape, name="shape")


def _seed_attrs(seed: int | None) -> dict:
    seed1, seed2 = get_seed(seed)
    return {"seed": seed1 or 0, "seed2": seed2 or 0}


def _scaled_normal(op_type: str, default_name: str, shape, mean, stddev, dtype, seed,
                   name) -> Tensor:
    """``op_type(shape) * stddev + mean`` as TF builds ``random_normal``/``truncated_normal``."""
    dtype = dtypes.as_dtype(dtype)
    with get_default_graph().name_scope(name or default_name) as scope:
        shape_tensor = _shape_tensor(shape)
        mean_tensor = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev_tensor = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        attrs = {"dtype": dtype, **_seed_attrs(seed)}
        rnd = apply_op(op_type, [shape_tensor], attrs, name=op_type)
        mul = math_ops.multiply(rnd, stddev_tensor, name="mul")
        return math_ops.add(mul, mean_tensor, name=scope)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None,
                  name=None) -> Tensor:
    """``tf.random_normal``: normal values with the given mean and standard deviation."""
    return _scaled_normal("RandomStandardNormal", "random_normal", shape, mean, stddev, dtype,
                          seed, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None,
                     name=None) -> Tensor:
    """``tf.truncated_normal``: normal values, none more than 2 stddevs from the mean."""
    return _scaled_normal("TruncatedNormal", "truncated_normal", shape, mean, stddev, dtype,
                          seed, name)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None,
                   name=None) -> Tensor:
    """``tf.random_uniform``: values in ``[minval, maxval)``; int dtypes need ``maxval``."""
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _FLOAT_DTYPES + _INT_DTYPES:
        raise ValueError(f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes are "
                         f"{[d.name for d in _FLOAT_DTYPES + _INT_DTYPES]}.")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    with get_default_graph().name_scope(name or "random_uniform") as scope:
        shape = _shape_tensor(shape)
        # [0, 1) floats skip the affine transform (TF compares Python ints exactly).
        minval_is_zero = isinstance(minval, int) and minval == 0
        maxval_is_one = isinstance(maxval, int) and maxval == 1
        if not minval_is_zero or not maxval_is_one or dtype.is_integer:
            minval = convert_to_tensor(minval, dtype=dtype, name="min")
            maxval = convert_to_tensor(maxval, dtype=dtype, name="max")
        attrs = _seed_attrs(seed)
        if dtype.is_integer:
            return apply_op("RandomUniformInt", [shape, minval, maxval], attrs, name=scope)
        result = apply_op("RandomUniform", [shape], {"dtype": dtype, **attrs},
                          name="RandomUniform")
        if minval_is_zero:
            return result if maxval_is_one else math_ops.multiply(result, maxval)
        scale = math_ops.multiply(result, math_ops.subtract(maxval, minval, name="sub"),
                                  name="mul")
        return math_ops.add(scale, minval, name=scope)


normal = random_normal
uniform = random_uniform
set_seed = set_random_seed


def random_crop(value, size, seed=None, name=None) -> Tensor:
    """``tf.random_crop``: a ``size`` slice of ``value`` at a uniformly random offset (an
    Assert checks ``value`` is at least ``size`` in every dimension)."""
    with get_default_graph().name_scope(name or "random_crop") as scope:
        value = convert_to_tensor(value, name="value")
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        shape = array_ops.shape(value)
        check = logging_ops.Assert(reduction_ops.reduce_all(math_ops.greater_equal(shape, size)),
                                   ["Need value.shape >= size, got ", shape, size],
                                   summarize=1000)
        shape = logging_ops.with_dependencies([check], shape)
        limit = shape - size + 1
        offset = random_uniform(array_ops.shape(shape), dtype=size.dtype,
                                maxval=np.iinfo(np.int32).max, seed=seed) % limit
        return array_ops.slice(value, offset, size, name=scope)


EXPORTS: dict[str, list[str]] = {
    "": ["random_crop", "random_normal", "random_uniform", "truncated_normal",
         "set_random_seed", "get_seed"],
    "random": ["normal", "uniform", "truncated_normal", "set_seed", "set_random_seed",
               "get_seed"],
}
