"""TF-exact semantics of the convolution / pooling / batch-norm family beyond the registry
rows: constructors, shape inference, errors, gradient graphs, float32 gradient checks of
FusedBatchNorm (no float64 kernel) and ``tf.layers.batch_normalization``."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph.op_builder import apply_op

from tests.conftest import run as _run
from .specs_nn_conv import np_batch_norm, np_conv

RNG = np.random.default_rng(11)


pytestmark = pytest.mark.usefixtures("graph")     # a fresh default graph for every test


def _op_types(tensors) -> set:
    """Op types in the subgraph feeding ``tensors``."""
    seen, stack = set(), [t.op for t in tensors]
    while stack:
        op = stack.pop()
        if op not in seen:
            seen.add(op)
            stack.extend(t.op for t in op.inputs)
    return {op.type for op in seen}


def _float32_gradient_check(build, values, order=1, delta=1e-2, tol=2e-2):
    """Symbolic vs central-difference gradients of a weighted sum of ``build``'s outputs,
    in float32 (for ops without a float64 kernel)."""
    phs = [tf.placeholder(tf.float32, v.shape) for v in values]
    outs = build(*phs)
    loss = tf.add_n([tf.reduce_sum(tf.constant(RNG.uniform(0.5, 1.5, y.shape.as_list()),
                                               tf.float32) * y) for y in outs])
    grads = tf.gradients(loss, phs)
    if order == 2:
        loss = tf.add_n([tf.reduce_sum(tf.constant(RNG.uniform(0.5, 1.5, v.shape), tf.float32)
                                       * g) for v, g in zip(values, grads)])
        grads = [g if g is not None else tf.zeros_like(p)
                 for g, p in zip(tf.gradients(loss, phs), phs)]
    feed = dict(zip(phs, values))
    with tf.Session() as sess:
        symbolic = sess.run(grads, feed)
        for ph, value, sym in zip(phs, values, symbolic):
            x = value.copy()
            numeric = np.zeros(x.shape)
            for k in range(x.size):
                orig = x.flat[k]
                x.flat[k] = orig + delta
                up = sess.run(loss, {**feed, ph: x})
                x.flat[k] = orig - delta
                down = sess.run(loss, {**feed, ph: x})
                x.flat[k] = orig
                numeric.flat[k] = (np.float64(up) - np.float64(down)) / (2 * delta)
            np.testing.assert_allclose(sym, numeric, rtol=tol, atol=tol)


# -- constructors -----------------------------------------------------------------------------

def test_conv2d_sequences_explicit_padding_and_filters_alias():
    x = RNG.standard_normal((1, 5, 6, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 2, 3, 4)).astype(np.float32)
    y = tf.nn.conv2d(x, filters=w, strides=2, padding=[[0, 0], [1, 2], [0, 1], [0, 0]],
                     dilations=1)
    attrs = y.op.attrs
    assert (y.op.name, attrs["strides"], attrs["dilations"]) == ("Conv2D", [1, 2, 2, 1],
                                                                 [1, 1, 1, 1])
    assert (attrs["padding"], attrs["explicit_paddings"]) == ("EXPLICIT",
                                                              [0, 0, 1, 2, 0, 1, 0, 0])
    cfg = ((2, 2), ((1, 2), (0, 1)), (1, 1), "NHWC")
    np.testing.assert_allclose(_run(y), np_conv(x, w, cfg), rtol=1e-5, atol=1e-5)
    y2 = tf.nn.conv2d(np.zeros((1, 3, 4, 5), np.float32), np.zeros((1, 1, 3, 2), np.float32),
                      [2, 1], "VALID", data_format="NCHW", use_cudnn_on_gpu=False, name="c")
    assert (y2.op.name, y2.op.attrs["strides"], y2.shape.as_list()) == ("c", [1, 1, 2, 1],
                                                                        [1, 2, 2, 5])
    assert y2.op.attrs["use_cudnn_on_gpu"] is False


def test_conv2d_argument_errors():
    x, w = tf.zeros([1, 4, 4, 2]), tf.zeros([2, 2, 2, 3])
    with pytest.raises(ValueError, match="'EXPLICIT' is not a valid value"):
        tf.nn.conv2d(x, w, 1, "EXPLICIT")
    with pytest.raises(ValueError, match="must be of size 4"):
        tf.nn.conv2d(x, w, 1, [[0, 0], [1, 1]])
    with pytest.raises(ValueError, match="strides should be of length 1, 2 or 4"):
        tf.nn.conv2d(x, w, [1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="Cannot specify both"):
        tf.nn.conv2d(x, w, 1, "SAME", filters=w)
    with pytest.raises(ValueError, match=r"Depth of input \(2\) is not a multiple"):
        tf.nn.conv2d(x, tf.zeros([2, 2, 3, 3]), 1, "SAME")
    with pytest.raises(ValueError, match="Negative dimension size"):
        tf.nn.conv2d(x, tf.zeros([5, 1, 2, 3]), 1, "VALID")


def test_pool_constructors_names_and_sequences():
    x = tf.placeholder(tf.float32, [2, 6, 5, 3])
    p = tf.nn.max_pool(x, 2, 2, "SAME")
    assert (p.op.name, p.op.attrs["ksize"], p.shape.as_list()) == ("MaxPool", [1, 2, 2, 1],
                                                                   [2, 3, 3, 3])
    assert tf.nn.max_pool(x, [3, 2], [1, 2], "VALID", name="pool1").op.name == "pool1"
    assert tf.nn.max_pool2d(x, 2, 2, "SAME").op.name == "MaxPool2d"
    q = tf.nn.avg_pool2d(input=x, ksize=[2], strides=1, padding="VALID", value=None)
    assert (q.op.type, q.op.name, q.shape.as_list()) == ("AvgPool", "AvgPool", [2, 5, 4, 3])
    nchw = tf.nn.max_pool(tf.zeros([1, 3, 6, 5]), 2, 2, "SAME", data_format="NCHW")
    assert (nchw.op.attrs["ksize"], nchw.shape.as_list()) == ([1, 1, 2, 2], [1, 3, 3, 3])
    explicit = tf.nn.max_pool(x, 2, 2, [[0, 0], [1, 0], [0, 1], [0, 0]])
    assert explicit.shape.as_list() == [2, 3, 3, 3]
    with pytest.raises(ValueError, match="`ksize` cannot be zero"):
        tf.nn.max_pool(x, 0, 1, "SAME")


def test_depthwise_conv2d_rate_uses_dilations_and_matches_reference():
    x = RNG.standard_normal((2, 9, 8, 3)).astype(np.float32)
    w = RNG.standard_normal((3, 2, 3, 2)).astype(np.float32)
    y = tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME", rate=[2, 2])
    assert (y.op.type, y.op.name, y.op.attrs["dilations"]) == ("DepthwiseConv2dNative",
                                                              "depthwise", [1, 2, 2, 1])
    want = np_conv(x, w, ((1, 1), "SAME", (2, 2), "NHWC"), depthwise=True)
    np.testing.assert_allclose(_run(y), want, rtol=1e-5, atol=1e-5)


# -- shapes and errors ------------------------------------------------------------------------

def test_partial_shapes():
    x = tf.placeholder(tf.float32, [None, 5, 6, 3])
    w = tf.placeholder(tf.float32, [3, 2, 3, 4])
    assert tf.nn.conv2d(x, w, 2, "SAME").shape.as_list() == [None, 3, 3, 4]
    unknown = tf.nn.conv2d(tf.placeholder(tf.float32), w, 2, "SAME")
    assert unknown.shape.as_list() == [None, None, None, 4]
    dy = tf.placeholder(tf.float32, [7, 3, 3, 4])
    spatial = tf.nn.conv2d_backprop_input([5, 6], w, dy, [1, 2, 2, 1], "SAME")
    assert spatial.shape.as_list() == [7, 5, 6, 3]
    sizes = tf.placeholder(tf.int32, [4])
    dyn = tf.nn.conv2d_backprop_filter(x, sizes, dy, [1, 2, 2, 1], "SAME")
    assert dyn.shape.as_list() == [None, None, None, None]
    dw = tf.nn.depthwise_conv2d_native(x, tf.zeros([3, 3, 3, 2]), [1, 1, 1, 1], "VALID")
    assert dw.shape.as_list() == [None, 3, 4, 6]
    y, mean, var = tf.nn.fused_batch_norm(tf.placeholder(tf.float32, [None, 4, 4, None]),
                                          tf.zeros([5]), tf.zeros([5]))
    assert (y.shape.as_list(), mean.shape.as_list()) == ([None, 4, 4, 5], [5])
    with pytest.raises(ValueError, match="not compatible"):
        tf.nn.fused_batch_norm(tf.zeros([1, 2, 2, 3]), tf.zeros([5]), tf.zeros([5]))


def test_kernel_errors_are_invalid_argument():
    x = tf.placeholder(tf.float32)
    w = tf.placeholder(tf.float32)
    y = tf.nn.conv2d(x, w, 1, "SAME")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Depth of input \(3\)"):
        _run(y, {x: np.zeros((1, 4, 4, 3)), w: np.zeros((2, 2, 2, 1))})
    bn = tf.nn.fused_batch_norm(x, w, w)[0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="scale must be a vector of size 3"):
        _run(bn, {x: np.zeros((1, 4, 4, 3)), w: np.zeros(2)})


# -- gradients ----------------------------------------------------------------------------

def test_conv2d_gradient_graph_static_and_dynamic():
    w = tf.zeros([3, 3, 2, 4])
    static = tf.gradients(tf.nn.conv2d(tf.zeros([1, 5, 5, 2]), w, 1, "SAME"), w)[0]
    assert static.op.type == "Conv2DBackpropFilter" and static.op.inputs[1].op.type == "Const"
    x = tf.placeholder(tf.float32, [None, 5, 5, 2])
    gx = tf.gradients(tf.nn.conv2d(x, w, 1, "SAME"), x)[0]
    assert gx.op.type == "Conv2DBackpropInput" and gx.op.inputs[0].op.type == "ShapeN"
    assert gx.shape.as_list() == [None, 5, 5, 2]


def test_max_pool_gradient_goes_to_the_first_maximum():
    x = tf.constant(np.array([[1, 3], [3, 2]], np.float32).reshape(1, 2, 2, 1))
    g = tf.gradients(tf.nn.max_pool(x, 2, 2, "VALID"), x)[0]
    np.testing.assert_array_equal(_run(g).ravel(), [0, 1, 0, 0])


def test_max_pool_grad_of_grad_rejects_explicit_padding_as_tf():
    x = tf.placeholder(tf.float32, [1, 4, 4, 1])
    g = tf.gradients(tf.nn.max_pool(x, 2, 2, [[0, 0], [1, 0], [1, 0], [0, 0]]), x)[0]
    with pytest.raises(ValueError, match="padding"):
        tf.gradients(tf.reduce_sum(g * g), x)


def test_avg_pool_grad_grad_is_avg_pool():
    dy = tf.placeholder(tf.float32, [1, 2, 3, 2])
    g = apply_op("AvgPoolGrad", [[1, 4, 5, 2], dy],
                 {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "SAME"})
    gg = tf.gradients(g, dy)[0]
    assert gg.op.type == "AvgPool"


BN_CASES = [("NHWC", True, [2, 3, 4, 5]), ("NCHW", True, [2, 5, 3, 4]),
            ("NCHW", False, [2, 5, 3, 4]), ("NHWC", False, [3, 2, 2, 5])]


def _bn_builder(fmt, training):
    def build(x, scale, offset):
        stats = {} if training else {"mean": tf.constant(np.linspace(-0.3, 0.3, 5), tf.float32),
                                     "variance": tf.constant(np.linspace(0.5, 1.5, 5),
                                                             tf.float32)}
        y = tf.nn.fused_batch_norm(x, scale, offset, data_format=fmt, is_training=training,
                                   **stats)[0]
        return [y * y]     # makes y_backprop depend on x for the second-order check
    return build


@pytest.mark.parametrize("fmt,training,shape", BN_CASES)
def test_fused_batch_norm_gradients(fmt, training, shape):
    values = [RNG.standard_normal(shape).astype(np.float32),
              RNG.uniform(0.5, 1.5, 5).astype(np.float32),
              RNG.uniform(-1, 1, 5).astype(np.float32)]
    _float32_gradient_check(_bn_builder(fmt, training), values)
    _float32_gradient_check(_bn_builder(fmt, training), values, order=2, tol=5e-2)


@pytest.mark.parametrize("fmt,training,shape", BN_CASES[:3])
def test_fused_batch_norm_grad_gradients(fmt, training, shape):
    """FusedBatchNormGradV3's own gradient; in training its statistics come from x."""
    def build(dy, x, scale):
        offset = tf.zeros([5])
        if training:
            _, _, _, mean, var, r3 = apply_op("FusedBatchNormV3", [x, scale, offset, [], []],
                                              {"data_format": fmt})
        else:
            mean = tf.constant(np.linspace(-0.3, 0.3, 5), tf.float32)
            var = tf.constant(np.linspace(0.5, 1.5, 5), tf.float32)
            r3 = tf.constant(0.0)
        outs = apply_op("FusedBatchNormGradV3", [dy, x, scale, mean, var, r3],
                        {"data_format": fmt, "is_training": training})
        return outs[:3]
    values = [RNG.standard_normal(shape).astype(np.float32),
              RNG.standard_normal(shape).astype(np.float32),
              RNG.uniform(0.5, 1.5, 5).astype(np.float32)]
    _float32_gradient_check(build, values, tol=5e-2)


def test_fused_batch_norm_inference_gradient_runs_channels_last():
    x = tf.placeholder(tf.float32, [2, 5, 3, 4])
    y = tf.nn.fused_batch_norm(x, tf.ones([5]), tf.zeros([5]), tf.zeros([5]), tf.ones([5]),
                               data_format="NCHW", is_training=False)[0]
    gx = tf.gradients(y, x)[0]
    assert gx.op.type == "Transpose"
    grad_op = gx.op.inputs[0].op
    assert (grad_op.type, grad_op.attrs["data_format"]) == ("FusedBatchNormGradV3", "NHWC")


# -- fused_batch_norm (TF1) ---------------------------------------------------------------

def test_fused_batch_norm_returns_unbiased_variance_and_running_averages():
    x = RNG.standard_normal((4, 3, 2, 5)).astype(np.float32)
    y, mean, var = tf.nn.fused_batch_norm(x, np.ones(5, np.float32), np.zeros(5, np.float32))
    assert y.op.inputs[3].op.type == "Const" and y.op.inputs[3].shape.as_list() == [0]
    got = _run([y, mean, var])
    np.testing.assert_allclose(got[1], x.mean((0, 1, 2)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], x.var((0, 1, 2), ddof=1), rtol=1e-5)
    np.testing.assert_allclose(got[0], np_batch_norm(x, np.ones(5), np.zeros(5),
                                                     x.mean((0, 1, 2)), x.var((0, 1, 2)),
                                                     1e-3), rtol=1e-4, atol=1e-4)
    old_mean, old_var = np.full(5, 2.0, np.float32), np.full(5, 3.0, np.float32)
    _, m2, v2 = tf.nn.fused_batch_norm(x, np.ones(5, np.float32), np.zeros(5, np.float32),
                                       old_mean, old_var, exponential_avg_factor=0.25)
    m2, v2 = _run([m2, v2])
    np.testing.assert_allclose(m2, 0.75 * old_mean + 0.25 * got[1], rtol=1e-5)
    np.testing.assert_allclose(v2, 0.75 * old_var + 0.25 * got[2], rtol=1e-5)
    with pytest.raises(ValueError, match="Both `mean` and `variance` must be a 1D tensor"):
        tf.nn.fused_batch_norm(x, np.ones(5, np.float32), np.zeros(5, np.float32),
                               is_training=False)


# -- tf.layers.batch_normalization ----------------------------------------------------------

def _moving_values(sess, scope="batch_normalization"):
    names = [f"{scope}/moving_mean:0", f"{scope}/moving_variance:0"]
    by_name = {v.name: v for v in tf.global_variables()}
    return sess.run([by_name[n] for n in names])


def test_batch_normalization_layer_training_updates_moving_averages():
    x_value = RNG.standard_normal((4, 3, 2, 5)).astype(np.float32) * 2 + 1
    x = tf.placeholder(tf.float32, [None, 3, 2, 5])
    y = tf.layers.batch_normalization(x, training=True)
    assert y.op.type == "FusedBatchNormV3" and y.op.name == "batch_normalization/FusedBatchNormV3"
    assert sorted(v.name for v in tf.trainable_variables()) == [
        "batch_normalization/beta:0", "batch_normalization/gamma:0"]
    assert sorted(v.name for v in tf.global_variables()) == [
        "batch_normalization/beta:0", "batch_normalization/gamma:0",
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, _ = sess.run([y, updates], {x: x_value})
        mean, var = _moving_values(sess)
    axes = (0, 1, 2)
    np.testing.assert_allclose(out.mean(axes), 0, atol=1e-5)
    np.testing.assert_allclose(mean, 0.01 * x_value.mean(axes), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(var, 0.99 + 0.01 * x_value.var(axes, ddof=1), rtol=1e-5)


def test_batch_normalization_layer_inference_and_training_tensor():
    x_value = RNG.standard_normal((4, 2, 3, 3)).astype(np.float32) + 3
    x = tf.placeholder(tf.float32, [None, 2, 3, 3])
    training = tf.placeholder_with_default(False, [])
    y = tf.layers.batch_normalization(x, axis=1, training=training, momentum=0.5,
                                      name="bn")
    infer = tf.layers.batch_normalization(x, axis=1, training=False, name="bn", reuse=True)
    assert not [op for op in infer.graph.get_operations()
                if op.name.startswith("bn_1/AssignMovingAvg")]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, _ = sess.run([y, updates], {x: x_value})
        np.testing.assert_allclose(_moving_values(sess, "bn"), [np.zeros(2), np.ones(2)])
        np.testing.assert_allclose(out, x_value / np.sqrt(1 + 1e-3), rtol=1e-5)
        sess.run(updates, {x: x_value, training: True})
        mean, var = _moving_values(sess, "bn")
        np.testing.assert_allclose(mean, 0.5 * x_value.mean((0, 2, 3)), rtol=1e-5)
        want = (x_value - mean.reshape(1, 2, 1, 1)) / np.sqrt(var.reshape(1, 2, 1, 1) + 1e-3)
        np.testing.assert_allclose(sess.run(infer, {x: x_value}), want, rtol=1e-4, atol=1e-5)


def test_batch_normalization_layer_nonfused_uses_biased_variance():
    x_value = RNG.standard_normal((6, 4)).astype(np.float32)
    x = tf.constant(x_value)
    y = tf.layers.batch_normalization(x, training=True, center=False, scale=False)
    assert not tf.trainable_variables()
    gx = tf.gradients(tf.reduce_sum(y * y), x)[0]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out, _, _ = sess.run([y, gx, tf.get_collection(tf.GraphKeys.UPDATE_OPS)])
        mean, var = _moving_values(sess)
    np.testing.assert_allclose(out, (x_value - x_value.mean(0)) / np.sqrt(x_value.var(0) + 1e-3),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(var, 0.99 + 0.01 * x_value.var(0), rtol=1e-5)
    np.testing.assert_allclose(mean, 0.01 * x_value.mean(0), rtol=1e-4, atol=1e-7)


def test_batch_normalization_layer_errors():
    with pytest.raises(ValueError, match="undefined rank"):
        tf.layers.batch_normalization(tf.placeholder(tf.float32))
    with pytest.raises(ValueError, match="undefined `axis` dimension"):
        tf.layers.batch_normalization(tf.placeholder(tf.float32, [2, None]))
    with pytest.raises(NotImplementedError, match="renorm"):
        tf.layers.batch_normalization(tf.zeros([2, 3]), renorm=True)
