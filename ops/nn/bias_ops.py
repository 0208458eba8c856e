"""BiasAdd and BiasAddGrad (NHWC / NCHW), with TF's kernels (``bias_op.cc``) and
gradients (``nn_grad.py``), and ``tf.nn.bias_add``."""
from __future__ import annotations

import numpy as np

from ...graph import errors
from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import TensorShape
from ..framework import raw_ops, shape_fns
from ..framework.declare import declare
from ..framework.shape_checks import merge_dim, with_rank, with_rank_at_least

EXPORTS: dict[str, list[str]] = {"nn": ["bias_add"]}


# -- BiasAdd / BiasAddGrad ---------------------------------------------------------------

def _channel_axis(data_format: str, rank: int) -> int:
    return 1 if data_format == "NCHW" else rank - 1


def _min_bias_rank(data_format: str) -> int:
    return 3 if data_format == "NCHW" else 2


def _bias_add_shape(op):
    fmt = op.attrs["data_format"]
    value = with_rank_at_least(op.inputs[0].shape, _min_bias_rank(fmt))
    bias = with_rank(op.inputs[1].shape, 1)
    if value.rank is None:
        return [shape_fns.UNKNOWN]
    dims = value.dims
    axis = _channel_axis(fmt, len(dims))
    dims[axis] = merge_dim(dims[axis], bias[0])
    return [TensorShape(dims)]


def _check_at_least_2d(x: np.ndarray) -> None:
    if x.ndim < 2:
        raise errors.invalid_argument(
            f"Input tensor must be at least 2D: {errors.shape_str(x.shape)}")


def _bias_add_kernel(op, ctx):
    fmt = op.attrs["data_format"]

    def kernel(value, bias):
        _check_at_least_2d(value)
        if bias.ndim != 1:
            raise errors.invalid_argument(f"Biases must be 1D: {errors.shape_str(bias.shape)}")
        axis = _channel_axis(fmt, value.ndim)
        if bias.shape[0] != value.shape[axis]:
            raise errors.invalid_argument(
                f"Must provide as many biases as the last dimension of the input tensor: "
                f"{errors.shape_str(bias.shape)} vs. {errors.shape_str(value.shape)}")
        return value + bias.reshape((-1,) + (1,) * (value.ndim - 1 - axis))
    return kernel


def _bias_add_grad_shape(op):
    fmt = op.attrs["data_format"]
    x = with_rank_at_least(op.inputs[0].shape, _min_bias_rank(fmt))
    if x.rank is None:
        return [TensorShape([None])]
    return [TensorShape([x[_channel_axis(fmt, x.rank)]])]


def _bias_add_grad_kernel(op, ctx):
    fmt = op.attrs["data_format"]

    def kernel(dy):
        _check_at_least_2d(dy)
        axis = _channel_axis(fmt, dy.ndim)
        acc = np.float32 if dy.dtype == np.float16 else dy.dtype
        summed = np.sum(dy, axis=tuple(a for a in range(dy.ndim) if a != axis), dtype=acc)
        return summed.astype(dy.dtype, copy=False)
    return kernel


def _bias_expanded_shape(x: Tensor, data_format: str):
    """The bias gradient's shape with size-1 dims everywhere but the channel axis."""
    nchw = data_format == "NCHW"
    rank = x.shape.rank
    if rank is not None:
        dims = [1] * rank
        dims[_channel_axis(data_format, rank)] = -1
        return dims
    count = raw_ops.Sub(x=raw_ops.Rank(input=x), y=2 if nchw else 1)
    ones = raw_ops.Fill(dims=raw_ops.Pack(values=[count], name="stack"), value=1)
    return raw_ops.ConcatV2(values=[[1, -1], ones] if nchw else [ones, [-1]], axis=0,
                            name="concat")


def _BiasAddGradGrad(op, grad):
    """TF reshapes the bias gradient to broadcastable rank and tiles it to the input."""
    x = op.inputs[0]
    expanded = raw_ops.Reshape(tensor=grad,
                               shape=_bias_expanded_shape(x, op.attrs["data_format"]))
    target = x.shape.as_list() if x.shape.is_fully_defined() else raw_ops.Shape(input=x)
    return [raw_ops.BroadcastTo(input=expanded, shape=target)]


declare("BiasAdd", shape=_bias_add_shape, make_kernel=_bias_add_kernel,
        grad=lambda op, g: [g, apply_op("BiasAddGrad", [g],
                                        {"data_format": op.attrs["data_format"]})])
declare("BiasAddGrad", shape=_bias_add_grad_shape, make_kernel=_bias_add_grad_kernel,
        grad=_BiasAddGradGrad)


# -- tf.nn.bias_add ----------------------------------------------------------------------

def bias_add(value, bias, data_format: str | None = None, name: str | None = None) -> Tensor:
    """``tf.nn.bias_add``; ``N...C`` formats mean NHWC and ``NC...`` NCHW, as in TF."""
    if data_format is not None:
        if data_format.startswith("NC"):
            data_format = "NCHW"
        elif data_format.startswith("N") and data_format.endswith("C"):
            data_format = "NHWC"
        else:
            raise ValueError(f"`data_format` must be of the form `N...C` or `NC...`. "
                             f"Received: data_format={data_format}")
    with name_scope(name, "BiasAdd", [value, bias]) as scope:
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype.base_dtype, name="bias")
        return apply_op("BiasAdd", [value, bias], {"data_format": data_format or "NHWC"},
                        name=scope)
