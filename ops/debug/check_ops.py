"""The ``tf.debugging.assert_*`` family and the checks TF groups with it (TF's
``check_ops.py``, graph mode): each builds an ``Assert`` on a condition tensor, and raises
at build time when the condition is known statically, as TF does.
"""
from __future__ import annotations

import collections
from typing import Any, Callable

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Operation, Tensor
from ...graph.graph import get_default_graph, name_scope
from ...graph.op_builder import convert_to_tensor
from ...graph.tensor_shape import TensorShape
from ..array import array_ops, fill_ops
from ..framework import shape_fns
from ..math import math_ops, reduction_ops
from .logging_ops import Assert, with_dependencies

# TF's check_ops.NUMERIC_TYPES: what is_numeric_tensor accepts.
NUMERIC_TYPES = frozenset([
    dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int8, dtypes.int16, dtypes.int32,
    dtypes.int64, dtypes.uint8, dtypes.uint16, dtypes.uint32, dtypes.uint64, dtypes.qint8,
    dtypes.qint16, dtypes.qint32, dtypes.quint8, dtypes.quint16, dtypes.complex64,
    dtypes.complex128, dtypes.bfloat16])


def _message_prefix(message: Any) -> str:
    return f"{message}.  " if message else ""


def _static_string(item: Any) -> str:
    value = shape_fns.constant_value(item) if isinstance(item, Tensor) else None
    return str(value) if value is not None else str(item)


def _assert_static(condition: bool, data: list) -> None:
    """Raises InvalidArgumentError at build time when a static check fails, as TF does."""
    if not condition:
        raise errors.InvalidArgumentError(None, None,
                                          "\n".join(_static_string(x) for x in data))


def _binary_assert(sym: str, opname: str, op_func: Callable, static_func: Callable, x, y,
                   data, summarize, message, name) -> Operation:
    """``Assert(reduce_all(op_func(x, y)), data)``, checked statically when both are known."""
    with name_scope(name, opname):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", preferred_dtype=x.dtype)
        if data is None:
            data = [f"Condition x {sym} y did not hold element-wise:",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        if message is not None:
            data = [message] + list(data)
        condition = reduction_ops.reduce_all(op_func(x, y))
        x_static, y_static = shape_fns.constant_value(x), shape_fns.constant_value(y)
        if x_static is not None and y_static is not None:
            _assert_static(bool(np.all(static_func(x_static, y_static))), data)
        return Assert(condition, data, summarize=summarize)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """``tf.assert_equal``: ``x == y`` element-wise."""
    with name_scope(name, "assert_equal"):
        if x is y:
            return array_ops.no_op()
    return _binary_assert("==", "assert_equal", math_ops.equal, np.equal, x, y, data,
                          summarize, message, name)


def _binary_assert_fn(sym: str, opname: str, op_func: Callable, static_func: Callable):
    def fn(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
        return _binary_assert(sym, opname, op_func, static_func, x, y, data, summarize,
                              message, name)
    fn.__name__ = opname
    fn.__doc__ = f"``tf.{opname}``: ``x {sym} y`` element-wise."
    return fn


assert_less = _binary_assert_fn("<", "assert_less", math_ops.less, np.less)
assert_less_equal = _binary_assert_fn("<=", "assert_less_equal", math_ops.less_equal,
                                      np.less_equal)
assert_greater = _binary_assert_fn(">", "assert_greater", math_ops.greater, np.greater)
assert_greater_equal = _binary_assert_fn(">=", "assert_greater_equal", math_ops.greater_equal,
                                         np.greater_equal)


def _sign_assert(opname: str, sym: str, zero_first: bool, compare: Callable):
    """``assert_positive`` and friends: ``compare`` x with a zero of x's dtype."""
    def fn(x, data=None, summarize=None, message=None, name=None) -> Operation:
        with name_scope(name, opname):
            x = convert_to_tensor(x, name="x")
            if data is None:
                data = [message or "", f"Condition x {sym} did not hold element-wise:",
                        f"x ({x.name}) = ", x]
            zero = convert_to_tensor(0, dtype=x.dtype)
            return compare(zero, x, data=data, summarize=summarize) if zero_first else \
                compare(x, zero, data=data, summarize=summarize)
    fn.__name__ = opname
    fn.__doc__ = f"``tf.{opname}``: ``x {sym}`` element-wise."
    return fn


assert_none_equal = _binary_assert_fn("!=", "assert_none_equal", math_ops.not_equal,
                                      np.not_equal)


assert_positive = _sign_assert("assert_positive", "> 0", True, assert_less)
assert_non_negative = _sign_assert("assert_non_negative", ">= 0", True, assert_less_equal)
assert_negative = _sign_assert("assert_negative", "< 0", False, assert_less)
assert_non_positive = _sign_assert("assert_non_positive", "<= 0", False, assert_less_equal)


def assert_type(tensor, tf_type, message=None, name=None) -> Operation:
    """``tf.assert_type``: a static dtype check; returns a NoOp."""
    message = message or ""
    with name_scope(name, "assert_type"):
        tensor = convert_to_tensor(tensor, name="tensor")
        if tensor.dtype != tf_type:
            raise TypeError(f"{message}  {tensor.name} must be of type {tf_type}")
        return array_ops.no_op("statically_determined_correct_type")


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None,
                name=None) -> Operation:
    """``tf.assert_near``: ``|x - y| < atol + rtol * |y|`` element-wise (tolerances default
    to 10 machine epsilons of x's dtype)."""
    message = _message_prefix(message)
    with name_scope(name, "assert_near"):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype)
        eps = np.finfo(x.dtype.base_dtype.np_dtype).eps
        rtol = 10 * eps if rtol is None else rtol
        atol = 10 * eps if atol is None else atol
        rtol = convert_to_tensor(rtol, name="rtol", dtype=x.dtype)
        atol = convert_to_tensor(atol, name="atol", dtype=x.dtype)
        if data is None:
            data = [message, f"x and y not equal to tolerance rtol = {rtol}, atol = {atol}",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        tol = math_ops.add(atol, math_ops.multiply(rtol, math_ops.abs(y)))
        diff = math_ops.abs(math_ops.subtract(x, y))
        return Assert(reduction_ops.reduce_all(math_ops.less(diff, tol)), data,
                      summarize=summarize)


def assert_integer(x, message=None, name=None) -> Operation:
    """``tf.assert_integer``: a static dtype check (TypeError unless x is an integer)."""
    with name_scope(name, "assert_integer"):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_integer:
            raise TypeError(f'{_message_prefix(message)}Expected "x" to be integer type.  '
                            f"Found: {x.name} of dtype {x.dtype}")
        return array_ops.no_op("statically_determined_was_integer")


def assert_scalar(tensor, name=None, message=None) -> Tensor:
    """``tf.assert_scalar``: ``tensor`` itself when its static shape is a scalar, else
    ValueError."""
    with name_scope(name, "assert_scalar") as scope:
        tensor = convert_to_tensor(tensor, name=scope)
        if tensor.shape.rank != 0:
            raise ValueError(f"{_message_prefix(message)}Expected scalar shape for "
                             f"{tensor.name}, saw shape: {tensor.shape}.")
        return tensor


def assert_proper_iterable(values) -> None:
    """``tf.assert_proper_iterable``: TypeError for tensors, arrays and strings (iterable
    by accident) and for non-iterables."""
    if isinstance(values, (Tensor, np.ndarray, bytes, str)):
        raise TypeError(f'Expected argument "values" to be a "proper" iterable.  Found: '
                        f"{type(values)}")
    if not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be iterable.  Found: {type(values)}')


def assert_same_float_dtype(tensors=None, dtype=None) -> dtypes.DType:
    """``tf.assert_same_float_dtype``: the one floating dtype of ``tensors`` (and
    ``dtype``), float32 when there is none; ValueError on a mismatch or a non-float."""
    expected = dtypes.as_dtype(dtype) if dtype is not None else None
    first = None
    for item in tensors or []:
        if item is None:
            continue
        item_type = item.dtype.base_dtype
        if expected is None:
            expected, first = item_type, getattr(item, "name", str(item))
        elif item_type != expected:
            origin = f" as {first}" if first else ""
            raise ValueError(f"{getattr(item, 'name', str(item))}, type={item_type}, must be "
                             f"of the same type ({expected}){origin}.")
    if expected is None:
        return dtypes.float32
    if not expected.is_floating:
        raise ValueError(f"Expected floating point type, got {expected}.")
    return expected


def is_numeric_tensor(tensor) -> bool:
    """``tf.debugging.is_numeric_tensor``: a Tensor of a numeric dtype."""
    return isinstance(tensor, Tensor) and tensor.dtype in NUMERIC_TYPES


def _monotonic(x, compare: Callable, name: str | None, default_name: str) -> Tensor:
    """``reduce_all(compare(x[1:], x[:-1]))`` over x flattened (true for < 2 elements)."""
    with name_scope(name, default_name):
        x = array_ops.reshape(convert_to_tensor(x), [-1])
        if not is_numeric_tensor(x):
            raise TypeError(f"Expected x to be numeric, instead found: {x}")
        return reduction_ops.reduce_all(compare(x[1:], x[:-1]))


def is_non_decreasing(x, name=None) -> Tensor:
    """``tf.math.is_non_decreasing``: whether each element is >= the one before it."""
    return _monotonic(x, math_ops.greater_equal, name, "is_non_decreasing")


def is_strictly_increasing(x, name=None) -> Tensor:
    """``tf.math.is_strictly_increasing``: whether each element is > the one before it."""
    return _monotonic(x, math_ops.greater, name, "is_strictly_increasing")


def _assert_ranks_condition(x: Tensor, ranks: tuple, static_condition: Callable,
                            dynamic_condition: Callable, data: list, summarize) -> Operation:
    """Static rank check when possible (a NoOp), else an Assert on ``rank(x)``."""
    for rank in ranks:
        assert_type(rank, dtypes.int32)
    ranks_static = tuple(shape_fns.constant_value(rank) for rank in ranks)
    if all(r is not None for r in ranks_static):
        if any(np.ndim(r) != 0 for r in ranks_static):
            raise ValueError("Rank must be a scalar.")
        x_rank = x.shape.rank
        if x_rank is not None:
            wanted = tuple(int(r) for r in ranks_static)
            if not static_condition(x_rank, wanted):
                raise ValueError("Static rank condition failed", x_rank, wanted)
            return array_ops.no_op(name="static_checks_determined_all_ok")
    condition = dynamic_condition(array_ops.rank(x), ranks)
    for rank, rank_static in zip(ranks, ranks_static):
        if rank_static is None:
            rank_check = assert_rank(rank, 0, data=["Rank must be a scalar. Received rank: ",
                                                    rank])
            condition = with_dependencies([rank_check], condition)
    return Assert(condition, data, summarize=summarize)


def _rank_assert(opname: str, phrase: str, static_condition: Callable,
                 dynamic_condition: Callable, x, ranks: list, data, summarize, message,
                 name) -> Operation:
    """``assert_rank``, ``assert_rank_at_least`` and ``assert_rank_in``."""
    with name_scope(name, opname):
        x = convert_to_tensor(x, name="x")
        ranks = tuple(convert_to_tensor(r, name="rank") for r in ranks)
        message = message or ""
        if data is None:
            data = [message, f"Tensor {x.name} must have {phrase}", *ranks,
                    "Received shape: ", array_ops.shape(x)]
        try:
            return _assert_ranks_condition(x, ranks, static_condition, dynamic_condition,
                                           data, summarize)
        except ValueError as e:
            if e.args[0] != "Static rank condition failed":
                raise
            wanted = e.args[2] if opname == "assert_rank_in" else e.args[2][0]
            raise ValueError(f"{message}.  Tensor {x.name} must have {phrase} {wanted}.  "
                             f"Received rank {e.args[1]}, shape {x.shape}") from None


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None) -> Operation:
    """``tf.assert_rank``: ValueError if statically wrong, else a NoOp or an Assert."""
    return _rank_assert("assert_rank", "rank", lambda a, r: a == r[0],
                        lambda actual, rs: math_ops.equal(actual, rs[0]), x, [rank], data,
                        summarize, message, name)


def assert_rank_at_least(x, rank, data=None, summarize=None, message=None,
                         name=None) -> Operation:
    """``tf.assert_rank_at_least``."""
    return _rank_assert("assert_rank_at_least", "rank at least", lambda a, r: a >= r[0],
                        lambda actual, rs: math_ops.greater_equal(actual, rs[0]), x, [rank],
                        data, summarize, message, name)


def _dynamic_rank_in(actual: Tensor, ranks: tuple) -> Tensor:
    result = math_ops.equal(ranks[0], actual)
    for rank in ranks[1:]:
        result = math_ops.logical_or(result, math_ops.equal(rank, actual))
    return result


def assert_rank_in(x, ranks, data=None, summarize=None, message=None, name=None) -> Operation:
    """``tf.assert_rank_in``: the rank of ``x`` is one of ``ranks``."""
    return _rank_assert("assert_rank_in", "rank in", lambda a, rs: a in rs, _dynamic_rank_in,
                        x, list(ranks), data, summarize, message, name)


_TensorDimSizes = collections.namedtuple(
    "_TensorDimSizes", ["x", "unspecified_dim", "actual_sizes", "symbolic_sizes"])


def _dimension_sizes(x: Tensor) -> list:
    """Static sizes where known, else elements of ``shape(x)``; a scalar counts as ``[1]``.

    For unknown rank TF uses a ``cond``; we prepend ``max(1 - rank, 0)`` ones instead.
    """
    dynamic_shape = array_ops.shape(x)
    rank = x.shape.rank
    if rank == 0:
        return [1]
    if rank is not None:
        return [d if d is not None else dynamic_shape[i] for i, d in enumerate(x.shape.dims)]
    pad = math_ops.maximum(1 - array_ops.rank(x), 0)
    return array_ops.concat([fill_ops.fill(array_ops.stack([pad]), 1), dynamic_shape], 0)


def _has_known_value(size: Any) -> bool:
    try:
        int(size)
    except (ValueError, TypeError):
        return False
    return size is not None


def _tensor_dim_sizes(shapes, message: str) -> list[_TensorDimSizes]:
    """Parses ``(tensor, spec)`` pairs; ``...``/``'*'`` first means any outer dimensions."""
    result = []
    for x, spec in shapes:
        if spec is None:
            continue
        x = convert_to_tensor(x)
        if isinstance(spec, TensorShape):
            spec = spec.as_list()
        if not (hasattr(spec, "__iter__") or hasattr(spec, "__getitem__")):
            raise ValueError(f"{message}.  Tensor {x.name}.  Specified shape must be an "
                             "iterable.  An iterable has the attribute `__iter__` or "
                             f"`__getitem__`.  Received specified shape: {spec}")
        spec = tuple(spec)
        for i, symbol in enumerate(spec):
            if isinstance(symbol, str) and symbol == "*" or symbol is Ellipsis:
                if i != 0:
                    raise ValueError(
                        f"{message}.  Tensor {x.name} specified shape index {i}.  Symbol "
                        "`...` or `*` for a variable number of unspecified dimensions is "
                        "only allowed as the first entry")
        inner = bool(spec) and (spec[0] is Ellipsis or spec[0] == "*")
        symbolic = spec[1:] if inner else spec
        result.append(_TensorDimSizes(x, inner, _dimension_sizes(x), symbolic or (1,)))
    return result


def _shape_rank_assertions(dim_sizes: list, data, summarize, message, name) -> list:
    assertions = []
    for sizes in dim_sizes:
        rank = len(sizes.symbolic_sizes)
        if sizes.unspecified_dim:
            if rank <= 1:
                continue
            assertions.append(assert_rank_at_least(sizes.x, rank, data, summarize, message,
                                                   name))
        elif rank <= 1:     # rank 0 counts as rank 1 of size 1
            assertions.append(assert_rank_in(sizes.x, [0, 1], data, summarize, message, name))
        else:
            assertions.append(assert_rank(sizes.x, rank, data, summarize, message, name))
    return assertions


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None) -> Operation:
    """``tf.debugging.assert_shapes``: shapes and named-dimension relations between tensors.

    ValueError when static shapes already violate a constraint; otherwise a NoOp that
    depends on the rank assertions and one Assert per dynamically checked size.
    """
    if isinstance(shapes, dict):
        shapes = shapes.items()
    message = message or ""
    graph = get_default_graph()
    with name_scope(name, "assert_shapes"):
        dim_sizes = _tensor_dim_sizes(shapes, message)
        rank_assertions = _shape_rank_assertions(dim_sizes, data, summarize, message, name)
        size_assertions, specified = [], {}
        for sizes in dim_sizes:
            for i, symbol in enumerate(sizes.symbolic_sizes):
                if symbol is None or symbol == ".":
                    continue
                dim = i - len(sizes.symbolic_sizes) if sizes.unspecified_dim else i
                with graph.control_dependencies(rank_assertions):
                    actual = sizes.actual_sizes[dim]
                if not _has_known_value(symbol) and symbol not in specified:
                    specified[symbol] = (actual, sizes.x, dim)
                    continue
                if _has_known_value(symbol):
                    wanted, how = int(symbol), "Specified explicitly"
                else:
                    wanted, by, at = specified[symbol]
                    how = f"Specified by tensor {by.name} dimension {at}"
                if _has_known_value(actual) and _has_known_value(wanted):
                    if int(actual) != int(wanted):
                        raise ValueError(
                            f"{message}.  {how}.  Tensor {sizes.x.name} dimension {dim} must "
                            f"have size {wanted}.  Received size {actual}, shape "
                            f"{sizes.x.shape}")
                    continue
                condition = math_ops.equal(convert_to_tensor(actual), convert_to_tensor(wanted))
                data_ = data if data is not None else [
                    message, how, f"Tensor {sizes.x.name} dimension", dim, "must have size",
                    wanted, "Received shape: ", array_ops.shape(sizes.x)]
                size_assertions.append(Assert(condition, data_, summarize=summarize))
    with graph.control_dependencies(rank_assertions + size_assertions):
        return array_ops.no_op(name="group_deps")


_ASSERTS = [
    "assert_equal", "assert_greater", "assert_greater_equal", "assert_integer", "assert_less",
    "assert_less_equal", "assert_near", "assert_negative", "assert_non_negative",
    "assert_non_positive", "assert_none_equal", "assert_positive", "assert_proper_iterable",
    "assert_rank", "assert_rank_at_least", "assert_rank_in", "assert_same_float_dtype",
    "assert_scalar", "assert_type", "is_non_decreasing", "is_numeric_tensor",
    "is_strictly_increasing"]
EXPORTS: dict[str, list[str]] = {
    "": _ASSERTS,
    "debugging": _ASSERTS + ["assert_shapes"],
    "math": ["is_non_decreasing", "is_strictly_increasing"],
}
