"""``tf.compat.v1.test.compute_gradient``: symbolic vs finite-difference Jacobians.

The theoretical Jacobian comes from ``gradients()`` with one-hot ``grad_ys``; the
numerical one from central differences. Both are ``[x_size, y_size]`` as in TF.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..graph.autodiff.gradients_impl import gradients
from ..graph.indexed_slices import IndexedSlices
from ..ops.array import array_ops
from .session import Session


def _session(graph) -> Session:
    from ..graph.graph import get_default_session
    sess = get_default_session()
    if sess is not None and sess.graph is graph:
        return sess
    return Session(graph=graph)


def _theoretical(sess, x, x_shape, x_value, dy_t, grad, y_shape, feed) -> np.ndarray:
    x_size = int(np.prod(x_shape))
    y_size = int(np.prod(y_shape))
    jac = np.zeros((x_size, y_size), dtype=np.float64)
    if grad is None:
        return jac
    dy = np.zeros(y_shape, dtype=dy_t.dtype.np_dtype)
    for j in range(y_size):
        dy.flat[j] = 1
        g = sess.run(grad, {**feed, x: x_value, dy_t: dy})
        jac[:, j] = np.ravel(g)
        dy.flat[j] = 0
    return jac


def _numerical(sess, x, x_shape, x_value, y, y_shape, delta, feed) -> np.ndarray:
    x_size = int(np.prod(x_shape))
    y_size = int(np.prod(y_shape))
    jac = np.zeros((x_size, y_size), dtype=np.float64)
    xv = np.array(x_value, copy=True)
    for i in range(x_size):
        orig = xv.flat[i]
        xv.flat[i] = orig + delta
        y_pos = np.asarray(sess.run(y, {**feed, x: xv}), dtype=np.float64)
        xv.flat[i] = orig - delta
        y_neg = np.asarray(sess.run(y, {**feed, x: xv}), dtype=np.float64)
        xv.flat[i] = orig
        jac[i, :] = np.ravel(y_pos - y_neg) / (2 * delta)
    return jac


def compute_gradient(x: Any, x_shape: Any, y: Any, y_shape: Sequence[int],
                     x_init_value: Any = None, delta: float = 1e-3,
                     init_targets: Any = None, extra_feed_dict: dict | None = None):
    """(theoretical, numerical) Jacobians of ``y`` w.r.t. ``x`` (or a list of xs)."""
    xs = x if isinstance(x, (list, tuple)) else [x]
    shapes = x_shape if isinstance(x, (list, tuple)) else [x_shape]
    inits = x_init_value if isinstance(x, (list, tuple)) else [x_init_value]
    if inits is None:
        inits = [None] * len(xs)
    graph = y.graph
    sess = _session(graph)
    if init_targets is not None:
        sess.run(init_targets)
    feed = dict(extra_feed_dict or {})
    with graph.as_default():
        dy_t = array_ops.placeholder(y.dtype.base_dtype, shape=list(y_shape))
        grads = gradients(y, list(xs), grad_ys=dy_t)
    results = []
    for xi, shape_i, init, grad in zip(xs, shapes, inits, grads):
        if isinstance(grad, IndexedSlices):
            with graph.as_default():
                grad = grad.to_dense()
        np_dtype = xi.dtype.base_dtype.np_dtype
        value = np.asarray(init, dtype=np_dtype) if init is not None else \
            np.random.random_sample(shape_i).astype(np_dtype)
        others = {xo: (np.asarray(io, dtype=xo.dtype.base_dtype.np_dtype) if io is not None
                       else np.random.random_sample(so).astype(xo.dtype.base_dtype.np_dtype))
                  for xo, so, io in zip(xs, shapes, inits) if xo is not xi}
        f = {**feed, **others}
        theory = _theoretical(sess, xi, shape_i, value, dy_t, grad, list(y_shape), f)
        numeric = _numerical(sess, xi, shape_i, value, y, list(y_shape), delta, f)
        results.append((theory, numeric))
    return results if isinstance(x, (list, tuple)) else results[0]


def compute_gradient_error(x: Any, x_shape: Any, y: Any, y_shape: Sequence[int],
                           x_init_value: Any = None, delta: float = 1e-3,
                           init_targets: Any = None, extra_feed_dict: dict | None = None) -> float:
    """The max absolute difference between theoretical and numerical Jacobians."""
    grads = compute_gradient(x, x_shape, y, y_shape, x_init_value, delta, init_targets,
                             extra_feed_dict)
    if not isinstance(x, (list, tuple)):
        grads = [grads]
    error = 0.0
    for theory, numeric in grads:
        if theory.size or numeric.size:
            error = max(error, float(np.max(np.abs(theory - numeric))))
    return error


EXPORTS = {"test": ["compute_gradient", "compute_gradient_error"]}
