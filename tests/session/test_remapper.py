"""The plan remapper: Conv2D/MatMul + bias add + Relu chains run as one step of TF's fused
op types (MaxPoolGrad + ReluGrad as a sessionflow-internal one) with the unfused values,
and chains that must stay visible are left alone."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as sf
from sessionflow.ops.nn import pool_ops
from sessionflow.session.executor import remapper
from sessionflow.session.executor.plan import prune

RNG = np.random.default_rng(3)


def _fused_types(sess, fetches, feeds) -> list[str]:
    """Types of the fused steps in the plan ``sess.run(fetches, feeds)`` uses."""
    sess.run(fetches, feeds)
    sig = list(sess._signatures.values())[-1]
    return [op.type for op, _ in sig.plan._step_ops.values()
            if isinstance(op, remapper.FusedNode)]


def _conv_net(bias_op: str, batch=None):
    x = sf.placeholder(sf.float32, [batch, 9, 8, 2])
    w = sf.Variable(RNG.standard_normal((3, 3, 2, 5)).astype(np.float32))
    b = sf.Variable(RNG.standard_normal(5).astype(np.float32))
    conv = sf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
    pre = sf.nn.bias_add(conv, b) if bias_op == "BiasAdd" else \
        (conv + b if bias_op == "Add" else b + conv)
    return x, w, b, conv, pre, sf.nn.relu(pre)


@pytest.mark.parametrize("bias_op", ["BiasAdd", "Add", "AddReversed"])
def test_fused_conv_matches_unfused_values_and_gradients(bias_op):
    xv = RNG.standard_normal((4, 9, 8, 2)).astype(np.float32)
    with sf.Graph().as_default():
        x, w, b, conv, pre, y = _conv_net(bias_op)
        loss = sf.reduce_sum(y * y)
        grads = sf.gradients(loss, [x, w, b])
        with sf.Session() as sess:
            sess.run(sf.global_variables_initializer())
            assert _fused_types(sess, [y] + grads, {x: xv}) == ["_FusedConv2D"]
            fused = sess.run([y] + grads, {x: xv})
            # fetching the pre-activation keeps the chain unfused: the reference values
            assert _fused_types(sess, [y, pre] + grads, {x: xv}) == []
            plain = sess.run([y] + grads, {x: xv})
    for a, b_ in zip(fused, plain):
        np.testing.assert_allclose(a, b_, rtol=1e-5, atol=1e-5)


def test_fused_matmul_dense_layer():
    xv = RNG.standard_normal((6, 7)).astype(np.float32)
    wv = RNG.standard_normal((7, 3)).astype(np.float32)
    bv = RNG.standard_normal(3).astype(np.float32)
    with sf.Graph().as_default():
        x = sf.placeholder(sf.float32, [None, 7])
        y = sf.nn.relu(sf.matmul(x, sf.constant(wv)) + sf.constant(bv))
        with sf.Session() as sess:
            assert _fused_types(sess, y, {x: xv}) == ["_FusedMatMul"]
            got = sess.run(y, {x: xv})
    np.testing.assert_allclose(got, np.maximum(xv @ wv + bv, 0), rtol=1e-5, atol=1e-6)


def test_not_fused_when_product_feeds_another_op_or_is_nchw_or_scalar_bias():
    xv = RNG.standard_normal((2, 9, 8, 2)).astype(np.float32)
    with sf.Graph().as_default():
        x, w, b, conv, pre, y = _conv_net("Add")
        other = sf.reduce_sum(conv)                  # the product has a second user
        with sf.Session() as sess:
            sess.run(sf.global_variables_initializer())
            assert _fused_types(sess, [y, other], {x: xv}) == []
            assert _fused_types(sess, y, {x: xv}) == ["_FusedConv2D"]
    with sf.Graph().as_default():
        x = sf.placeholder(sf.float32, [2, 9, 8, 2])
        w = sf.constant(RNG.standard_normal((3, 3, 2, 5)).astype(np.float32))
        y = sf.nn.relu(sf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + 1.0)     # scalar bias
        with sf.Session() as sess:
            assert _fused_types(sess, y, {x: xv}) == []


def test_nan_and_negative_infinity_as_unfused():
    xv = RNG.standard_normal((2, 5)).astype(np.float32)
    xv[0, 0] = np.nan
    with sf.Graph().as_default():
        x = sf.placeholder(sf.float32, [None, 5])
        w = sf.constant(np.eye(5, dtype=np.float32))
        b = sf.constant(np.array([0, -np.inf, 1, 2, 3], np.float32))
        y = sf.nn.relu(sf.matmul(x, w) + b)
        with sf.Session() as sess:
            got = sess.run(y, {x: xv})
    assert np.isnan(got[0]).all()                    # NaN * 0 is NaN: the whole row
    assert got[1, 1] == 0 and got[1, 2] == max(xv[1, 2] + 1, 0)


def test_fused_step_errors_name_the_convolution():
    with sf.Graph().as_default():
        x = sf.placeholder(sf.float32, [None, None, None, 2])
        w = sf.constant(RNG.standard_normal((3, 3, 2, 5)).astype(np.float32))
        b = sf.constant(np.zeros(5, np.float32))
        y = sf.nn.relu(sf.nn.conv2d(x, w, [1, 1, 1, 1], "VALID", name="my_conv") + b)
        with sf.Session() as sess:
            with pytest.raises(sf.errors.InvalidArgumentError, match="my_conv") as info:
                sess.run(y, {x: np.zeros((1, 2, 2, 2), np.float32)})
    assert info.value.op.name == "my_conv" and info.value.op.type == "Conv2D"


def test_remap_keeps_topological_order_with_shape_users():
    with sf.Graph().as_default():
        x, w, b, conv, pre, y = _conv_net("Add")
        grads = sf.gradients(sf.reduce_sum(y), [w, b])      # Shape(conv) in the gradient
        fetch_ops = [t.op for t in grads]
        order = remapper.remap(prune(fetch_ops, set()), set(), grads)
    position = {n: i for i, n in enumerate(order)}
    fused = [n for n in order if isinstance(n, remapper.FusedNode)]
    assert len(fused) == 1
    for n in order:
        for t in n._inputs:
            producer = fused[0] if t in fused[0].aliases or t in fused[0]._outputs else t.op
            if producer in position:
                assert position[producer] < position[n]


def test_fused_max_pool_grad_relu_grad_matches_unfused(winner_routings):
    calls = winner_routings
    xv = RNG.standard_normal((3, 8, 6, 4)).astype(np.float32)
    with sf.Graph().as_default():
        x = sf.placeholder(sf.float32, [None, 8, 6, 4])
        h = sf.nn.relu(x * 2.0)
        p = sf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        loss = sf.reduce_sum(p * p)
        dx, = sf.gradients(loss, x)
        pool_grad = [op for op in sf.get_default_graph().get_operations()
                     if op.type == "MaxPoolGrad"][0].outputs[0]
        with sf.Session() as sess:
            assert _fused_types(sess, dx, {x: xv}) == ["_FusedMaxPoolGradReluGrad"]
            fused = sess.run(dx, {x: xv})
            assert calls and not pool_ops._winners       # the kept winners were used
            # fetching the pool gradient keeps the two ops apart: the reference
            assert _fused_types(sess, [dx, pool_grad], {x: xv}) == []
            plain, _ = sess.run([dx, pool_grad], {x: xv})
    np.testing.assert_array_equal(fused, plain)
    hv = np.maximum(xv * 2, 0)
    expect = np.zeros_like(xv)
    for n, i, j, c in np.ndindex(3, 4, 3, 4):          # first maximum of each window
        win = hv[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c]
        a, b = np.unravel_index(np.argmax(win), (2, 2))
        expect[n, 2 * i + a, 2 * j + b, c] = 2 * win.max() * 2 * (win.max() > 0)
    np.testing.assert_allclose(fused, expect, rtol=1e-6)


def test_control_dependency_on_an_inner_op_blocks_fusion():
    xv = RNG.standard_normal((2, 4)).astype(np.float32)
    with sf.Graph().as_default():
        x = sf.placeholder(sf.float32, [None, 4])
        product = sf.matmul(x, sf.constant(np.eye(4, dtype=np.float32)))
        y = sf.nn.relu(product + sf.constant(np.ones(4, np.float32)))
        with sf.control_dependencies([product.op]):
            after = sf.identity(y)
        with sf.Session() as sess:
            assert _fused_types(sess, after, {x: xv}) == []
            assert _fused_types(sess, y, {x: xv}) == ["_FusedMatMul"]
            np.testing.assert_allclose(sess.run(after, {x: xv}), np.maximum(xv + 1, 0))


def test_fused_steps_are_ops_of_their_own_with_tensorflows_attrs():
    with sf.Graph().as_default():
        x, w, b, conv, pre, y = _conv_net("BiasAdd")
        order = remapper.remap(prune([y.op], set()), set(), [y])
    node, = [n for n in order if isinstance(n, remapper.FusedNode)]
    assert node.type == "_FusedConv2D" and node.name == conv.op.name
    assert node.inputs == list(conv.op.inputs) + [pre.op.inputs[1]]
    assert node._outputs == list(y.op.outputs)
    attrs = node.attrs
    assert (attrs["fused_ops"], attrs["num_args"], attrs["epsilon"]) == (["BiasAdd", "Relu"],
                                                                         1, 0.0)
    assert attrs["TArgs"] == [sf.float32] and attrs["T"] == sf.float32
    assert attrs["filter_format"] == "HWIO" and attrs["num_host_args"] == 0
    for name in ("strides", "padding", "explicit_paddings", "data_format", "dilations"):
        assert attrs[name] == conv.op.attrs[name]


def test_matmul_is_not_fused_for_a_dtype_its_fused_op_does_not_allow():
    xv = RNG.standard_normal((2, 4))
    with sf.Graph().as_default():
        x = sf.placeholder(sf.float64, [None, 4])
        y = sf.nn.relu(sf.matmul(x, sf.constant(np.eye(4))) + sf.constant(np.ones(4)))
        with sf.Session() as sess:
            assert _fused_types(sess, y, {x: xv}) == []        # _FusedMatMul: no float64
            np.testing.assert_allclose(sess.run(y, {x: xv}), np.maximum(xv + 1, 0))
