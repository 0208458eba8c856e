"""Variable state: resource variables (VarHandleOp/ReadVariableOp/...), TF1 ref variables
(VariableV2/Assign/...) and ``tf.assign``/``assign_add``/``assign_sub`` over either.

A variable's buffer lives in the session's resource manager, keyed by (container,
shared_name), so two sessions on one graph have independent values and graphs naming the
same variable on one server share it. Updates follow TensorFlow's copy-on-write rule: a
buffer is updated in place only when nothing else (a fetched value, a pending read in
the same step) still references it; otherwise the update writes a fresh copy.
"""
from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.op_builder import apply_op
from ...graph.indexed_slices import IndexedSlices
from ...graph.tensor_shape import TensorShape
from ..framework import raw_ops, shape_fns
from ..framework.declare import declare
from .variables import Variable

_RESOURCE_KIND = "_variables"


class Var:
    """One variable's storage: dtype, static shape, and the current numpy buffer."""

    __slots__ = ("name", "dtype", "shape", "value")

    def __init__(self, name: str, dtype: dtypes.DType, shape: TensorShape):
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.value: np.ndarray | None = None

    def read(self) -> np.ndarray:
        value = self.value
        if value is None:
            raise errors.FailedPreconditionError(
                None, None, f"Attempting to use uninitialized value {self.name} (the variable "
                            "was never assigned; run its initializer, e.g. "
                            "tf.global_variables_initializer(), first)")
        return value

    def mutable(self) -> np.ndarray:
        """The buffer, made private first if anything else holds a reference (TF's COW)."""
        value = self.read()
        # References: self.value and the local `value` (+1 for getrefcount's argument).
        if not value.flags.writeable or value.base is not None or sys.getrefcount(value) > 3:
            value = self.value = np.array(value, copy=True)
        return value

    def assign(self, new: Any, validate_shape: bool = True) -> None:
        new = np.asarray(new)
        if new.dtype != self.dtype.np_dtype and self.dtype != dtypes.string:
            new = new.astype(self.dtype.np_dtype)
        if validate_shape and not self.shape.is_compatible_with(new.shape):
            raise errors.InvalidArgumentError(
                None, None, f"Trying to assign to variable {self.name} with shape "
                            f"{self.shape} a value of incompatible shape {list(new.shape)}")
        self.value = new


class ResourceHandle:
    """The value of a resource tensor: where to find the variable, and what it holds."""

    __slots__ = ("container", "name", "dtype", "shape")

    def __init__(self, container: str, name: str, dtype: dtypes.DType, shape: TensorShape):
        self.container = container
        self.name = name
        self.dtype = dtype
        self.shape = shape

    def __repr__(self) -> str:
        return f"ResourceHandle({self.container!r}, {self.name!r})"


def lookup_var(ctx, handle: ResourceHandle, create: bool = False) -> Var | None:
    mgr = ctx.resource_mgr
    key = f"{_RESOURCE_KIND}/{handle.container}"
    if create:
        return mgr.lookup_or_create(key, handle.name,
                                    lambda: Var(handle.name, handle.dtype, handle.shape))
    var = mgr.lookup(key, handle.name)
    if var is None:
        raise errors.FailedPreconditionError(
            None, None, f"Error while reading resource variable {handle.name} from Container: "
                        f"{handle.container or 'localhost'}. This could mean that the variable "
                        "was uninitialized (run its initializer first).")
    return var


def _shared_name(op) -> str:
    return op.attrs.get("shared_name") or op.name


# -- resource variables ------------------------------------------------------------------

def _var_handle_kernel(op, ctx):
    handle = ResourceHandle(op.attrs["container"], _shared_name(op), op.attrs["dtype"],
                            op.attrs["shape"])
    return lambda: handle


declare("VarHandleOp", shape=shape_fns.scalar, make_kernel=_var_handle_kernel,
        not_differentiable=True,
        handle_data=lambda op: [(op.attrs["dtype"], op.attrs["shape"])])


def handle_shape(handle_tensor) -> TensorShape:
    """The variable shape behind a resource tensor: its handle data (carried through
    Identity ops and into function bodies), else found by following Identity ops."""
    if handle_tensor._handle_data is not None:
        return handle_tensor._handle_data[1]
    op = handle_tensor.op
    while op.type in ("Identity",) and op.inputs:
        op = op.inputs[0].op
    if op.type == "VarHandleOp":
        return op.attrs["shape"]
    return shape_fns.UNKNOWN


def _read_kernel(op, ctx):
    def kernel(handle):
        return lookup_var(ctx, handle).read()
    return kernel


declare("ReadVariableOp", shape=lambda op: [handle_shape(op.inputs[0])],
        make_kernel=_read_kernel, grad=lambda op, grad: [grad])


def _assign_kernel(mode: str):
    def make(op, ctx):
        validate = op.attrs.get("validate_shape", True)

        def kernel(handle, value):
            if mode == "assign":
                var = lookup_var(ctx, handle, create=True)
                var.assign(np.array(value, copy=True) if isinstance(value, np.ndarray)
                           and (not value.flags.writeable) else value, validate)
                return None
            var = lookup_var(ctx, handle)
            buf = var.mutable()
            if buf.shape != np.shape(value):
                raise errors.InvalidArgumentError(
                    None, None, f"Cannot update variable {handle.name} with shape "
                                f"{list(buf.shape)} using a Tensor with shape "
                                f"{list(np.shape(value))}, shapes must be equal.")
            if mode == "add":
                np.add(buf, value, out=buf)
            else:
                np.subtract(buf, value, out=buf)
            return None
        return kernel
    return make


declare("AssignVariableOp", shape=shape_fns.unknown, make_kernel=_assign_kernel("assign"),
        not_differentiable=True)
declare("AssignAddVariableOp", shape=shape_fns.unknown, make_kernel=_assign_kernel("add"),
        not_differentiable=True)
declare("AssignSubVariableOp", shape=shape_fns.unknown, make_kernel=_assign_kernel("sub"),
        not_differentiable=True)


def _is_initialized_kernel(op, ctx):
    def kernel(handle):
        var = ctx.resource_mgr.lookup(f"{_RESOURCE_KIND}/{handle.container}", handle.name)
        return np.array(var is not None and var.value is not None)
    return kernel


declare("VarIsInitializedOp", shape=shape_fns.scalar, make_kernel=_is_initialized_kernel,
        not_differentiable=True)


def _resource_gather_shape(op):
    params = handle_shape(op.inputs[0])
    indices = op.inputs[1].shape
    if params.rank is None or indices.rank is None:
        return [shape_fns.UNKNOWN]
    batch = op.attrs["batch_dims"]
    return [TensorShape(indices.dims + params.dims[batch + 1:])]


def _resource_gather_kernel(op, ctx):
    batch_dims = op.attrs["batch_dims"]

    def kernel(handle, indices):
        params = lookup_var(ctx, handle).read()
        if batch_dims:
            raise errors.UnimplementedError(None, None, "ResourceGather with batch_dims > 0")
        indices = np.asarray(indices)
        n = params.shape[0]
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            bad = indices[(indices < 0) | (indices >= n)].ravel()[0]
            raise errors.InvalidArgumentError(
                None, None, f"indices = {bad} is not in [0, {n})")
        return np.take(params, indices, axis=0)
    return kernel


def _ResourceGatherGrad(op, grad):
    handle, indices = op.inputs
    params_shape = handle_shape(handle)
    if params_shape.is_fully_defined():
        dense_shape = params_shape.as_list()
        inner = dense_shape[1:]
    else:
        dense_shape = raw_ops.Shape(input=op.outputs[0])  # best effort for unknown shapes
        inner = None
    size = raw_ops.Size(input=indices)
    values_shape = [-1] + inner if inner is not None else raw_ops.ConcatV2(
        values=[raw_ops.ExpandDims(input=size, dim=0),
                raw_ops.Slice(input=raw_ops.Shape(input=grad), begin=[indices.shape.rank or 1],
                              size=[-1])], axis=0, name="concat")
    values = raw_ops.Reshape(tensor=grad, shape=values_shape)
    flat_indices = raw_ops.Reshape(tensor=indices, shape=[-1])
    return [IndexedSlices(values, flat_indices, dense_shape), None]


declare("ResourceGather", shape=_resource_gather_shape, make_kernel=_resource_gather_kernel,
        grad=_ResourceGatherGrad)


# -- TF1 ref variables -------------------------------------------------------------------

class RefVar:
    """The value of a ``*_ref`` tensor: the variable itself, dereferenced by consumers."""

    __slots__ = ("var",)

    def __init__(self, var: Var):
        self.var = var


def _variable_v2_kernel(op, ctx):
    container = op.attrs["container"]
    name = _shared_name(op)
    var = ctx.resource_mgr.lookup_or_create(
        f"{_RESOURCE_KIND}/{container}", name,
        lambda: Var(name, op.attrs["dtype"], op.attrs["shape"]))
    ref = RefVar(var)
    return lambda: ref


declare("VariableV2", shape=lambda op: [op.attrs["shape"]], make_kernel=_variable_v2_kernel,
        not_differentiable=True)


def _ref_assign_kernel(mode: str):
    def make(op, ctx):
        validate = op.attrs.get("validate_shape", True)

        def kernel(ref, value):
            var = ref.var
            if mode == "assign":
                var.assign(np.array(value, copy=True) if not np.asarray(value).flags.writeable
                           else value, validate)
            else:
                buf = var.mutable()
                (np.add if mode == "add" else np.subtract)(buf, value, out=buf)
            return ref
        return kernel
    return make


def _ref_shape(op):
    return [op.inputs[0].shape.merge_with(op.inputs[1].shape)
            if op.attrs.get("validate_shape", True) else op.inputs[1].shape]


declare("Assign", shape=_ref_shape, make_kernel=_ref_assign_kernel("assign"),
        not_differentiable=True)
declare("AssignAdd", shape=lambda op: [op.inputs[0].shape], make_kernel=_ref_assign_kernel("add"),
        not_differentiable=True)
declare("AssignSub", shape=lambda op: [op.inputs[0].shape], make_kernel=_ref_assign_kernel("sub"),
        not_differentiable=True)


declare("IsVariableInitialized", shape=shape_fns.scalar,
        kernel=lambda ref: np.array(ref.var.value is not None), not_differentiable=True)


def deref(value: Any) -> Any:
    """A ref tensor's current array (consumers of ``*_ref`` tensors that are not ref args)."""
    return value.var.read() if isinstance(value, RefVar) else value


def variable_of(ctx, state: RefVar | ResourceHandle) -> Var:
    """The variable an update op's state input names: a ref's variable, or the one a
    resource handle finds in the session's resource manager."""
    return state.var if isinstance(state, RefVar) else lookup_var(ctx, state)


# -- tf.assign / tf.assign_add / tf.assign_sub ------------------------------------------

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


EXPORTS = {"": ["assign", "assign_add", "assign_sub"]}
