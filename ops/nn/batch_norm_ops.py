"""FusedBatchNormV3 and FusedBatchNormGradV3 (NHWC/NCHW, 4-D and 5-D, training and
inference) with TF's gradients (``nn_grad.py``, ``nn_fused_batch_norm_grad.py``), and
``tf.nn.fused_batch_norm``. Kernels are ``kernels/norm``'s numpy functions."""
from __future__ import annotations

from typing import Any

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.autodiff.gradients_impl import gradients
from ...graph.op_builder import apply_op, constant, convert_to_tensor
from ...graph.tensor_shape import Dimension, TensorShape
from ..framework import raw_ops, shape_fns
from .kernel_attrs import declare_bound
from .kernels import norm as norm_kernels

EXPORTS: dict[str, list[str]] = {"nn": ["fused_batch_norm"]}


# -- shapes ------------------------------------------------------------------------------

def _channel_axis(data_format: str) -> tuple[int, int]:
    """(rank, channel axis) of a batch-norm ``data_format``."""
    rank = 5 if "D" in data_format else 4
    return rank, (1 if data_format.startswith("NC") else rank - 1)


def _with_channels(x: TensorShape, data_format: str, params: list) -> tuple[TensorShape, Any]:
    """``x`` (checked for rank) with its channel dim merged with the 1-D ``params``' dims."""
    rank, axis = _channel_axis(data_format)
    dims = x.with_rank(rank).dims
    channels = Dimension(dims[axis])
    for p in params:
        channels = channels.merge_with(p.with_rank(1)[0])
    dims[axis] = channels.value
    return TensorShape(dims), channels.value


def _fused_batch_norm_shape(op) -> list[TensorShape]:
    """TF's FusedBatchNormV3Shape: mean/variance are read (checked) unless training with
    factor 1; ``reserve_space_3`` has an unknown shape."""
    a = op.attrs
    n_params = 3 if a["is_training"] and a["exponential_avg_factor"] == 1.0 else 5
    y, c = _with_channels(op.inputs[0].shape, a["data_format"],
                          [t.shape for t in op.inputs[1:n_params]])
    vector = TensorShape([c])
    return [y, vector, vector, vector, vector, shape_fns.UNKNOWN]


def _fused_batch_norm_grad_shape(op) -> list[TensorShape]:
    x = op.inputs[1].shape.merge_with(op.inputs[0].shape)
    dx, c = _with_channels(x, op.attrs["data_format"], [t.shape for t in op.inputs[2:5]])
    vector = TensorShape([c])
    return [dx, vector, vector, TensorShape([0]), TensorShape([0])]


# -- gradients ---------------------------------------------------------------------------

_TO_CHANNELS_LAST = {"NCHW": [0, 2, 3, 1], "NCDHW": [0, 2, 3, 4, 1]}
_FROM_CHANNELS_LAST = {"NCHW": [0, 3, 1, 2], "NCDHW": [0, 4, 1, 2, 3]}


def _FusedBatchNormV3Grad(op, *grads):
    """TF's ``_BaseFusedBatchNormGrad``: training uses the saved batch statistics;
    inference differentiates in channels-last layout with the population statistics."""
    x, scale = op.inputs[0], op.inputs[1]
    grad_y = grads[0]
    fmt = op.attrs["data_format"]
    attrs = {k: op.attrs[k] for k in ("epsilon", "data_format", "is_training")}
    if op.attrs["is_training"]:
        stats = [op.outputs[3], op.outputs[4]]
    else:
        stats = [op.inputs[3], op.inputs[4]]
        if fmt in _TO_CHANNELS_LAST:
            x = raw_ops.Transpose(x=x, perm=_TO_CHANNELS_LAST[fmt], name="transpose")
            grad_y = raw_ops.Transpose(x=grad_y, perm=_TO_CHANNELS_LAST[fmt], name="transpose")
        attrs["data_format"] = "NDHWC" if "D" in fmt else "NHWC"
    dx, dscale, doffset, _, _ = apply_op(
        "FusedBatchNormGradV3", [grad_y, x, scale, *stats, op.outputs[5]], attrs)
    if not op.attrs["is_training"] and fmt in _FROM_CHANNELS_LAST:
        dx = raw_ops.Transpose(x=dx, perm=_FROM_CHANNELS_LAST[fmt], name="transpose")
    return [dx, dscale, doffset, None, None]


def _batch_norm_grad(grad_y: Tensor, x: Tensor, scale: Tensor, pop_mean: Tensor,
                     pop_var: Tensor, epsilon: float, data_format: str,
                     is_training: bool) -> tuple[Tensor, Tensor, Tensor]:
    """TF's ``_BatchNormGrad``: FusedBatchNormGrad's three outputs from differentiable ops
    (half inputs computed in float32); per-channel vectors are reshaped with -1 where TF
    uses ``size(scale)``."""
    x_dtype = x.dtype.base_dtype
    if x_dtype in (dtypes.float16, dtypes.bfloat16):
        x = raw_ops.Cast(x=x, DstT=dtypes.float32)
        grad_y = raw_ops.Cast(x=grad_y, DstT=dtypes.float32)
    rank, axis = _channel_axis(data_format)
    axes = [i for i in range(rank) if i != axis]
    first = axis == 1
    bshape = [1, -1] + [1] * (rank - 2)
    if is_training:
        if first:
            scale = raw_ops.Reshape(tensor=scale, shape=bshape)
        mean_grad_y = raw_ops.Mean(input=grad_y, reduction_indices=axes, keep_dims=first)
        mean_x = raw_ops.Mean(input=x, reduction_indices=axes, keep_dims=first)
        var_x = raw_ops.Mean(
            input=raw_ops.SquaredDifference(x=x, y=raw_ops.StopGradient(input=mean_x)),
            reduction_indices=axes, keep_dims=first)
        grad_y_offset = grad_y - mean_grad_y
        x_offset = x - mean_x
        mean = raw_ops.Mean(input=grad_y * x_offset, reduction_indices=axes, keep_dims=first)
        grad_x = scale * raw_ops.Rsqrt(x=var_x + epsilon) * (
            grad_y_offset - raw_ops.Reciprocal(x=var_x + epsilon) * mean * x_offset)
        grad_scale = raw_ops.Rsqrt(x=var_x + epsilon) * raw_ops.Sum(
            input=grad_y * x_offset, reduction_indices=axes, keep_dims=first)
        if first:
            grad_scale = raw_ops.Squeeze(input=grad_scale)
    else:
        if first:
            pop_mean, pop_var, scale = (raw_ops.Reshape(tensor=t, shape=bshape)
                                        for t in (pop_mean, pop_var, scale))
        var_rsqrt = raw_ops.Rsqrt(x=pop_var + epsilon)
        grad_scale = raw_ops.Sum(input=grad_y * (x - pop_mean) * var_rsqrt,
                                 reduction_indices=axes)
        grad_x = grad_y * scale * var_rsqrt
    grad_offset = raw_ops.Sum(input=grad_y, reduction_indices=axes)
    if grad_x.dtype.base_dtype != x_dtype:
        grad_x = raw_ops.Cast(x=grad_x, DstT=x_dtype)
    return grad_x, grad_scale, grad_offset


def _FusedBatchNormGradV3Grad(op, *grads):
    """TF's ``_FusedBatchNormGradGrad``: differentiates the composite ``_batch_norm_grad``
    w.r.t. y_backprop, x and scale. TF records the composite on a tape; here it is built on
    Identity copies of the inputs and differentiated w.r.t. those, so paths outside the
    composite (y_backprop usually depends on x) are not counted."""
    grad_y, x, scale = (raw_ops.Identity(input=t) for t in op.inputs[:3])
    outputs = _batch_norm_grad(grad_y, x, scale, op.inputs[3], op.inputs[4],
                               op.attrs["epsilon"], op.attrs["data_format"],
                               op.attrs["is_training"])
    grad_grads = gradients(list(outputs), [grad_y, x, scale], grad_ys=list(grads[:3]))
    return [*grad_grads, None, None, None]


declare_bound("FusedBatchNormV3", norm_kernels.fused_batch_norm, _fused_batch_norm_shape,
              _FusedBatchNormV3Grad)
declare_bound("FusedBatchNormGradV3", norm_kernels.fused_batch_norm_grad,
              _fused_batch_norm_grad_shape, _FusedBatchNormGradV3Grad)


# -- tf.nn.fused_batch_norm ----------------------------------------------------------------

def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon: float = 0.001,
                     data_format: str = "NHWC", is_training: bool = True,
                     name: str | None = None, exponential_avg_factor: float = 1.0):
    """``tf.nn.fused_batch_norm`` (TF1): ``(y, batch_mean, batch_variance)``; in training
    the variance is the unbiased batch variance, and missing mean/variance are empty."""
    if (not is_training or exponential_avg_factor != 1.0) and (mean is None or variance is None):
        raise ValueError(f"Both `mean` and `variance` must be a 1D tensor when `is_training` "
                         f"is False or `exponential_avg_factor` != 1.0. Received: `mean` "
                         f"{mean!r} and `variance` {variance!r}")
    x = convert_to_tensor(x, name="input")
    scale = convert_to_tensor(scale, name="scale")
    offset = convert_to_tensor(offset, name="offset")
    mean = constant([]) if mean is None else mean
    variance = constant([]) if variance is None else variance
    y, batch_mean, batch_var, _, _, _ = apply_op(
        "FusedBatchNormV3", [x, scale, offset, mean, variance],
        {"epsilon": epsilon, "exponential_avg_factor": exponential_avg_factor,
         "data_format": data_format, "is_training": is_training}, name=name)
    return y, batch_mean, batch_var
