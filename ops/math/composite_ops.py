"""Common TF1 functions built from existing ops (no op types of their own).

``tf.assign*``, ``tf.nn.embedding_lookup``, ``tf.nn.conv2d_transpose``, ``tf.nn.xw_plus_b``,
``tf.tensordot``, ``tf.eye``, ``tf.norm``, ``tf.count_nonzero``, ``tf.sequence_mask``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import get_default_graph, name_scope
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ..array import array_ops
from . import math_ops, matmul_ops, reduction_ops
from ..array.indexing_ops import gather
from ..state.variables import Variable


def _update(kind: str, ref: Any, value: Any, name: str | None, **attrs) -> Any:
    if isinstance(ref, Variable):
        method = {"Assign": ref.assign, "AssignAdd": ref.assign_add,
                  "AssignSub": ref.assign_sub}[kind]
        return method(value, name=name)
    if isinstance(ref, Tensor) and ref.dtype.is_ref_dtype:
        return apply_op(kind, [ref, value], {k: v for k, v in attrs.items() if v is not None},
                        name=name)
    raise TypeError(f"tf.{kind.lower()} needs a variable (or a ref tensor), got {ref!r}")


def assign(ref, value, validate_shape: bool | None = None, use_locking: bool | None = None,
           name: str | None = None):
    """``tf.assign``: stores ``value`` in the variable ``ref``."""
    return _update("Assign", ref, value, name, validate_shape=validate_shape,
                   use_locking=use_locking)


def assign_add(ref, value, use_locking: bool | None = None, name: str | None = None):
    return _update("AssignAdd", ref, value, name, use_locking=use_locking)


def assign_sub(ref, value, use_locking: bool | None = None, name: str | None = None):
    return _update("AssignSub", ref, value, name, use_locking=use_locking)


def embedding_lookup(params, ids, partition_strategy: str = "mod", name: str | None = None,
                     validate_indices: bool = True, max_norm: float | None = None) -> Tensor:
    """Rows ``ids`` of ``params`` (one tensor or variable; sharded lists need one shard)."""
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise NotImplementedError("embedding_lookup over several shards is not supported; "
                                      "pass a single tensor or variable")
        params = params[0]
    with name_scope(name, "embedding_lookup", [ids]) as scope:
        result = gather(params, ids)
        if max_norm is not None:
            norms = math_ops.sqrt(reduction_ops.reduce_sum(math_ops.square(result), -1,
                                                           keepdims=True))
            scale = math_ops.minimum(math_ops.div_no_nan(
                convert_to_tensor(max_norm, dtype=result.dtype), norms),
                convert_to_tensor(1.0, dtype=result.dtype))
            result = math_ops.multiply(result, scale)
        return array_ops.identity(result, name=scope)


def conv2d_transpose(value, filter=None, output_shape=None, strides=None,  # noqa: A002
                     padding: str = "SAME", data_format: str = "NHWC", name: str | None = None,
                     input=None, filters=None, dilations=None) -> Tensor:  # noqa: A002
    """``tf.nn.conv2d_transpose``: the gradient of conv2d w.r.t. its input (TF builds it so)."""
    value = input if value is None else value
    filter = filters if filter is None else filter
    with name_scope(name, "conv2d_transpose", [value, filter]) as scope:
        from ..nn.conv_ops import conv2d_backprop_input
        return conv2d_backprop_input(output_shape, filter, value, strides, padding,
                                     data_format=data_format,
                                     dilations=dilations or [1, 1, 1, 1], name=scope)


def xw_plus_b(x, weights, biases, name: str | None = None) -> Tensor:
    from ..nn.bias_ops import bias_add
    with name_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        return bias_add(matmul_ops.matmul(x, weights), biases, name=scope)


def tensordot(a, b, axes, name: str | None = None) -> Tensor:
    """Contracts ``axes`` of a with those of b (static ranks): transposes + one matmul."""
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    if a.shape.rank is None or b.shape.rank is None:
        raise ValueError("tensordot needs inputs of known rank")
    if isinstance(axes, (int, np.integer)):
        a_axes = list(range(a.shape.rank - int(axes), a.shape.rank))
        b_axes = list(range(int(axes)))
    else:
        a_axes, b_axes = ([int(x) for x in np.ravel(v)] for v in axes)
    a_axes = [x % a.shape.rank for x in a_axes]
    b_axes = [x % b.shape.rank for x in b_axes]
    a_free = [i for i in range(a.shape.rank) if i not in a_axes]
    b_free = [i for i in range(b.shape.rank) if i not in b_axes]

    def dims(shape_t: Tensor, indices: list) -> Tensor:
        return gather(shape_t, np.array(indices, np.int32))
    with name_scope(name, "Tensordot", [a, b]) as scope:
        a_shape, b_shape = array_ops.shape(a), array_ops.shape(b)
        a2 = array_ops.reshape(array_ops.transpose(a, a_free + a_axes),
                               array_ops.stack([reduction_ops.reduce_prod(dims(a_shape, a_free)),
                                                reduction_ops.reduce_prod(dims(a_shape, a_axes))]))
        b2 = array_ops.reshape(array_ops.transpose(b, b_axes + b_free),
                               array_ops.stack([reduction_ops.reduce_prod(dims(b_shape, b_axes)),
                                                reduction_ops.reduce_prod(dims(b_shape, b_free))]))
        product = matmul_ops.matmul(a2, b2)
        out_shape = array_ops.concat([dims(a_shape, a_free), dims(b_shape, b_free)], 0)
        result = array_ops.reshape(product, out_shape, name=scope)
        static = [a.shape[i] for i in a_free] + [b.shape[i] for i in b_free]
        result.set_shape(static)
        return result


def eye(num_rows: int, num_columns: int | None = None, batch_shape: Any = None,
        dtype=dtypes.float32, name: str | None = None) -> Tensor:
    """An identity matrix (batched when ``batch_shape`` is given), as a constant."""
    matrix = np.eye(num_rows, num_columns if num_columns is not None else num_rows)
    if batch_shape is not None:
        matrix = np.broadcast_to(matrix, list(batch_shape) + list(matrix.shape))
    return constant(matrix, dtype=dtype, name=name or "eye")


def norm(tensor, ord: Any = "euclidean", axis: Any = None, keepdims: bool | None = None,
         name: str | None = None, keep_dims: bool | None = None) -> Tensor:  # noqa: A002
    """Vector norms (``euclidean``/2, 1, ``np.inf``) over ``axis`` (default: all)."""
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "norm", [tensor]) as scope:
        x = convert_to_tensor(tensor)
        if ord in ("euclidean", 2, 2.0, "fro"):
            result = math_ops.sqrt(reduction_ops.reduce_sum(math_ops.square(x), axis,
                                                            keepdims=keep))
        elif ord == 1:
            result = reduction_ops.reduce_sum(math_ops.abs(x), axis, keepdims=keep)
        elif ord == np.inf:
            result = reduction_ops.reduce_max(math_ops.abs(x), axis, keepdims=keep)
        else:
            raise ValueError(f"'ord' must be a supported vector norm, got {ord!r}")
        return array_ops.identity(result, name=scope)


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64,
                  name: str | None = None, reduction_indices=None, keep_dims=None,
                  input=None) -> Tensor:  # noqa: A002
    x = convert_to_tensor(input if input_tensor is None else input_tensor)
    with name_scope(name, "count_nonzero", [x]):
        zero = convert_to_tensor(np.zeros((), x.dtype.base_dtype.np_dtype))
        nonzero = math_ops.cast(math_ops.not_equal(x, zero), dtypes.int64)
        counts = reduction_ops.reduce_sum(nonzero, axis, keepdims, None, reduction_indices,
                                          keep_dims)
        return math_ops.cast(counts, dtype)


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool_, name: str | None = None) -> Tensor:
    """``mask[i, j] = j < lengths[i]`` with ``maxlen`` columns (default: max(lengths))."""
    with name_scope(name, "SequenceMask", [lengths]):
        lengths = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = reduction_ops.reduce_max(lengths)
        maxlen = math_ops.cast(convert_to_tensor(maxlen), lengths.dtype)
        row = array_ops.range_(0, maxlen, 1, dtype=lengths.dtype)
        mask = math_ops.less(row, array_ops.expand_dims(lengths, -1))
        return mask if dtypes.as_dtype(dtype) == dtypes.bool_ else math_ops.cast(mask, dtype)


def tuple_(tensors, name: str | None = None, control_inputs=None) -> list:
    """``tf.tuple``: the tensors, each available only after all of them are computed."""
    tensors = [convert_to_tensor(t) if t is not None and not isinstance(t, Tensor) else t
               for t in tensors]
    present = [t for t in tensors if t is not None]
    if not present:
        return list(tensors)
    graph = present[0].graph
    with name_scope(name, "tuple", present):
        gate = [t.op for t in present] + list(control_inputs or [])
        with graph.control_dependencies(gate):
            return [array_ops.identity(t) if t is not None else None for t in tensors]


def case(pred_fn_pairs, default=None, exclusive: bool = False, strict: bool = False,
         name: str = "case"):
    """``tf.case``: the first pair whose predicate holds, else ``default`` (nested conds)."""
    from ..control_flow.control_flow_ops import cond
    pairs = list(pred_fn_pairs.items() if isinstance(pred_fn_pairs, dict) else pred_fn_pairs)
    if not pairs:
        raise ValueError("pred_fn_pairs must not be empty")
    if default is None:  # as TF: the last pair's function serves as the default
        *pairs, (_, default) = pairs
    with name_scope(name, "case", [p for p, _ in pairs]):
        if exclusive and len(pairs) > 1:
            count = math_ops.add_n([math_ops.cast(p, dtypes.int32) for p, _ in pairs])
            from ..debug.logging_ops import Assert
            check = Assert(math_ops.less_equal(count, 1),
                           ["Input error: exclusive=True and more than 1 conditions evaluated "
                            "as True:", count])
            with get_default_graph().control_dependencies([check]):
                pairs = [(array_ops.identity(p), fn) for p, fn in pairs]
        result = default
        for pred, fn in reversed(pairs):
            result = _bind_cond(cond, pred, fn, result, strict)
        return result() if callable(result) else result


def _bind_cond(cond, pred, fn, otherwise, strict: bool):
    """A callable building ``cond(pred, fn, otherwise)`` (so conds nest lazily)."""
    return lambda: cond(pred, fn, otherwise, strict=strict)


def unique(x, out_idx=dtypes.int32, name: str | None = None) -> list:
    """``tf.unique``: (y, idx) with y the unique values in order of first occurrence."""
    return apply_op("Unique", [x], {"out_idx": out_idx}, name=name)


def segment_sum(data, segment_ids, name: str | None = None) -> Tensor:
    """``tf.math.segment_sum`` for sorted ids: an UnsortedSegmentSum over max(id)+1 rows."""
    with name_scope(name, "SegmentSum", [data, segment_ids]) as scope:
        ids = convert_to_tensor(segment_ids)
        rows = math_ops.add(reduction_ops.reduce_max(ids), constant(1, dtype=ids.dtype))
        return apply_op("UnsortedSegmentSum", [data, ids, rows], name=scope)


def diag(diagonal, name: str | None = None) -> Tensor:
    """``tf.diag`` of a vector: the square matrix with it on the diagonal."""
    with name_scope(name, "Diag", [diagonal]) as scope:
        d = convert_to_tensor(diagonal)
        n = array_ops.size(d)
        eye_ = math_ops.cast(math_ops.equal(array_ops.expand_dims(array_ops.range_(0, n), 1),
                                            array_ops.range_(0, n)), d.dtype)
        return math_ops.multiply(eye_, array_ops.expand_dims(d, 0), name=scope)


def trace(x, name: str | None = None) -> Tensor:
    """``tf.linalg.trace``: the sum of the main diagonal of the last two dimensions."""
    with name_scope(name, "Trace", [x]) as scope:
        x = convert_to_tensor(x)
        rows, cols = array_ops.shape(x)[-2], array_ops.shape(x)[-1]
        mask = math_ops.cast(math_ops.equal(array_ops.expand_dims(array_ops.range_(0, rows), 1),
                                            array_ops.range_(0, cols)), x.dtype)
        return reduction_ops.reduce_sum(math_ops.multiply(x, mask), [-2, -1], name=scope)


EXPORTS = {
    "": ["assign", "assign_add", "assign_sub", "tensordot", "eye", "norm", "count_nonzero",
         "sequence_mask", "tuple", "case", "unique", "segment_sum", "diag", "trace"],
    "nn": ["embedding_lookup", "conv2d_transpose", "xw_plus_b"],
    "math": ["count_nonzero", "segment_sum", "unique"],
}
