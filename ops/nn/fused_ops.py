"""Kernels of the fused steps the plan remapper (``session/executor/remapper``) builds:
Conv2D/MatMul + bias add + Relu and MaxPoolGrad + ReluGrad."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..runtime.parallel import for_each_chunk, rows_per_chunk
from .activation_ops import relu_grad, relu_into
from .kernel_binding import kernel_factory
from .kernels import conv as conv_kernels, pool as pool_kernels
from .pool_ops import kept_winners


def bias_relu_epilogue(bias) -> Callable[[np.ndarray], None]:
    """An in-place ``y = max(y + bias, 0)`` over the last axis of a fresh product ``y``:
    the epilogue of a fused Conv2D/MatMul + bias add + Relu (``session.remapper``), run by
    cache-sized chunks of the leading axis on the intra-op pool."""
    def epilogue(y: np.ndarray) -> None:
        b = np.asarray(bias, dtype=y.dtype)
        if y.ndim >= 3 and y.flags.c_contiguous:
            # NHWC: rows of W*C values and the bias tiled W times, so numpy's inner loop
            # runs over W*C elements instead of C (several times faster for small C)
            b = np.tile(b, y.shape[-2])
            y = y.reshape(-1, b.size)

        def chunk(lo, hi):
            part = y[lo:hi]
            np.add(part, b, out=part)
            relu_into(part, part)
        if y.shape[0]:
            for_each_chunk(y.shape[0], rows_per_chunk(y[:1].nbytes), chunk)
    return epilogue


def fused_conv2d_bias_relu_kernel(op, ctx) -> Callable:
    """Kernel ``(input, filter, bias) -> max(conv2d + bias, 0)`` for a Conv2D op whose bias
    add and Relu the plan fused (``session.remapper``); the epilogue runs on each piece of
    the convolution's output while it is in cache."""
    conv = kernel_factory("Conv2D", conv_kernels.conv2d)(op, ctx)

    def kernel(x, w, bias):
        return conv(x, w, epilogue=bias_relu_epilogue(bias))
    return kernel


def fused_max_pool_relu_grad_kernel(op, ctx) -> Callable:
    """Kernel ``(orig_input, orig_output, grad) -> ReluGrad(MaxPoolGrad(...), orig_input)``
    for a MaxPoolGrad op the plan fused with that ReluGrad (``session.remapper``).  With
    the forward's winners, a window's winner holds its maximum, so the Relu mask is
    ``orig_output > 0`` and is applied to the pooled gradient before routing; otherwise
    (no winners kept, a non-finite gradient) the two kernels run as usual."""
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
