"""Optimizer update ops: fused numpy kernels that update variable buffers in place.

Each update formula backs two ops, as in TensorFlow: ``ResourceApply*`` on resource
variables and ``Apply*`` on TF1 ref variables (which outputs the ref, as TF's). Each
follows TensorFlow's kernel formula (tensorflow/core/kernels/training_ops.cc) on the
variable's own buffer, obtained through ``Var.mutable()`` (copy-on-write: a buffer someone
else still references is copied first, so fetched values are never corrupted). Kernels use
``out=`` ufuncs and at most one full-size scratch array (two for Adadelta and FTRL); the
order of the scalar factors may differ from Eigen's, which changes results by rounding only.

``ResourceSparseApply*`` and ``SparseApply*`` ops update the rows named by ``indices``: the
touched rows are gathered, updated by the dense formula and written back. Duplicate
indices are applied one after another in index order, as TF's sparse kernels do, by
splitting the indices into rounds of distinct rows. TensorFlow's OpDefs for the ops
outside ``ops.pbtxt`` load from ``ops_training_extra.pbtxt``; the scatter updates that
optimizers also emit live in ops/state/scatter_ops.py. No update op is differentiable.
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from ...graph import dtypes, errors
from ...graph.tensor_shape import TensorShape
from ..framework import shape_fns
from ..framework.declare import declare, load_op_defs
from ..math.math_ops import _quiet
from ..runtime.parallel import for_each_chunk, rows_per_chunk
from ..state.state_ops import handle_shape, variable_of


load_op_defs("ops_training_extra.pbtxt")  # TensorFlow's OpDefs for ops outside ops.pbtxt


# -- shape inference -------------------------------------------------------------------------

_RESOURCE_ENUM = dtypes.resource.as_datatype_enum


def _is_state(arg) -> bool:
    """Whether an OpDef input is a variable the op updates (resource handle or ref)."""
    return arg.is_ref or arg.type == _RESOURCE_ENUM


def _state_shape(t) -> TensorShape:
    return handle_shape(t) if t.dtype.base_dtype == dtypes.resource else t.shape


def _apply_shape(op) -> list[TensorShape]:
    """TF's Apply*ShapeFn: state shapes merge with grad (sparse: with grad's trailing dims,
    and indices is a vector as long as grad); every other input is a scalar."""
    args = op.op_def.input_arg
    names = [a.name for a in args]
    shape = shape_fns.UNKNOWN
    for arg, t in zip(args, op.inputs):
        if _is_state(arg):
            shape = shape.merge_with(_state_shape(t))
    grad_pos = names.index("grad" if "grad" in names else "delta")
    grad = op.inputs[grad_pos].shape
    if "indices" in names:
        indices = op.inputs[names.index("indices")].shape.with_rank(1)
        if grad.rank is not None:
            if grad.rank == 0:
                raise ValueError("Shape must be at least rank 1 but is rank 0")
            indices.merge_with(TensorShape(grad.dims[:1]))
            grad = TensorShape([None] + grad.dims[1:])
    shape = shape.merge_with(grad)
    for arg, t in zip(args, op.inputs):
        name = arg.name
        if not _is_state(arg) and name not in ("grad", "delta", "indices"):
            try:
                t.shape.with_rank(0)
            except ValueError:
                raise ValueError(f"Shape must be rank 0 but is rank {t.shape.rank} for "
                                 f"input '{name}'") from None
    return [shape] * len(op.outputs)


# -- dense update formulas (states are updated in place) -------------------------------------

def _gradient_descent(var, alpha, delta):
    """var -= delta * alpha."""
    np.subtract(var, np.multiply(delta, alpha), out=var)


def _momentum(var, accum, lr, grad, momentum, use_nesterov=False):
    """accum = accum * momentum + grad; var -= accum * lr (Nesterov: grad * lr +
    accum * momentum * lr)."""
    np.multiply(accum, momentum, out=accum)
    np.add(accum, grad, out=accum)
    tmp = np.multiply(accum, lr, out=np.empty_like(var))
    if use_nesterov:
        tmp *= momentum
        np.subtract(var, tmp, out=var)
        np.multiply(grad, lr, out=tmp)
    np.subtract(var, tmp, out=var)


def _adam(var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad,
          use_nesterov=False):
    """m += (grad - m)(1 - b1); v += (grad^2 - v)(1 - b2);
    var -= m * lr * sqrt(1 - b2^t) / (1 - b1^t) / (sqrt(v) + eps)."""
    alpha = lr * np.sqrt(1 - beta2_power) / (1 - beta1_power)
    tmp = np.subtract(grad, m, out=np.empty_like(var))
    tmp *= 1 - beta1
    m += tmp
    np.square(grad, out=tmp)
    tmp -= v
    tmp *= 1 - beta2
    v += tmp
    np.sqrt(v, out=tmp)
    tmp += epsilon
    if use_nesterov:
        np.divide(np.multiply(grad, 1 - beta1) + beta1 * m, tmp, out=tmp)
    else:
        np.divide(m, tmp, out=tmp)
    tmp *= alpha
    np.subtract(var, tmp, out=var)


def _adagrad(var, accum, lr, grad, update_slots=True):
    """accum += grad^2 (if update_slots); var -= lr * grad / sqrt(accum)."""
    tmp = np.empty_like(var)
    if update_slots:
        np.square(grad, out=tmp)
        accum += tmp
    np.sqrt(accum, out=tmp)
    np.divide(grad, tmp, out=tmp)
    tmp *= lr
    np.subtract(var, tmp, out=var)


def _rms_prop(var, ms, mom, lr, rho, momentum, epsilon, grad):
    """ms += (grad^2 - ms)(1 - rho); mom = mom * momentum + lr * grad / sqrt(ms + eps);
    var -= mom."""
    tmp = np.square(grad, out=np.empty_like(var))
    tmp -= ms
    tmp *= 1 - rho
    ms += tmp
    np.add(ms, epsilon, out=tmp)
    _scaled_step(var, mom, lr, momentum, grad, tmp)


def _centered_rms_prop(var, mg, ms, mom, lr, rho, momentum, epsilon, grad):
    """RMSProp with the mean gradient mg subtracted: denominator sqrt(ms - mg^2 + eps)."""
    tmp = np.square(grad, out=np.empty_like(var))
    tmp -= ms
    tmp *= 1 - rho
    ms += tmp
    np.subtract(grad, mg, out=tmp)
    tmp *= 1 - rho
    mg += tmp
    np.square(mg, out=tmp)
    np.subtract(ms, tmp, out=tmp)
    tmp += epsilon
    _scaled_step(var, mom, lr, momentum, grad, tmp)


def _scaled_step(var, mom, lr, momentum, grad, denom_sq):
    """mom = mom * momentum + lr * grad / sqrt(denom_sq); var -= mom (reuses denom_sq)."""
    np.sqrt(denom_sq, out=denom_sq)
    np.divide(grad, denom_sq, out=denom_sq)
    denom_sq *= lr
    np.multiply(mom, momentum, out=mom)
    mom += denom_sq
    np.subtract(var, mom, out=var)


def _adadelta(var, accum, accum_update, lr, rho, epsilon, grad):
    """accum = rho accum + (1 - rho) grad^2; update = sqrt(accum_update + eps) /
    sqrt(accum + eps) * grad; var -= lr update; accum_update = rho au + (1 - rho) update^2."""
    update = np.square(grad, out=np.empty_like(var))
    update *= 1 - rho
    np.multiply(accum, rho, out=accum)
    accum += update
    np.add(accum_update, epsilon, out=update)
    np.sqrt(update, out=update)
    scratch = np.add(accum, epsilon)
    np.sqrt(scratch, out=scratch)
    update /= scratch
    update *= grad
    np.multiply(update, lr, out=scratch)
    np.subtract(var, scratch, out=var)
    np.square(update, out=update)
    update *= 1 - rho
    np.multiply(accum_update, rho, out=accum_update)
    accum_update += update


def _ftrl(var, accum, linear, grad, lr, l1, l2, lr_power, multiply_linear_by_lr=False,
          select=True):
    """FTRL-proximal (McMahan et al. 2013): see ``_ftrl_step``; the linear term uses grad."""
    _ftrl_step(var, accum, linear, grad, grad, lr, l1, l2, lr_power, multiply_linear_by_lr,
               select)


def _ftrl_v2(var, accum, linear, grad, lr, l1, l2, l2_shrinkage, lr_power,
             multiply_linear_by_lr=False, select=True):
    """FTRL with L2 shrinkage: the linear term uses grad + 2 l2_shrinkage var."""
    shrunk = np.multiply(var, 2 * l2_shrinkage)
    shrunk += grad
    _ftrl_step(var, accum, linear, grad, shrunk, lr, l1, l2, lr_power, multiply_linear_by_lr,
               select)


@_quiet  # TF's kernels give NaN silently (e.g. 0 / 0 for a zero accumulator)
def _ftrl_step(var, accum, linear, grad, grad_s, lr, l1, l2, lr_power, by_lr, select):
    """new = accum + grad^2; linear += grad_s - (new^-p - accum^-p) / lr * var;
    var = (sign(linear) l1 - linear) / (new^-p / lr + 2 l2) where |linear| > l1, else 0.

    ``by_lr`` (multiply_linear_by_lr) keeps linear scaled by lr: lr multiplies grad_s, l1
    and l2 instead of dividing the accumulator terms. TF's dense kernels select 0 inside
    the l1 ball; its sparse ones (``select=False``) divide 0 by the denominator, which
    is NaN where that is 0 (zero accumulator and gradient, no l2).
    """
    def power(a, out):
        return np.sqrt(a, out=out) if lr_power == -0.5 else np.power(a, -lr_power, out=out)
    sigma = power(accum, np.empty_like(var))
    denom = np.square(grad, out=np.empty_like(var))
    accum += denom
    power(accum, denom)                            # new^-p, the denominator's first term
    np.subtract(denom, sigma, out=sigma)
    if by_lr:
        sigma *= var
        np.multiply(grad_s, lr, out=var)           # var is free once sigma holds its term
        np.subtract(var, sigma, out=sigma)
    else:
        sigma /= lr
        sigma *= var
        np.subtract(grad_s, sigma, out=sigma)
    linear += sigma
    threshold = l1 * lr if by_lr else l1
    inside = np.logical_not(np.abs(linear, out=var) > threshold)
    np.sign(linear, out=var)
    var *= threshold
    var -= linear
    var[inside] = 0                                # TF's sparse clamp: 0 inside the l1 ball
    if by_lr:
        denom += 2 * l2 * lr
    else:
        denom /= lr
        denom += 2 * l2
    var /= denom
    if select:
        var[inside] = 0


# -- kernels ---------------------------------------------------------------------------------

def _scalar(value, name: str) -> np.ndarray:
    """A scalar hyperparameter (TF also accepts the legacy shape [1])."""
    value = np.asarray(value)
    if value.ndim > 1 or value.size != 1:
        raise errors.invalid_argument(f"{name} is not a scalar: {errors.shape_str(value.shape)}")
    return value.reshape(())


class _Layout:
    """Where an update op's states, scalars, gradient and indices sit among its inputs."""

    def __init__(self, op):
        args = op.op_def.input_arg
        self.names = [a.name for a in args]
        self.states = [i for i, a in enumerate(args) if _is_state(a)]
        self.grad = self.names.index("grad" if "grad" in self.names else "delta")
        self.indices = self.names.index("indices") if "indices" in self.names else None
        self.scalars = [i for i in range(len(args))
                        if i not in self.states and i not in (self.grad, self.indices)]

    def buffers(self, ctx, args) -> list[np.ndarray]:
        """The state variables' private buffers (copy-on-write), checked for equal shapes."""
        bufs = [variable_of(ctx, args[i]).mutable() for i in self.states]
        for i, buf in zip(self.states[1:], bufs[1:]):
            if buf.shape != bufs[0].shape:
                raise errors.invalid_argument(
                    f"var and {self.names[i]} do not have the same shape"
                    f"{errors.shape_str(bufs[0].shape)} {errors.shape_str(buf.shape)}")
        return bufs

    def arguments(self, bufs: list, args, grad) -> list:
        """The update formula's positional arguments in OpDef order."""
        out = list(args)
        for i, buf in zip(self.states, bufs):
            out[i] = buf
        for i in self.scalars:
            out[i] = _scalar(args[i], self.names[i])
        out[self.grad] = grad
        if self.indices is not None:
            del out[self.indices]
        return out


def _bound(update: Callable, op) -> Callable:
    attrs = {k: op.attrs[k] for k in ("use_nesterov", "update_slots", "multiply_linear_by_lr")
             if k in op.attrs}
    return (lambda *a: update(*a, **attrs)) if attrs else update


def _dense_kernel(update: Callable, check: Callable | None = None) -> Callable:
    """make_kernel for a dense update: states in place, returns the ref for Apply* ops.
    ``check(layout, args, attrs)``, if given, validates inputs as the op's TF kernel does."""
    def make(op, ctx):
        layout, fn = _Layout(op), _bound(update, op)
        returns_ref = bool(op.outputs)

        def kernel(*args):
            bufs = layout.buffers(ctx, args)
            grad = np.asarray(args[layout.grad])
            if grad.shape != bufs[0].shape:
                raise errors.invalid_argument(
                    f"var and {layout.names[layout.grad]} do not have the same "
                    f"shape{errors.shape_str(bufs[0].shape)} {errors.shape_str(grad.shape)}")
            if check is not None:
                check(layout, args, op.attrs)
            _apply_in_chunks(fn, layout, bufs, args, grad)
            return args[0] if returns_ref else None
        return kernel
    return make


def _apply_in_chunks(fn: Callable, layout: _Layout, bufs: list, args, grad) -> None:
    """Applies an elementwise dense update over cache-sized flat chunks, in parallel:
    each formula's several passes then run in cache instead of memory."""
    if not all(buf.flags.c_contiguous for buf in bufs):
        fn(*layout.arguments(bufs, args, grad))
        return
    full = layout.arguments([buf.reshape(-1) for buf in bufs], args, grad.reshape(-1))
    split = layout.states + [layout.grad]
    per_item = bufs[0].itemsize * (len(split) + 1)

    def chunk(lo, hi):
        part = list(full)
        for i in split:
            part[i] = full[i][lo:hi]
        fn(*part)
    for_each_chunk(bufs[0].size, rows_per_chunk(per_item), chunk)


def _rounds(indices: np.ndarray) -> list:
    """Positions of ``indices`` split into rounds of distinct rows, each in index order.

    Applying the rounds in turn equals TF's sequential loop over indices; without
    duplicates there is one round covering everything.
    """
    n = indices.size
    if n < 2:
        return [slice(None)]
    order = np.argsort(indices, kind="stable")
    ranked = indices[order]
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.not_equal(ranked[1:], ranked[:-1], out=starts[1:])
    if starts.all():
        return [slice(None)]
    positions = np.arange(n)
    rank_sorted = positions - np.maximum.accumulate(np.where(starts, positions, 0))
    rank = np.empty(n, dtype=np.intp)
    rank[order] = rank_sorted
    return [np.flatnonzero(rank == r) for r in range(int(rank_sorted.max()) + 1)]


def _check_sparse(var: np.ndarray, grad: np.ndarray, indices: np.ndarray) -> None:
    """TF's SparseApply* input checks."""
    if var.ndim < 1:
        raise errors.invalid_argument("var must be at least 1 dimensional")
    if indices.ndim != 1:
        raise errors.invalid_argument("indices must be one-dimensional")
    for d in range(1, var.ndim):
        if grad.ndim <= d or var.shape[d] != grad.shape[d]:
            raise errors.invalid_argument(f"var and grad must match in dimension {d}")
    if grad.ndim != var.ndim:
        raise errors.invalid_argument(
            f"var and grad do not have the same rank: {errors.shape_str(var.shape)} "
            f"{errors.shape_str(grad.shape)}")
    if grad.shape[0] != indices.shape[0]:
        raise errors.invalid_argument(
            "grad must be the same size as indices in the first dimension.")
    bad = np.flatnonzero((indices < 0) | (indices >= var.shape[0]))
    if bad.size:
        raise errors.invalid_argument(
            f"Index {indices[bad[0]]} at offset {bad[0]} in indices is out of range")


def _sparse_kernel(update: Callable, check: Callable | None = None) -> Callable:
    """make_kernel for a (Resource)SparseApply* op: the dense formula on the touched rows;
    ``check`` as for ``_dense_kernel``. Returns the ref for the ref-variable ops."""
    def make(op, ctx):
        layout, fn = _Layout(op), _bound(update, op)
        returns_ref = bool(op.outputs)

        def kernel(*args):
            bufs = layout.buffers(ctx, args)
            if check is not None:
                check(layout, args, op.attrs)
            grad = np.asarray(args[layout.grad])
            indices = np.asarray(args[layout.indices])
            _check_sparse(bufs[0], grad, indices)
            for pos in _rounds(indices):
                rows = indices[pos]
                touched = [buf[rows] for buf in bufs]
                fn(*layout.arguments(touched, args, grad[pos]))
                for buf, values in zip(bufs, touched):
                    buf[rows] = values
            return args[0] if returns_ref else None
        return kernel
    return make


# TF's names for the FTRL hyperparameters in its error messages.
_FTRL_LABELS = {"l1": "l1 regularization strength", "l2": "l2 regularization strength",
                "l2_shrinkage": "l2 shrinkage regularization strength"}


def _non_negative(value, attrs) -> bool:
    return value >= 0


# What TF's SparseApplyFtrl requires of each hyperparameter, and how it words it.
_FTRL_SPARSE_RANGES = {
    "lr": ("a positive scalar (or zero if multiply_linear_by_lr is set)",
           lambda value, attrs: value > 0 or (attrs["multiply_linear_by_lr"] and value == 0)),
    "l1": ("a non-negative scalar", _non_negative),
    "l2": ("a non-negative scalar", _non_negative),
    "l2_shrinkage": ("a non-negative scalar", _non_negative),
    "lr_power": ("a non-positive scalar", lambda value, attrs: value <= 0),
}


def _check_ftrl_dense(layout: _Layout, args, attrs) -> None:
    """TF's ApplyFtrl checks: every hyperparameter is a scalar (shape [1] is not)."""
    for i in layout.scalars:
        shape = np.shape(args[i])
        if shape:
            name = layout.names[i]
            sep = "" if name == "lr_power" else ": "    # TF's lr_power message has none
            raise errors.invalid_argument(
                f"{_FTRL_LABELS.get(name, name)} is not a scalar{sep}{errors.shape_str(shape)}")


def _check_ftrl_sparse(layout: _Layout, args, attrs) -> None:
    """TF's SparseApplyFtrl checks: every hyperparameter is a scalar in its range."""
    for i in layout.scalars:
        name = layout.names[i]
        value = np.asarray(args[i])
        requirement, holds = _FTRL_SPARSE_RANGES[name]
        if value.ndim or not holds(value, attrs):
            raise errors.invalid_argument(f"{_FTRL_LABELS.get(name, name)} is not {requirement}: "
                                          f"{errors.shape_str(value.shape)}")


# Each formula backs the resource op (``ResourceApply<name>``) and the ref one (``Apply<name>``).
_DENSE = {
    "GradientDescent": _gradient_descent,
    "Momentum": _momentum,
    "Adam": _adam,
    "Adagrad": _adagrad,
    "RMSProp": _rms_prop,
    "CenteredRMSProp": _centered_rms_prop,
    "Adadelta": _adadelta,
}
_SPARSE = {
    "Momentum": _momentum,
    "Adagrad": _adagrad,
    "RMSProp": _rms_prop,
    "CenteredRMSProp": _centered_rms_prop,
    "Adadelta": _adadelta,
}
for _prefix in ("Resource", ""):
    for _name, _update in _DENSE.items():
        declare(f"{_prefix}Apply{_name}", shape=_apply_shape,
                make_kernel=_dense_kernel(_update), not_differentiable=True)
    for _name, _update in _SPARSE.items():
        declare(f"{_prefix}SparseApply{_name}", shape=_apply_shape,
                make_kernel=_sparse_kernel(_update), not_differentiable=True)
for _version, _update in (("", _ftrl), ("V2", _ftrl_v2)):
    _sparse_update = functools.partial(_update, select=False)
    for _prefix in ("Resource", ""):
        declare(f"{_prefix}ApplyFtrl{_version}", shape=_apply_shape,
                make_kernel=_dense_kernel(_update, _check_ftrl_dense), not_differentiable=True)
        declare(f"{_prefix}SparseApplyFtrl{_version}", shape=_apply_shape,
                make_kernel=_sparse_kernel(_sparse_update, _check_ftrl_sparse),
                not_differentiable=True)
