"""Fused ops: ``_FusedConv2D`` and ``_FusedMatMul`` (TensorFlow's, as its grappler remapper
emits them: the product, then ``fused_ops`` such as BiasAdd and Relu), and
``_FusedMaxPoolGradReluGrad``, a sessionflow-internal op (its OpDef in
``ops_nn_extra.pbtxt`` says so): ReluGrad(MaxPoolGrad(...)) masked by the pool's input.

sessionflow's plan remapper (``session/executor/remapper``) runs chains of plan steps as
these op types; a ``_FusedConv2D``/``_FusedMatMul`` node in an imported GraphDef runs the
same kernels. They exist only after gradients were built, so they are not differentiable.
The epilogue (bias add or batch norm, then the activation) runs in place on each
cache-sized piece of the product's fresh output: two full passes over memory and two
allocations less than the unfused ops.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ...graph import errors, op_registry
from ...graph.tensor_shape import TensorShape
from ..framework.declare import declare
from ..runtime.parallel import for_each_chunk, rows_per_chunk
from .activation_ops import activation_in_place, relu_grad
from .kernel_attrs import kernel_factory
from .kernels import conv as conv_kernels, pool as pool_kernels
from .pool_ops import kept_winners
from ..framework.shape_checks import merge_dim, with_rank

_CONV2D = kernel_factory("Conv2D", conv_kernels.conv2d)
# What the first of ``fused_ops`` adds to the product, with the number of ``args`` it reads.
_NUM_ARGS = {"BiasAdd": 1, "FusedBatchNorm": 4}


# -- the epilogue -------------------------------------------------------------------------

def _channel_epilogue(steps: Sequence[tuple[np.ufunc, np.ndarray]],
                      activation: Callable[[np.ndarray], None] | None
                      ) -> Callable[[np.ndarray], None]:
    """In place on a fresh product ``y`` (channels last): ``y = ufunc(y, vector)`` for each
    step along the channel axis, then ``activation``, by cache-sized chunks of the leading
    axis on the intra-op pool."""
    def epilogue(y: np.ndarray) -> None:
        vectors = [np.asarray(v, dtype=y.dtype) for _, v in steps]
        if y.ndim >= 3 and y.flags.c_contiguous:
            # NHWC: rows of W*C values and the vectors tiled W times, so numpy's inner loop
            # runs over W*C elements instead of C (several times faster for small C)
            vectors = [np.tile(v, y.shape[-2]) for v in vectors]
            y = y.reshape(-1, y.shape[-2] * y.shape[-1])

        def chunk(lo, hi):
            part = y[lo:hi]
            for (ufunc, _), v in zip(steps, vectors):
                ufunc(part, v, out=part)
            if activation is not None:
                activation(part)
        if y.shape[0]:
            for_each_chunk(y.shape[0], rows_per_chunk(y[:1].nbytes), chunk)
    return epilogue


def bias_relu_epilogue(bias) -> Callable[[np.ndarray], None]:
    """The epilogue of ``fused_ops = ["BiasAdd", "Relu"]``: ``y = max(y + bias, 0)`` in place."""
    return _channel_epilogue([(np.add, bias)], activation_in_place("Relu", 0.0))


def _epilogue_factory(op) -> Callable[[int, Sequence[np.ndarray]], Callable]:
    """From the op's ``fused_ops`` (checked once per plan): ``(channels, args) -> epilogue``,
    which checks the per-channel ``args`` against the product's channel count."""
    fused = list(op.attrs["fused_ops"])
    first, rest = (fused[0], fused[1:]) if fused else (None, [])
    activation = activation_in_place(rest[0], op.attrs["leakyrelu_alpha"]) if rest else None
    if first not in _NUM_ARGS or len(rest) > 1 or (rest and activation is None):
        raise errors.UnimplementedError(None, None, f"{op.type} with fused_ops {fused} is not "
                                                    f"supported by sessionflow")
    if op.attrs["num_args"] != _NUM_ARGS[first]:
        raise errors.invalid_argument(f"{op.type}: fused_ops {fused} take {_NUM_ARGS[first]} "
                                      f"args, got num_args={op.attrs['num_args']}")
    epsilon = op.attrs["epsilon"]

    def make(channels: int, args: Sequence[np.ndarray]) -> Callable:
        for a in args:
            if np.shape(a) != (channels,):
                raise errors.invalid_argument(
                    f"{op.type}: each of fused_ops {fused}'s args must be a vector of the "
                    f"{channels} output channels, got shape {errors.shape_str(np.shape(a))}")
        if first == "BiasAdd":
            return _channel_epilogue([(np.add, args[0])], activation)
        scale, offset, mean, variance = (np.asarray(a) for a in args)
        # TF's fused batch norm: (y - mean) * (scale * rsqrt(variance + epsilon)) + offset
        factor = scale / np.sqrt(variance + np.asarray(epsilon, dtype=variance.dtype))
        return _channel_epilogue([(np.subtract, mean), (np.multiply, factor),
                                  (np.add, offset)], activation)
    return make


# -- _FusedConv2D and _FusedMatMul --------------------------------------------------------

class _Product:
    """The product (Conv2D / MatMul) inside a fused op: the fused op's first two inputs and
    its attrs, all that the product's own shape function and kernel factory read."""

    def __init__(self, op):
        self.inputs = op.inputs[:2]
        self.attrs = op.attrs


def _fused_shape(product_type: str) -> Callable:
    """The product's output shape, its channels merged with the vector ``args``'."""
    def shape_fn(op) -> list[TensorShape]:
        out = op_registry.SHAPE_FNS[product_type](_Product(op))[0]
        channel_axis = 1 if op.attrs.get("data_format") == "NCHW" else -1
        if out.rank is None:
            return [out]
        dims = out.as_list()
        for arg in op.inputs[2:2 + op.attrs["num_args"]]:
            dims[channel_axis] = merge_dim(dims[channel_axis], with_rank(arg.shape, 1)[0])
        return [TensorShape(dims)]
    return shape_fn


def _fused_conv2d_kernel(op, ctx) -> Callable:
    """Conv2D with the epilogue run on each piece of its output while it is in cache."""
    if op.attrs["filter_format"] != "HWIO":
        raise errors.UnimplementedError(None, None, f"{op.type}: filter_format "
                                                    f"{op.attrs['filter_format']} is not "
                                                    f"supported by sessionflow")
    conv = _CONV2D(op, ctx)
    epilogue_for = _epilogue_factory(op)
    num_args = op.attrs["num_args"]

    def kernel(x, w, *args):
        return conv(x, w, epilogue=epilogue_for(np.shape(w)[-1], args[:num_args]))
    return kernel


def _fused_matmul_kernel(op, ctx) -> Callable:
    """MatMul's own kernel, then the epilogue in place on its fresh output."""
    matmul = op_registry.KERNELS["MatMul"](_Product(op), ctx)
    epilogue_for = _epilogue_factory(op)

    def kernel(a, b, *args):
        y = matmul(a, b)
        epilogue_for(y.shape[-1], args)(y)
        return y
    return kernel


declare("_FusedConv2D", shape=_fused_shape("Conv2D"), make_kernel=_fused_conv2d_kernel,
        not_differentiable=True)
declare("_FusedMatMul", shape=_fused_shape("MatMul"), make_kernel=_fused_matmul_kernel,
        not_differentiable=True)


# -- _FusedMaxPoolGradReluGrad (sessionflow-internal) -------------------------------------

def _fused_max_pool_relu_grad_kernel(op, ctx) -> Callable:
    """``ReluGrad(MaxPoolGrad(orig_input, orig_output, grad), orig_input)``.  With the
    forward's kept winners, a window's winner holds its maximum, so the Relu mask is
    ``orig_output > 0`` and is applied to the pooled gradient before routing (a pass and a
    full-size intermediate less); otherwise (no winners kept, a non-finite gradient) the
    two kernels run one after the other."""
    scan = kernel_factory("MaxPoolGrad", pool_kernels.max_pool_grad)(op, ctx)
    from_winners = kernel_factory("MaxPoolGrad", pool_kernels.max_pool_grad_from_winners)(op, ctx)

    def kernel(orig_input, orig_output, grad):
        winners = kept_winners(orig_input, orig_output)
        if winners is not None:
            masked = relu_grad(np.asarray(grad), np.asarray(orig_output))
            dx = from_winners(winners, masked)
            if dx is not None:
                return dx
        return relu_grad(scan(orig_input, orig_output, grad), orig_input)
    return kernel


declare("_FusedMaxPoolGradReluGrad", shape=lambda op: [op.inputs[0].shape.with_rank(4)],
        make_kernel=_fused_max_pool_relu_grad_kernel, not_differentiable=True)
