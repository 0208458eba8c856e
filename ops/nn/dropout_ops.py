"""``tf.nn.dropout`` (TF1 signature): a composite of RandomUniform, a comparison and a
select, named as TF names it; it declares no op of its own."""
from __future__ import annotations

import numbers
from typing import Any

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import TensorShape, as_shape
from ..array import array_ops
from ..math import math_ops
from ..framework.deprecation import deprecated_argument_lookup
from ..random.random_ops import get_seed

EXPORTS: dict[str, list[str]] = {"nn": ["dropout"]}


def _noise_shape(x: Tensor, noise_shape):
    """TF's ``_get_noise_shape``: unknown entries of ``noise_shape`` taken from x's shape."""
    if noise_shape is None:
        return array_ops.shape(x)
    if isinstance(noise_shape, Tensor):
        return noise_shape
    try:
        wanted = as_shape(noise_shape)
    except (TypeError, ValueError):
        return noise_shape
    dims = x.shape.dims
    if dims is not None and wanted.rank == len(dims):
        wanted = TensorShape([d if n is None else n for n, d in zip(wanted.dims, dims)])
    if not wanted.is_fully_defined():
        raise ValueError(f"Cannot convert a partially known TensorShape {wanted} to a Tensor.")
    return wanted.as_list()


def _random_uniform(shape, dtype: dtypes.DType, seed: int | None) -> Tensor:
    """``tf.random_uniform(shape, dtype=dtype, seed=seed)`` for [0, 1): one RandomUniform."""
    seed1, seed2 = get_seed(seed)
    with name_scope(None, "random_uniform", [shape]):
        return apply_op("RandomUniform", [shape],
                        {"dtype": dtype, "seed": seed1 or 0, "seed2": seed2 or 0})


def _dropout_scaled(x: Tensor, rate) -> tuple[Tensor, Any]:
    """x / (1 - rate), and ``rate`` as the mask threshold (a float or an x-typed tensor)."""
    if not isinstance(rate, Tensor):
        if not isinstance(rate, numbers.Real):
            raise ValueError(f"`rate` must be a scalar or scalar tensor. Received: rate={rate}")
        return math_ops.multiply(x, convert_to_tensor(1 / (1 - rate), dtype=x.dtype)), rate
    rate.shape.assert_has_rank(0)
    if rate.dtype.base_dtype != x.dtype.base_dtype:
        if not rate.dtype.is_compatible_with(x.dtype):
            raise ValueError(f"`x.dtype` must be compatible with `rate.dtype`. Received: "
                             f"x.dtype={x.dtype.name} and rate.dtype={rate.dtype.name}")
        rate = math_ops.cast(rate, x.dtype, name="rate")
    one = convert_to_tensor(1, dtype=x.dtype)
    return math_ops.realdiv(x, math_ops.subtract(one, rate)), rate


def dropout(x, keep_prob=None, noise_shape=None, seed: int | None = None,
            name: str | None = None, rate=None) -> Tensor:
    """TF1 ``tf.nn.dropout``: zero each element with probability ``rate`` (= 1 - keep_prob)
    and scale the rest by 1 / (1 - rate); ``noise_shape`` shares the mask along axes."""
    try:
        rate_from_keep_prob = 1. - keep_prob if keep_prob is not None else None
    except TypeError:
        raise ValueError(f"`keep_prob` must be a floating point number or Tensor. Received: "
                         f"keep_prob={keep_prob}") from None
    rate = deprecated_argument_lookup("rate", rate, "keep_prob", rate_from_keep_prob)
    if rate is None:
        raise ValueError(f"`rate` must be provided. Received: rate={rate}")
    with name_scope(name, "dropout", [x]):
        is_number = isinstance(rate, numbers.Real)
        if is_number and not 0 <= rate < 1:
            raise ValueError(f"`rate` must be a scalar tensor or a float in the range [0, 1). "
                             f"Received: rate={rate}")
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(f"`x.dtype` must be a floating point tensor as `x` will be "
                             f"scaled. Received: x_dtype={x.dtype.name}")
        if is_number and rate == 0:
            return x
        scaled, threshold = _dropout_scaled(x, rate)
        noise = _random_uniform(_noise_shape(x, noise_shape), x.dtype.base_dtype, seed)
        keep = math_ops.greater_equal(noise, threshold)
        out = math_ops.select_v2(keep, scaled, convert_to_tensor(0, dtype=x.dtype))
        out.set_shape(x.shape)
        return out
