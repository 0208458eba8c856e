"""TF's Python-level math functions composed of existing ops (no op types of their own): the
cast family (``tf.to_float`` ... ``tf.to_complex128``, ``tf.saturate_cast``),
``tf.accumulate_n``, ``tf.math.polyval``, ``reciprocal_no_nan``, ``zero_fraction``,
``tf.nn.swish``/``silu``, ``scalar_mul``, ``log_sigmoid``, ``confusion_matrix`` and
``histogram_fixed_width_bins``, built as TF's ``math_ops.py``/``nn_impl.py``/
``confusion_matrix.py``/``histogram_ops.py`` build them.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import as_shape, unknown_shape
from ..array import array_ops, fill_ops, gather_ops
from ..debug import check_ops, logging_ops
from . import clip_ops, math_ops, reduction_ops


def _cast_to(dtype: dtypes.DType, default_name: str) -> Callable:
    """TF1's ``tf.to_<type>(x, name)``: ``tf.cast`` to one dtype, named like TF's op."""
    def fn(x, name: str = default_name) -> Tensor:
        return math_ops.cast(x, dtype, name=name)
    fn.__name__ = f"to_{dtype.name}"
    fn.__doc__ = f"``tf.cast(x, tf.{dtype.name})`` (TF1's deprecated ``{fn.__name__}``)."
    return fn


to_float = _cast_to(dtypes.float32, "ToFloat")
to_double = _cast_to(dtypes.float64, "ToDouble")
to_int32 = _cast_to(dtypes.int32, "ToInt32")
to_int64 = _cast_to(dtypes.int64, "ToInt64")
to_bfloat16 = _cast_to(dtypes.bfloat16, "ToBFloat16")
to_complex64 = _cast_to(dtypes.complex64, "ToComplex64")
to_complex128 = _cast_to(dtypes.complex128, "ToComplex128")


def _limits(dtype: dtypes.DType) -> tuple:
    np_dtype = dtype.np_dtype
    info = np.finfo(np_dtype) if dtype.is_floating else np.iinfo(np_dtype)
    return info.min, info.max


def _saturation_bounds(in_dtype: dtypes.DType, out_dtype: dtypes.DType) -> tuple:
    """TF's clamp bounds: the output range in the input dtype, stepped inwards where
    rounding to the input dtype would land outside it."""
    np_dtype = in_dtype.np_dtype
    (in_min, in_max), (out_min, out_max) = _limits(in_dtype), _limits(out_dtype)
    try:
        promoted = np.promote_types(np_dtype, out_dtype.np_dtype)
    except TypeError:
        promoted = float
    low = np_dtype.type(np.maximum(in_min, out_min))
    if np.array([low, out_min], dtype=promoted)[0] < np.array([low, out_min],
                                                              dtype=promoted)[1]:
        low = np.nextafter(low, np_dtype.type(0), dtype=np_dtype)
    high = np_dtype.type(np.minimum(float(in_max), float(out_max)))
    if np.array([high, out_max], dtype=promoted)[0] > np.array([high, out_max],
                                                               dtype=promoted)[1]:
        high = np.nextafter(high, np_dtype.type(0), dtype=np_dtype)
    return low, high


def saturate_cast(value, dtype, name: str | None = None) -> Tensor:
    """``tf.saturate_cast``: ``value`` clamped to ``dtype``'s range (ClipByValue "clamp"),
    then cast; a complex value cast to a real dtype keeps its real part."""
    with name_scope(name, "saturate_cast", [value]) as scope:
        value = convert_to_tensor(value, name="value")
        dtype = dtypes.as_dtype(dtype).base_dtype
        in_dtype = value.dtype.base_dtype
        if in_dtype.is_complex:
            if dtype.is_complex:
                return math_ops.cast(value, dtype, name=scope)
            in_dtype = dtypes.float32 if in_dtype == dtypes.complex64 else dtypes.float64
            value = math_ops.cast(value, in_dtype)
        real_out = dtypes.float32 if dtype == dtypes.complex64 else \
            dtypes.float64 if dtype == dtypes.complex128 else dtype
        low, high = _saturation_bounds(in_dtype, real_out)
        value = apply_op("ClipByValue", [value, constant(low, dtype=in_dtype),
                                         constant(high, dtype=in_dtype)], name="clamp")
        return math_ops.cast(value, dtype, name=scope)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name: str | None = None) -> Tensor:
    """``tf.math.accumulate_n``: the sum of same-dtype, same-shape tensors (an AddN, as
    TF 2.21 builds it); ``shape`` and ``tensor_dtype`` are checked, not required."""
    def input_error():
        return ValueError("inputs must be a list of at least one Tensor with the same dtype "
                          "and shape")
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise input_error()
    inputs = [convert_to_tensor(x) for x in inputs]
    if not all(x.dtype == inputs[0].dtype for x in inputs):
        raise input_error()
    merged = as_shape(shape) if shape is not None else unknown_shape()
    for x in inputs:
        merged = merged.merge_with(x.shape)
    if tensor_dtype is not None and tensor_dtype != inputs[0].dtype:
        raise TypeError(f"The `tensor_dtype` argument is {tensor_dtype}, but `input` is of "
                        f"type {inputs[0].dtype}. These must be equal. Try casting the input "
                        "to the desired type.")
    if len(inputs) == 1:
        return inputs[0] if name is None else array_ops.identity(inputs[0], name=name)
    return math_ops.add_n(inputs, name=name)


def polyval(coeffs, x, name: str | None = None) -> Tensor:
    """``tf.math.polyval``: ``coeffs[0] * x**(n-1) + ... + coeffs[n-1]`` (Horner's rule)."""
    if not isinstance(coeffs, list):
        raise ValueError(f"Argument coeffs must be list type. Received type {type(coeffs)}.")
    with name_scope(name, "polyval", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        if not coeffs:
            return fill_ops.zeros_like(x, name=scope)
        coeffs = [convert_to_tensor(c, name=f"coeff_{i}") for i, c in enumerate(coeffs)]
        p = coeffs[0]
        for c in coeffs[1:]:
            p = math_ops.add(c, math_ops.multiply(p, x))
        return p


def reciprocal_no_nan(x, name: str | None = None) -> Tensor:
    """``tf.math.reciprocal_no_nan``: ``1 / x``, 0 where x is 0."""
    with name_scope(name, "reciprocal_no_nan", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        one = constant(1, dtype=x.dtype.base_dtype, name="one")
        return math_ops.div_no_nan(one, x, name=scope)


def zero_fraction(value, name: str | None = None) -> Tensor:
    """``tf.math.zero_fraction``: the fraction of ``value``'s elements that are zero, as a
    float32 scalar (counted in int64)."""
    with name_scope(name, "zero_fraction", [value]):
        value = convert_to_tensor(value, name="value")
        size = array_ops.size(value, out_type=dtypes.int64)
        zero = constant(0, dtype=value.dtype.base_dtype)
        nonzero = reduction_ops.reduce_sum(
            math_ops.cast(math_ops.not_equal(value, zero), dtypes.int64))
        with name_scope(None, "counts_to_fraction"):
            fraction = math_ops.truediv(math_ops.cast(size - nonzero, dtypes.float32),
                                        math_ops.cast(size, dtypes.float32))
        return array_ops.identity(fraction, "fraction")


def swish(features, beta=1.0) -> Tensor:
    """``tf.nn.swish`` / ``tf.nn.silu``: ``features * sigmoid(beta * features)``."""
    features = convert_to_tensor(features, name="features")
    beta = math_ops.cast(convert_to_tensor(beta, name="beta"), features.dtype)
    return math_ops.multiply(features, math_ops.sigmoid(math_ops.multiply(beta, features)))


silu = swish


def scalar_mul(scalar, x, name: str | None = None) -> Tensor:
    """``tf.math.scalar_mul``: ``scalar * x``."""
    return math_ops.multiply(scalar, x, name=name)


def log_sigmoid(x, name: str | None = None) -> Tensor:
    """``tf.math.log_sigmoid``: -softplus(-x), stable for large |x|."""
    with name_scope(name, "LogSigmoid", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return math_ops.negative(math_ops.softplus(-x), name=scope)


def _remove_squeezable_dimensions(labels: Tensor, predictions: Tensor) -> tuple:
    """Squeezes a trailing 1 off whichever of labels/predictions has one more dimension
    (static ranks; TF decides at run time when they are unknown)."""
    lr, pr = labels.shape.rank, predictions.shape.rank
    if lr is None or pr is None:
        return labels, predictions
    if pr - lr == 1 and predictions.shape[-1] in (None, 1):
        predictions = array_ops.squeeze(predictions, [-1])
    elif pr - lr == -1 and labels.shape[-1] in (None, 1):
        labels = array_ops.squeeze(labels, [-1])
    return labels, predictions


def confusion_matrix(labels, predictions, num_classes=None, dtype=dtypes.int32,
                     name: str | None = None, weights=None) -> Tensor:
    """``tf.math.confusion_matrix``: counts (or summed ``weights``) of each (label,
    prediction) pair in a [num_classes, num_classes] matrix, built by ScatterNd after
    asserts that the classes are in range."""
    with name_scope(name, "confusion_matrix", [predictions, labels, num_classes, weights]):
        labels, predictions = _remove_squeezable_dimensions(
            convert_to_tensor(labels, name="labels"),
            convert_to_tensor(predictions, name="predictions"))
        predictions = math_ops.cast(predictions, dtypes.int64)
        labels = math_ops.cast(labels, dtypes.int64)
        labels = logging_ops.with_dependencies([check_ops.assert_non_negative(
            labels, message="`labels` contains negative values")], labels)
        predictions = logging_ops.with_dependencies([check_ops.assert_non_negative(
            predictions, message="`predictions` contains negative values")], predictions)
        if num_classes is None:
            num_classes = math_ops.add(math_ops.maximum(reduction_ops.reduce_max(predictions),
                                                        reduction_ops.reduce_max(labels)),
                                       constant(1, dtype=dtypes.int64))
        else:
            bound = math_ops.cast(num_classes, dtypes.int64)
            labels = logging_ops.with_dependencies([check_ops.assert_less(
                labels, bound, message="`labels` out of bound")], labels)
            predictions = logging_ops.with_dependencies([check_ops.assert_less(
                predictions, bound, message="`predictions` out of bound")], predictions)
        if weights is not None:
            weights = convert_to_tensor(weights, name="weights")
            predictions.shape.assert_is_compatible_with(weights.shape)
            weights = math_ops.cast(weights, dtype)
        shape = array_ops.stack([num_classes, num_classes])
        indices = array_ops.stack([labels, predictions], axis=1)
        values = fill_ops.ones_like(predictions, dtype) if weights is None else weights
        return gather_ops.scatter_nd(indices, values, math_ops.cast(shape, dtypes.int64))


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32,
                               name: str | None = None) -> Tensor:
    """``tf.histogram_fixed_width_bins``: the bin index of each value among ``nbins`` equal
    bins spanning ``value_range`` (values outside go to the first or last bin)."""
    with name_scope(name, "histogram_fixed_width_bins", [values, value_range, nbins]):
        values = convert_to_tensor(values, name="values")
        shape = array_ops.shape(values)
        values = array_ops.reshape(values, [-1])
        value_range = convert_to_tensor(value_range, name="value_range")
        nbins = convert_to_tensor(nbins, dtype=dtypes.int32, name="nbins")
        check = logging_ops.Assert(math_ops.greater(nbins, 0), [f"nbins {nbins} must > 0"])
        nbins = logging_ops.with_dependencies([check], nbins)
        nbins_float = math_ops.cast(nbins, values.dtype)
        scaled = math_ops.truediv(values - value_range[0], value_range[1] - value_range[0],
                                  name="scaled_values")
        indices = math_ops.floor(nbins_float * scaled, name="indices")
        indices = math_ops.cast(clip_ops.clip_by_value(indices, 0, nbins_float - 1), dtype)
        return array_ops.reshape(indices, shape)


_CASTS = ["to_bfloat16", "to_complex128", "to_complex64", "to_double", "to_float", "to_int32",
          "to_int64", "saturate_cast"]
EXPORTS = {
    "": _CASTS + ["accumulate_n", "confusion_matrix", "histogram_fixed_width_bins",
                  "log_sigmoid", "scalar_mul"],
    "math": ["accumulate_n", "confusion_matrix", "log_sigmoid", "polyval",
             "reciprocal_no_nan", "scalar_mul", "zero_fraction"],
    "nn": ["silu", "swish", "zero_fraction"],
}
