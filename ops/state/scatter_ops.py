"""Scatter updates of variable rows: ``Scatter*`` on ref variables (TF's scatter_op.cc),
``ResourceScatter*`` on resource variables, and ``tf.scatter_add`` and its siblings.

Each op combines ``updates`` into the rows ``indices`` names, in the variable's own buffer
(copy-on-write, as the other update ops). Repeated indices are applied one after another
in index order, as TF's CPU kernels loop: additions accumulate, the last update wins. The
ref ops output the ref, as TF's; the resource ops have no output. None is differentiable.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ...graph import errors
from ...graph.core import Tensor
from ...graph.op_builder import apply_op
from ...graph.tensor_shape import TensorShape
from ..framework.declare import declare
from .state_ops import handle_shape, variable_of
from .variables import Variable


def _truncating_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """C++'s integer division (rounds toward zero), which TF's integer ScatterDiv uses."""
    quotient = np.floor_divide(a, b)
    return quotient + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))


def _combine_at(ufunc: np.ufunc) -> Callable:
    def combine(buf: np.ndarray, rows: np.ndarray, values: Any) -> None:
        ufunc.at(buf, rows, values)
    return combine


def _update_rows(buf: np.ndarray, rows: np.ndarray, values: Any) -> None:
    buf[rows] = values           # numpy assigns repeated rows in order: the last one wins


def _divide_rows(buf: np.ndarray, rows: np.ndarray, values: Any) -> None:
    if buf.dtype.kind not in "iu":
        np.divide.at(buf, rows, values)
        return
    values = np.broadcast_to(values, rows.shape + buf.shape[1:])
    for row, value in zip(rows, values):     # no ufunc.at for truncating integer division
        buf[row] = _truncating_divide(buf[row], value)


# How each op kind combines updates into the rows (``ufunc.at`` applies repeats in order).
_COMBINE = {"Add": _combine_at(np.add), "Sub": _combine_at(np.subtract),
            "Mul": _combine_at(np.multiply), "Div": _divide_rows,
            "Min": _combine_at(np.minimum), "Max": _combine_at(np.maximum),
            "Update": _update_rows}


def _scatter_shape(op) -> list[TensorShape]:
    """TF's ScatterUpdateShape: updates is a scalar or indices.shape + var.shape[1:]; the
    ref ops output the variable's shape, the resource ops nothing."""
    var = op.inputs[0]
    is_ref = bool(op.outputs)
    var_shape = var.shape if is_ref else handle_shape(var)
    indices, updates = op.inputs[1].shape, op.inputs[2].shape
    if updates.rank != 0 and var_shape.rank is not None and indices.rank is not None:
        if var_shape.rank == 0:
            raise ValueError("Shape must be at least rank 1 but is rank 0")
        updates.merge_with(indices.concatenate(TensorShape(var_shape.dims[1:])))
    return [var_shape] if is_ref else []


def _check_scatter(buf: np.ndarray, indices: np.ndarray, updates: np.ndarray,
                   is_ref: bool) -> None:
    """TF's scatter kernel checks, with its messages."""
    if buf.ndim == 0:
        raise errors.invalid_argument(
            f"params must be at least 1-D, got shape {errors.shape_str(buf.shape)}" if is_ref
            else "params must be at least 1 dimensional")
    if updates.ndim and updates.shape != indices.shape + buf.shape[1:]:
        raise errors.invalid_argument(
            "Must have updates.shape = indices.shape + params.shape[1:] or updates.shape = "
            f"[], got updates.shape {errors.shape_str(updates.shape)}, indices.shape "
            f"{errors.shape_str(indices.shape)}, params.shape {errors.shape_str(buf.shape)}")
    flat = indices.reshape(-1)
    bad = np.flatnonzero((flat < 0) | (flat >= buf.shape[0]))
    if bad.size:
        where = errors.shape_str(np.unravel_index(bad[0], indices.shape)) \
            if indices.ndim else ""
        raise errors.invalid_argument(
            f"indices{where} = {flat[bad[0]]} is not in [0, {buf.shape[0]})")


def _scatter_kernel(kind: str) -> Callable:
    combine = _COMBINE[kind]

    def make(op, ctx):
        is_ref = bool(op.outputs)

        def kernel(var, indices, updates):
            buf = variable_of(ctx, var).mutable()
            indices, updates = np.asarray(indices), np.asarray(updates)
            _check_scatter(buf, indices, updates, is_ref)
            flat = indices.reshape(-1)
            values = updates if not updates.ndim else \
                updates.reshape(flat.shape + buf.shape[1:])
            combine(buf, flat, values)
            return var if is_ref else None
        return kernel
    return make


for _kind in _COMBINE:
    for _prefix in ("", "Resource"):
        declare(f"{_prefix}Scatter{_kind}", shape=_scatter_shape,
                make_kernel=_scatter_kernel(_kind), not_differentiable=True)


# -- tf.scatter_add, ... --------------------------------------------------------------------

def scatter(kind: str, ref: Any, indices: Any, updates: Any, use_locking: bool,
            name: str | None) -> Any:
    """``Scatter<kind>`` on a ref variable or tensor (returns the ref), or
    ``ResourceScatter<kind>`` on a resource variable (returns the updated value)."""
    if isinstance(ref, Variable):
        return ref._scatter(kind, indices, updates, use_locking, name)
    if isinstance(ref, Tensor) and ref.dtype.is_ref_dtype:
        return apply_op(f"Scatter{kind}", [ref, indices, updates],
                        {"use_locking": bool(use_locking)}, name=name)
    raise TypeError(f"tf.scatter_{kind.lower()} needs a variable (or a ref tensor), "
                    f"got {ref!r}")


def scatter_update(ref: Any, indices: Any, updates: Any, use_locking: bool = True,
                   name: str | None = None) -> Any:
    """``tf.scatter_update``: ``ref[indices, ...] = updates``."""
    return scatter("Update", ref, indices, updates, use_locking, name)


def scatter_add(ref: Any, indices: Any, updates: Any, use_locking: bool = False,
                name: str | None = None) -> Any:
    """``tf.scatter_add``: ``ref[indices, ...] += updates`` (repeated indices add up)."""
    return scatter("Add", ref, indices, updates, use_locking, name)


def scatter_sub(ref: Any, indices: Any, updates: Any, use_locking: bool = False,
                name: str | None = None) -> Any:
    """``tf.scatter_sub``: ``ref[indices, ...] -= updates``."""
    return scatter("Sub", ref, indices, updates, use_locking, name)


def scatter_mul(ref: Any, indices: Any, updates: Any, use_locking: bool = False,
                name: str | None = None) -> Any:
    """``tf.scatter_mul``: ``ref[indices, ...] *= updates``."""
    return scatter("Mul", ref, indices, updates, use_locking, name)


def scatter_div(ref: Any, indices: Any, updates: Any, use_locking: bool = False,
                name: str | None = None) -> Any:
    """``tf.scatter_div``: ``ref[indices, ...] /= updates``."""
    return scatter("Div", ref, indices, updates, use_locking, name)


def scatter_min(ref: Any, indices: Any, updates: Any, use_locking: bool = False,
                name: str | None = None) -> Any:
    """``tf.scatter_min``: ``ref[indices, ...] = min(ref[indices, ...], updates)``."""
    return scatter("Min", ref, indices, updates, use_locking, name)


def scatter_max(ref: Any, indices: Any, updates: Any, use_locking: bool = False,
                name: str | None = None) -> Any:
    """``tf.scatter_max``: ``ref[indices, ...] = max(ref[indices, ...], updates)``."""
    return scatter("Max", ref, indices, updates, use_locking, name)


EXPORTS = {"": ["scatter_update", "scatter_add", "scatter_sub", "scatter_mul", "scatter_div",
                "scatter_min", "scatter_max"]}
