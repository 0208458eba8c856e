"""The kernel-binding seam (ops/framework/kernel_binding.py): sub-plans through the plan
factory the executor installs, and bind_kernel's wrapping of kernels and their errors."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as sf
from sessionflow.graph import errors
from sessionflow.ops.framework.kernel_binding import KernelContext, bind_kernel, op_error
from sessionflow.session.executor import StaticPlan, make_plan


def test_sub_plan_calls_the_installed_factory_with_the_context():
    calls = []
    ctx = KernelContext(plan_factory=lambda *args: calls.append(args) or "plan")
    assert ctx.sub_plan("graph", ["x"], ["y"]) == "plan"
    assert calls == [("graph", ["x"], ["y"], (), ctx)]


def test_sub_plan_without_a_factory_is_an_internal_error():
    with pytest.raises(errors.InternalError, match="no plan factory"):
        KernelContext().sub_plan(None, [], [])


def test_a_sessions_sub_plans_are_made_by_make_plan():
    with sf.Graph().as_default() as g:
        x = sf.placeholder(sf.float32, [2])
        y = x * 2.0
        sess = sf.Session(graph=g)
    assert sess._ctx.plan_factory is make_plan
    plan = sess._ctx.sub_plan(g, [x], [y])
    assert isinstance(plan, StaticPlan)
    np.testing.assert_array_equal(plan.run([np.ones(2, np.float32)])[0], [2.0, 2.0])
    sess.close()


def test_bind_kernel_and_op_error_name_the_op():
    with sf.Graph().as_default():
        x = sf.constant([1.0, 2.0])
        y = x + 1.0
    op = y.op
    kernel = bind_kernel(op, KernelContext())
    np.testing.assert_array_equal(kernel(np.float32([1, 2]), np.float32(1)), [2.0, 3.0])
    error = op_error(op, ValueError("bad"), [np.zeros((2, 3)), None])
    assert isinstance(error, errors.InvalidArgumentError) and error.op is op
    assert f"node {op.name} ({op.type}, input shapes: [[2, 3], ?])" in error.message
    assert op_error(op, ValueError("bad"), error_op=x.op).op is x.op   # as for fused steps
    op_type, op._type = op._type, "NoSuchOpType"
    try:
        with pytest.raises(errors.NotFoundError, match="No registered kernel for op type "
                                                       "'NoSuchOpType'"):
            bind_kernel(op, KernelContext())
    finally:
        op._type = op_type
