"""Test rows for the fused ops (``_FusedConv2D``, ``_FusedMatMul`` as TF's grappler emits
them, and the sessionflow-internal ``_FusedMaxPoolGradReluGrad``), built by hand with
``apply_op`` and checked against numpy references of the unfused chains. They are not
differentiable (plans fuse only after gradients were built)."""
from __future__ import annotations

import numpy as np

import sessionflow as tf
from sessionflow.graph.op_builder import apply_op

from .op_spec import Arg, OpSpec
from .specs_nn_conv import W, X, conv_args, np_batch_norm, np_conv, np_max_pool_grad

ACTIVATIONS = {"Relu": lambda y: np.maximum(y, 0), "Relu6": lambda y: np.clip(y, 0, 6),
               "Elu": lambda y: np.where(y < 0, np.expm1(y), y),
               "LeakyRelu": lambda y: np.where(y > 0, y, np.float32(0.3) * y),
               None: lambda y: y}


def _fused_matmul(fused_ops, **attrs):
    def build(a, b, *args):
        return apply_op("_FusedMatMul", [a, b, list(args)],
                        {"fused_ops": fused_ops, "num_args": len(args), **attrs})
    return build


def _fused_conv(cfg, fused_ops, **attrs):
    _, kwargs = conv_args(cfg)

    def build(x, w, *args):
        return apply_op("_FusedConv2D", [x, w, list(args), []],
                        {**kwargs, "fused_ops": fused_ops, "num_args": len(args), **attrs})
    return build


def _channel_shape(fmt):
    """The broadcast shape of a per-channel vector in ``fmt``."""
    return [1, -1, 1, 1] if fmt == "NCHW" else [-1]


def _conv_reference(cfg, activation):
    return lambda x, w, bias: ACTIVATIONS[activation](
        np_conv(x, w, cfg) + bias.reshape(_channel_shape(cfg[3])))


def _conv_bn_reference(cfg, activation, eps):
    return lambda x, w, s, o, m, v: ACTIVATIONS[activation](
        np_batch_norm(np_conv(x, w, cfg), s, o, m, v, eps, cfg[3]))


NHWC = ((1, 1), "SAME", (1, 1), "NHWC")
NCHW_STRIDED = ((2, 1), "VALID", (1, 1), "NCHW")
COUT = W[3]
POSITIVE = Arg([COUT], low=0.5, high=2.0)


def _np_max_pool_relu_grad(x, grad):
    return np_max_pool_grad(x, grad, (2, 2), (2, 2), "VALID") * (x > 0)


def _fused_max_pool_relu_grad(x, grad):
    attrs = {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID"}
    return apply_op("_FusedMaxPoolGradReluGrad",
                    [x, tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), grad], attrs)


SPECS: list[OpSpec] = [
    OpSpec("_FusedMatMul", _fused_matmul(["BiasAdd", "Relu"]),
           [Arg([3, 4]), Arg([4, 5]), Arg([5])],
           lambda a, b, bias: np.maximum(a @ b + bias, 0), grad=False),
    OpSpec("_FusedMatMul", _fused_matmul(["BiasAdd"], transpose_b=True),
           [Arg([3, 4]), Arg([5, 4]), Arg([5])], lambda a, b, bias: a @ b.T + bias,
           grad=False, name="_FusedMatMul_bias_transpose_b"),
    OpSpec("_FusedMatMul", _fused_matmul(["BiasAdd", "LeakyRelu"], leakyrelu_alpha=0.3),
           [Arg([3, 4]), Arg([4, 5]), Arg([5])],
           lambda a, b, bias: ACTIVATIONS["LeakyRelu"](a @ b + bias), grad=False,
           name="_FusedMatMul_leaky_relu"),
    OpSpec("_FusedConv2D", _fused_conv(NHWC, ["BiasAdd", "Relu"]),
           [Arg(X), Arg(W), Arg([COUT])], _conv_reference(NHWC, "Relu"), grad=False,
           rtol=1e-4, atol=1e-5),
    OpSpec("_FusedConv2D", _fused_conv(NCHW_STRIDED, ["BiasAdd", "Relu6"]),
           [Arg(conv_args(NCHW_STRIDED)[0]), Arg(W), Arg([COUT])],
           _conv_reference(NCHW_STRIDED, "Relu6"), grad=False, rtol=1e-4, atol=1e-5,
           name="_FusedConv2D_nchw_relu6"),
    OpSpec("_FusedConv2D", _fused_conv(NHWC, ["BiasAdd", "Elu"]),
           [Arg(X), Arg(W), Arg([COUT])], _conv_reference(NHWC, "Elu"), grad=False,
           rtol=1e-4, atol=1e-5, name="_FusedConv2D_elu"),
    OpSpec("_FusedConv2D", _fused_conv(NHWC, ["FusedBatchNorm", "Relu"], epsilon=1e-3),
           [Arg(X), Arg(W), POSITIVE, Arg([COUT]), Arg([COUT]), POSITIVE],
           _conv_bn_reference(NHWC, "Relu", 1e-3), grad=False, rtol=1e-4, atol=1e-5,
           name="_FusedConv2D_batch_norm_relu"),
    OpSpec("_FusedConv2D", _fused_conv(NCHW_STRIDED, ["FusedBatchNorm"], epsilon=1e-3),
           [Arg(conv_args(NCHW_STRIDED)[0]), Arg(W), POSITIVE, Arg([COUT]), Arg([COUT]),
            POSITIVE],
           _conv_bn_reference(NCHW_STRIDED, None, 1e-3), grad=False, rtol=1e-4, atol=1e-5,
           name="_FusedConv2D_nchw_batch_norm"),
    OpSpec("_FusedMaxPoolGradReluGrad", _fused_max_pool_relu_grad,
           [Arg([2, 4, 6, 3]), Arg([2, 2, 3, 3])], _np_max_pool_relu_grad, grad=False),
]

EXEMPT: dict[str, str] = {}
