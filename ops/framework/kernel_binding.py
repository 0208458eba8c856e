"""Kernel binding: how any executor turns an op into a callable kernel, and what kernels see.

``bind_kernel`` and ``KernelContext`` live with the op library, below every executor, so
the plan executors in ``session/executor`` and an eager executor reach them alike.  The
context knows nothing about plans: the executor that creates it installs a plan factory,
which ``sub_plan`` (control-flow kernels running function bodies) calls.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from ...graph import errors, op_registry
from ...graph.core import Operation, Tensor
from ...graph.op_builder import is_list_output
from ..state import state_ops

# numpy's floating-point RuntimeWarnings (overflow, divide by zero, invalid value) raised in
# the library's kernels stay silent, as TensorFlow's kernels produce inf/nan without a word
# (tf.debugging.check_numerics is how a program asks). Filtering by module costs nothing
# per call, unlike an errstate around each kernel, and leaves the program's numpy alone.
# The executors count too: a kernel bound to static shapes may be a bare numpy function
# called from their step closures.
warnings.filterwarnings("ignore", category=RuntimeWarning,
                        module=r"sessionflow\.(ops|session\.executor)\.")

# plan_factory(graph, feeds, fetches, targets, ctx) -> a plan with ``run(feed_values)``.
PlanFactory = Callable[[Any, Sequence[Tensor], Sequence[Tensor], Sequence[Operation],
                        "KernelContext"], Any]


class KernelContext:
    """What kernels may bind at plan time: the session's resources and seeds, and the ops
    of the plan being built (``plan_ops``: kernels may specialise on their consumers in
    the same plan, as MaxPool keeps its winners for a MaxPoolGrad).  ``plan_factory``
    builds the plans of ``sub_plan``; the executor creating the context installs it."""

    def __init__(self, resource_mgr: Any = None, session: Any = None,
                 plan_factory: PlanFactory | None = None):
        self.resource_mgr = resource_mgr
        self.session = session
        self.plan_factory = plan_factory
        self.plan_ops: frozenset = frozenset()

    @contextmanager
    def building(self, ops: Sequence[Operation]) -> Iterator[None]:
        """Sets ``plan_ops`` while a plan binds its kernels (nested plans restore it)."""
        outer, self.plan_ops = self.plan_ops, frozenset(ops)
        try:
            yield
        finally:
            self.plan_ops = outer

    def sub_plan(self, graph, feeds: Sequence[Tensor], fetches: Sequence[Tensor],
                 targets: Sequence[Operation] = ()) -> Any:
        """A plan over a function body graph sharing this context (control-flow kernels)."""
        if self.plan_factory is None:
            raise errors.InternalError(
                None, None, "This kernel context has no plan factory, so kernels bound "
                            "with it cannot run function bodies")
        return self.plan_factory(graph, feeds, fetches, targets, self)


def op_error(op: Any, exc: BaseException, input_values: Sequence | None = None,
             error_op: Operation | None = None) -> errors.OpError:
    """Wraps a kernel failure in TF's error class, naming the op, type, input shapes and
    origin; ``error_op`` (default ``op``) is the graph op the error carries as ``.op``
    (executors running a fused step pass the chain's first op)."""
    shapes = ""
    if input_values is not None:
        shapes = ", ".join(str(list(np.shape(v))) if v is not None else "?"
                           for v in input_values)
    where = f"\n\t [[node {op.name} ({op.type}, input shapes: [{shapes}]) defined at " \
            f"{op.where()} ]]"
    graph_op = op if error_op is None else error_op
    if isinstance(exc, errors.OpError):
        msg = exc.message if f"node {op.name} " in exc.message else exc.message + where
        return type(exc)(None, graph_op, msg)
    if isinstance(exc, (ValueError, TypeError, IndexError)):
        detail = str(exc)
    else:
        detail = f"{type(exc).__name__}: {exc}"
    return errors.InvalidArgumentError(None, graph_op, f"{op.type} op '{op.name}' failed: "
                                                       f"{detail}{where}")


def bind_kernel(op: Operation, ctx: KernelContext) -> Callable:
    """The op's kernel bound to its attrs, with ref inputs dereferenced and a one-element
    list output unwrapped (every executor binds kernels this way)."""
    factory = op_registry.KERNELS.get(op._type)
    if factory is None:
        raise errors.NotFoundError(
            None, op, f"No registered kernel for op type '{op._type}' (node {op.name}, "
                      f"defined at {op.where()}).")
    try:
        kernel = factory(op, ctx)
    except errors.OpError as e:
        raise op_error(op, e) from None
    ref_positions = _deref_positions(op)
    if ref_positions:
        kernel = _dereferencing(kernel, ref_positions)
    if len(op._outputs) == 1 and is_list_output(op._op_def):
        kernel = _first_of(kernel)  # list-typed outputs come back as sequences
    return kernel


def _deref_positions(op: Operation) -> tuple:
    """Inputs that receive a ``*_ref`` tensor through a non-ref argument (auto-deref)."""
    if not any(t._dtype.is_ref_dtype for t in op._inputs):
        return ()
    flags = []
    for arg in op._op_def.input_arg:
        if arg.number_attr:
            flags.extend([arg.is_ref] * op._attrs[arg.number_attr])
        elif arg.type_list_attr:
            flags.extend([arg.is_ref] * len(op._attrs[arg.type_list_attr]))
        else:
            flags.append(arg.is_ref)
    return tuple(i for i, (t, is_ref) in enumerate(zip(op._inputs, flags))
                 if t._dtype.is_ref_dtype and not is_ref)


def _first_of(kernel: Callable) -> Callable:
    def first(*args):
        return kernel(*args)[0]
    return first


def _dereferencing(kernel: Callable, positions: tuple) -> Callable:
    def deref_kernel(*args):
        args = list(args)
        for i in positions:
            args[i] = state_ops.deref(args[i])
        return kernel(*args)
    return deref_kernel
