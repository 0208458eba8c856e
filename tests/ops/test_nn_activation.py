"""TF-exact semantics of the activation / cross-entropy family beyond the registry rows:
error messages, gradient graph structure, the tf.nn composites and tf.losses."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph import op_registry
from sessionflow.graph.op_builder import apply_op

from tests.conftest import run as _run

RNG = np.random.default_rng(7)


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


def _np_log_softmax(x, axis=-1):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


# -- activations ----------------------------------------------------------------------------

def test_activation_values_match_tf_formulas_in_float32():
    x = np.array([[-3.0, -0.5, 0.0, 0.5, 6.0, 7.5]], np.float32)
    out = _run([tf.nn.relu6(x), tf.nn.elu(x), tf.nn.selu(x), tf.nn.leaky_relu(x)])
    scale, scale_alpha = np.float32(1.0507009873554805), np.float32(1.7580993408473769)
    want = [np.clip(x, 0, 6), np.where(x < 0, np.exp(x) - 1, x),
            np.where(x < 0, scale_alpha * (np.exp(x) - 1), scale * x),
            np.where(x > 0, x, np.float32(0.2) * x)]
    for got, w in zip(out, want):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, w)


def test_leaky_relu_casts_integers_and_keeps_float32_alpha_for_float64():
    out = tf.nn.leaky_relu([[-2, 3]], alpha=0.5)
    assert out.dtype == tf.float32
    np.testing.assert_array_equal(_run(out), [[-1.0, 3.0]])
    x64 = tf.constant([-1.0], tf.float64)
    assert _run(tf.nn.leaky_relu(x64))[0] == -np.float64(np.float32(0.2))


def test_activation_gradients_use_tf_helper_ops():
    x = tf.placeholder(tf.float32, [2, 3])
    for fn, grad_op in [(tf.nn.relu6, "Relu6Grad"), (tf.nn.elu, "EluGrad"),
                        (tf.nn.selu, "SeluGrad"), (tf.nn.leaky_relu, "LeakyReluGrad")]:
        g, = tf.gradients(fn(x), x)
        assert g.op.type == grad_op
    g, = tf.gradients(tf.nn.leaky_relu(x, alpha=0.1), x)
    assert g.op.attrs["alpha"] == pytest.approx(0.1)


# -- log_softmax ----------------------------------------------------------------------------

def test_log_softmax_axis_and_unknown_rank():
    x = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    p = tf.placeholder(tf.float32)
    outs = [tf.nn.log_softmax(x, axis=1), tf.nn.log_softmax(p, dim=0), tf.math.log_softmax(x)]
    assert outs[0].shape.as_list() == [2, 3, 4]
    got = _run(outs, {p: x})
    for g, axis in zip(got, [1, 0, -1]):
        np.testing.assert_allclose(g, _np_log_softmax(x, axis), rtol=1e-5, atol=1e-6)


def test_log_softmax_errors():
    with pytest.raises(ValueError, match="at least rank 1"):
        tf.nn.log_softmax(tf.constant(1.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"range \[-2, 2\)"):
        tf.nn.log_softmax(tf.zeros([2, 3]), axis=2)
    with pytest.raises(ValueError, match="Cannot specify both"):
        tf.nn.log_softmax(tf.zeros([2, 3]), axis=0, dim=0)
    p = tf.placeholder(tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="logits must have >= 1 dimension"):
        _run(tf.nn.log_softmax(p), {p: np.float32(1)})


def test_log_softmax_gradient_is_tfs_formula():
    x = tf.placeholder(tf.float32, [2, 3])
    g, = tf.gradients(tf.nn.log_softmax(x), x)
    assert g.op.type == "Sub" and "Exp" in _op_types([g])


# -- softmax cross entropy ------------------------------------------------------------------

def _soft_labels(shape):
    labels = RNG.uniform(size=shape).astype(np.float32)
    return labels / labels.sum(-1, keepdims=True)


def test_softmax_xent_v2_any_axis_and_rank():
    logits = RNG.normal(size=(2, 4, 3)).astype(np.float32)
    labels = _soft_labels((2, 4, 3))
    last = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    mid = tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=np.swapaxes(labels, 1, 2), logits=np.swapaxes(logits, 1, 2), axis=1)
    assert last.shape.as_list() == [2, 4] and mid.shape.as_list() == [2, 4]
    want = -(labels * _np_log_softmax(logits)).sum(-1)
    for got in _run([last, mid]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_softmax_xent_unknown_shapes_take_the_dynamic_path():
    logits, labels = tf.placeholder(tf.float32), tf.placeholder(tf.float32)
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    x = RNG.normal(size=(3, 2, 5)).astype(np.float32)
    y = _soft_labels((3, 2, 5))
    np.testing.assert_allclose(_run(loss, {logits: x, labels: y}),
                               -(y * _np_log_softmax(x)).sum(-1), rtol=1e-5, atol=1e-6)


def test_softmax_xent_v1_stops_gradient_into_labels():
    logits = tf.placeholder(tf.float32, [2, 3])
    labels = tf.placeholder(tf.float32, [2, 3])
    v1 = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    v2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert v1.op.name.startswith("softmax_cross_entropy_with_logits_sg/")
    assert tf.gradients(v1, labels) == [None]
    g_labels, = tf.gradients(v2, labels)
    x = RNG.normal(size=(2, 3)).astype(np.float32)
    np.testing.assert_allclose(_run(g_labels, {logits: x, labels: _soft_labels((2, 3))}),
                               -_np_log_softmax(x), rtol=1e-5, atol=1e-6)


def test_softmax_xent_v1_argument_rules():
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.softmax_cross_entropy_with_logits([[1.0]], labels=[[1.0]], logits=[[1.0]])
    with pytest.raises(ValueError, match="Both `labels` and `logits`"):
        tf.nn.softmax_cross_entropy_with_logits(logits=[[1.0]])
    with pytest.raises(ValueError, match="Cannot specify both 'dim' and 'axis'"):
        tf.nn.softmax_cross_entropy_with_logits(labels=[[1.0]], logits=[[1.0]], axis=0)


def test_softmax_xent_first_order_gradient_adds_no_second_order_terms():
    logits = tf.placeholder(tf.float32, [2, 3])
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=_soft_labels((2, 3)),
                                                      logits=logits)
    g, = tf.gradients(loss, logits)
    assert not {"BatchMatMulV2", "Softmax"} & _op_types([g])


def test_softmax_xent_kernel_errors():
    a, b = tf.placeholder(tf.float32), tf.placeholder(tf.float32)
    loss, _ = apply_op("SoftmaxCrossEntropyWithLogits", [a, b])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be broadcastable"):
        _run(loss, {a: np.zeros((2, 3), np.float32), b: np.zeros((2, 4), np.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="2-dimensional"):
        _run(loss, {a: np.zeros((2, 3, 1), np.float32), b: np.zeros((2, 3, 1), np.float32)})
    with pytest.raises(ValueError, match="broadcasted with rank 2, but is rank 3"):
        apply_op("SoftmaxCrossEntropyWithLogits", [tf.zeros([1, 2, 3]), tf.zeros([1, 2, 3])])


def test_sparse_xent_invalid_label_message():
    logits = tf.placeholder(tf.float32, [3, 4])
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 5, 1], logits=logits)
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Received a label value of 5 which is outside the valid range "
                             r"of \[0, 4\)\.  Label values: 0 5 1"):
        _run(loss, {logits: x})
    neg = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, -1, 1], logits=logits)
    with pytest.raises(tf.errors.InvalidArgumentError, match="label value of -1 "):
        _run(neg, {logits: x})


def test_sparse_xent_higher_rank_and_names():
    logits = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    labels = RNG.integers(0, 4, size=(2, 3)).astype(np.int64)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits,
                                                          name="sparse_xent")
    assert loss.shape.as_list() == [2, 3]
    want = -np.take_along_axis(_np_log_softmax(logits), labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(_run(loss), want, rtol=1e-5, atol=1e-6)
    flat = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1], logits=[[1.0, 2.0]],
                                                          name="sparse_xent")
    assert flat.name == "sparse_xent_1/sparse_xent:0"


def test_sparse_xent_static_shape_errors():
    with pytest.raises(ValueError, match="cannot be a scalar"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=1, logits=1.0)
    with pytest.raises(ValueError, match="must equal `logits.shape.rank - 1`"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[[1]], logits=[[1.0, 2.0]])
    with pytest.raises(ValueError, match="except for the last dimension"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 0], logits=[[1.0, 2.0]])


def test_sparse_xent_gradient_and_second_order():
    logits = tf.placeholder(tf.float64, [2, 3])
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[2, 0], logits=logits)
    g, = tf.gradients(loss, logits)
    assert "PreventGradient" not in _op_types([g])
    hess, = tf.gradients(tf.reduce_sum(g * tf.constant([[1.0, 2.0, 3.0], [0.5, 0.0, 1.0]],
                                                       tf.float64)), logits)
    x = RNG.normal(size=(2, 3))
    p = np.exp(_np_log_softmax(x))
    v = np.array([[1.0, 2.0, 3.0], [0.5, 0.0, 1.0]])
    want = p * (v - (v * p).sum(-1, keepdims=True))        # softmax Jacobian times v
    np.testing.assert_allclose(_run(hess, {logits: x}), want, rtol=1e-10)


# -- sigmoid / weighted cross entropy -------------------------------------------------------

def test_sigmoid_xent_stable_for_large_logits():
    x = np.array([-1000.0, -2.0, 0.0, 3.0, 1000.0], np.float32)
    z = np.array([0.0, 1.0, 0.5, 0.2, 1.0], np.float32)
    loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    want = np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))
    np.testing.assert_allclose(_run(loss), want, rtol=1e-6)
    assert {"Select", "Log1p"} <= _op_types([loss])
    with pytest.raises(ValueError, match="must have the same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0, 0.0], logits=[1.0])


def test_sigmoid_xent_gradient_at_zero_is_tfs():
    x = tf.placeholder(tf.float32, [3])
    loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=[0.0, 1.0, 0.3], logits=x)
    g, = tf.gradients(loss, x)
    np.testing.assert_allclose(_run(g, {x: np.zeros(3, np.float32)}), [0.5, -0.5, 0.2],
                               rtol=1e-6)


def test_weighted_cross_entropy():
    x = np.array([-50.0, -1.0, 0.0, 2.0, 50.0], np.float32)
    z = np.array([1.0, 0.0, 1.0, 0.3, 0.0], np.float32)
    q = 3.0
    loss = tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=x, pos_weight=q)
    want = (1 - z) * x + (1 + (q - 1) * z) * (np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0))
    np.testing.assert_allclose(_run(loss), want, rtol=1e-5)
    old = tf.nn.weighted_cross_entropy_with_logits(targets=z, logits=x, pos_weight=q)
    np.testing.assert_allclose(_run(old), want, rtol=1e-5)


# -- bias_add / l2_loss ---------------------------------------------------------------------

def test_bias_add_formats_and_names():
    x = RNG.normal(size=(2, 3, 4, 5)).astype(np.float32)
    nhwc = tf.nn.bias_add(x, np.arange(5, dtype=np.float32))
    nchw = tf.nn.bias_add(x, np.arange(3, dtype=np.float32), data_format="NCDHW")
    assert nhwc.op.name == "BiasAdd" and nchw.op.attrs["data_format"] == "NCHW"
    got = _run([nhwc, nchw])
    np.testing.assert_allclose(got[0], x + np.arange(5))
    np.testing.assert_allclose(got[1], x + np.arange(3)[:, None, None])
    with pytest.raises(ValueError, match="`data_format` must be of the form"):
        tf.nn.bias_add(x, [1.0], data_format="CHWN")


def test_bias_add_shape_and_kernel_errors():
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 4 and 3"):
        tf.nn.bias_add(tf.zeros([2, 4]), tf.zeros([3]))
    with pytest.raises(ValueError, match="at least rank 3"):
        tf.nn.bias_add(tf.zeros([2, 4]), tf.zeros([4]), data_format="NCHW")
    with pytest.raises(ValueError, match="must be rank 1"):
        tf.nn.bias_add(tf.zeros([2, 4]), tf.zeros([1, 4]))
    v, b = tf.placeholder(tf.float32), tf.placeholder(tf.float32)
    out = tf.nn.bias_add(v, b)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"as many biases as the last dimension of the input tensor: "
                             r"\[3\] vs. \[2,4\]"):
        _run(out, {v: np.zeros((2, 4), np.float32), b: np.zeros(3, np.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 2D: \\[4\\]"):
        _run(out, {v: np.zeros(4, np.float32), b: np.zeros(4, np.float32)})


@pytest.mark.parametrize("data_format,shape", [("NHWC", (2, 3, 4)), ("NCHW", (2, 3, 4, 2))])
def test_bias_add_grad_grad_dynamic_shapes(data_format, shape):
    """BiasAddGrad's gradient with unknown rank builds the dynamic reshape + broadcast."""
    x = tf.placeholder(tf.float64)
    db = apply_op("BiasAddGrad", [x], {"data_format": data_format})
    channels = shape[1] if data_format == "NCHW" else shape[-1]
    v = RNG.normal(size=channels)
    g, = tf.gradients(tf.reduce_sum(db * v), x)
    expand = [1] * len(shape)
    expand[1 if data_format == "NCHW" else -1] = channels
    np.testing.assert_allclose(_run(g, {x: np.zeros(shape)}),
                               np.broadcast_to(v.reshape(expand), shape))


def test_bias_add_gradient_emits_bias_add_grad():
    x = tf.placeholder(tf.float32, [2, 3])
    b = tf.placeholder(tf.float32, [3])
    gx, gb = tf.gradients(tf.nn.bias_add(x, b), [x, b])
    assert gb.op.type == "BiasAddGrad" and gx.op.type != "BiasAddGrad"


def test_l2_loss_dtype_and_value():
    x = np.array([[1.0, -2.0], [3.0, 0.5]], np.float64)
    out = tf.nn.l2_loss(x)
    assert out.shape.as_list() == [] and out.dtype == tf.float64
    assert _run(out) == pytest.approx(0.5 * (x * x).sum())


# -- dropout --------------------------------------------------------------------------------

def _needs_random_ops():
    from sessionflow.ops.random import random_ops
    if not hasattr(random_ops, "get_seed") or "RandomUniform" not in op_registry.KERNELS:
        pytest.skip("ops/random_ops.py does not provide get_seed/RandomUniform yet")


def test_dropout_scales_kept_values_and_zeroes_the_rest():
    _needs_random_ops()
    x = np.ones((200, 50), np.float32)
    out = tf.nn.dropout(x, keep_prob=0.8, seed=3)
    assert out.shape.as_list() == [200, 50] and "RandomUniform" in _op_types([out])
    got = _run(out)
    kept = got != 0
    np.testing.assert_allclose(got[kept], np.float32(1 / 0.8))
    assert 0.77 < kept.mean() < 0.83


def test_dropout_tensor_rate_noise_shape_and_seed():
    _needs_random_ops()
    x = np.ones((4, 6), np.float32)
    rate = tf.placeholder(tf.float32, [])
    out = tf.nn.dropout(x, rate=rate, noise_shape=[None, 1], seed=5)
    got = _run(out, {rate: 0.5})
    assert set(np.unique(got)) <= {0.0, 2.0}
    assert (got == got[:, :1]).all()            # one mask value per row
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(1)
        again = _run(tf.nn.dropout(x, rate=0.5, seed=5), graph=graph)
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(1)
        np.testing.assert_array_equal(again, _run(tf.nn.dropout(x, rate=0.5, seed=5),
                                                  graph=graph))


def test_dropout_argument_rules():
    x = tf.ones([2, 2])
    assert tf.nn.dropout(x, keep_prob=1.0) is x
    with pytest.raises(ValueError, match="Cannot specify both 'keep_prob' and 'rate'"):
        tf.nn.dropout(x, keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match="`rate` must be provided"):
        tf.nn.dropout(x)
    with pytest.raises(ValueError, match=r"in the range \[0, 1\)"):
        tf.nn.dropout(x, rate=1.0)
    with pytest.raises(ValueError, match="floating point tensor"):
        tf.nn.dropout(tf.ones([2], tf.int32), rate=0.5)
    with pytest.raises(ValueError, match="`keep_prob` must be a floating point number"):
        tf.nn.dropout(x, keep_prob="half")


# -- tf.losses ------------------------------------------------------------------------------

LABELS = np.array([[0.0, 1.0, 2.0], [1.0, -1.0, 0.5]], np.float32)
PREDS = np.array([[0.5, 1.0, 1.0], [2.0, -0.5, 0.0]], np.float32)
WEIGHTS = np.array([[1.0], [0.0]], np.float32)


@pytest.mark.parametrize("reduction,reduce", [
    (tf.losses.Reduction.NONE, lambda x, w: x * w),
    (tf.losses.Reduction.SUM, lambda x, w: (x * w).sum()),
    (tf.losses.Reduction.MEAN, lambda x, w: (x * w).sum() / np.broadcast_to(w, x.shape).sum()),
    (tf.losses.Reduction.SUM_OVER_BATCH_SIZE, lambda x, w: (x * w).sum() / x.size),
    (tf.losses.Reduction.SUM_BY_NONZERO_WEIGHTS,
     lambda x, w: (x * w).sum() / (np.broadcast_to(w, x.shape) != 0).sum()),
])
def test_reductions(reduction, reduce):
    loss = tf.losses.absolute_difference(LABELS, PREDS, weights=WEIGHTS, reduction=reduction)
    np.testing.assert_allclose(_run(loss), reduce(np.abs(PREDS - LABELS), WEIGHTS), rtol=1e-6)


def test_reduction_validation_and_constants():
    assert tf.losses.Reduction.SUM_OVER_NONZERO_WEIGHTS == "weighted_sum_by_nonzero_weights"
    with pytest.raises(ValueError, match="Invalid Reduction Key"):
        tf.losses.compute_weighted_loss([1.0], reduction="bogus")


def test_all_zero_weights_give_zero_not_nan():
    loss = tf.losses.mean_squared_error(LABELS, PREDS, weights=0.0)
    assert _run(loss) == 0.0


@pytest.mark.parametrize("fn,kwargs,per_element", [
    (tf.losses.mean_squared_error, {}, lambda y, p: (p - y) ** 2),
    (tf.losses.huber_loss, {"delta": 0.75},
     lambda y, p: np.where(np.abs(p - y) <= 0.75, 0.5 * (p - y) ** 2,
                           0.75 * (np.abs(p - y) - 0.375))),
    (tf.losses.hinge_loss, {}, lambda y, p: np.maximum(0, 1 - (2 * y - 1) * p)),
])
def test_pointwise_losses(fn, kwargs, per_element):
    y = (LABELS > 0.5).astype(np.float32) if fn is tf.losses.hinge_loss else LABELS
    loss = fn(y, PREDS, **kwargs)
    np.testing.assert_allclose(_run(loss), per_element(y, PREDS).mean(), rtol=1e-6)


def test_log_loss_and_cosine_distance():
    y = np.array([[0.0, 1.0], [1.0, 1.0]], np.float32)
    p = np.array([[0.2, 0.7], [0.9, 0.4]], np.float32)
    eps = 1e-7
    want = (-y * np.log(p + eps) - (1 - y) * np.log(1 - p + eps)).mean()
    np.testing.assert_allclose(_run(tf.losses.log_loss(y, p)), want, rtol=1e-6)
    u = np.array([[0.6, 0.8], [1.0, 0.0]], np.float32)
    v = np.array([[0.8, 0.6], [0.0, 1.0]], np.float32)
    cos = tf.losses.cosine_distance(u, v, axis=1, reduction=tf.losses.Reduction.NONE)
    assert cos.shape.as_list() == [2, 1]
    np.testing.assert_allclose(_run(cos), 1 - (u * v).sum(1, keepdims=True), rtol=1e-6)
    with pytest.raises(ValueError, match="You must specify argument `axis`"):
        tf.losses.cosine_distance(u, v)


def test_sigmoid_and_softmax_losses_with_label_smoothing():
    logits = RNG.normal(size=(3, 4)).astype(np.float32)
    onehot = np.eye(4, dtype=np.float32)[[0, 3, 1]]
    s = 0.2
    sig = tf.losses.sigmoid_cross_entropy(onehot, logits, label_smoothing=s)
    z = onehot * (1 - s) + 0.5 * s
    want_sig = (np.maximum(logits, 0) - logits * z + np.log1p(np.exp(-np.abs(logits)))).mean()
    soft = tf.losses.softmax_cross_entropy(onehot, logits, label_smoothing=s)
    z = onehot * (1 - s) + s / 4
    want_soft = -(z * _np_log_softmax(logits)).sum(-1).mean()
    p = tf.placeholder(tf.float32, [None, None])
    dyn = tf.losses.softmax_cross_entropy(onehot, p, label_smoothing=s)
    got = _run([sig, soft, dyn], {p: logits})
    np.testing.assert_allclose(got, [want_sig, want_soft, want_soft], rtol=1e-5)


def test_softmax_loss_stops_gradient_into_labels():
    labels = tf.placeholder(tf.float32, [2, 3])
    loss = tf.losses.softmax_cross_entropy(labels, tf.zeros([2, 3]))
    assert tf.gradients(loss, labels) == [None]


def test_sparse_softmax_loss_squeezes_and_weights():
    logits = RNG.normal(size=(3, 4)).astype(np.float32)
    labels = np.array([[1], [0], [3]], np.int32)
    weights = np.array([[2.0], [0.0], [1.0]], np.float32)
    loss = tf.losses.sparse_softmax_cross_entropy(labels, logits, weights=weights)
    per = -_np_log_softmax(logits)[np.arange(3), labels[:, 0]]
    np.testing.assert_allclose(_run(loss), (per * weights[:, 0]).sum() / 2, rtol=1e-5)


def test_losses_collections_and_total():
    a = tf.losses.mean_squared_error(LABELS, PREDS)
    b = tf.losses.absolute_difference(LABELS, PREDS, loss_collection=None)
    c = tf.losses.compute_weighted_loss([1.0, 3.0], scope="mine")
    assert a.dtype == tf.float32 and a.name.startswith("mean_squared_error/")
    assert tf.losses.get_losses() == [a, c]
    assert tf.losses.get_losses(scope="mine") == [c]
    reg = tf.constant(0.25)
    tf.add_to_collection("regularization_losses", reg)
    tf.losses.add_loss(tf.constant(1.0))
    assert tf.losses.get_regularization_losses() == [reg]
    total = tf.losses.get_total_loss()
    want = np.mean((PREDS - LABELS) ** 2) + 2.0 + 0.25 + 1.0
    np.testing.assert_allclose(_run(total), want, rtol=1e-6)
    assert _run(tf.losses.get_regularization_loss()) == 0.25
    assert b not in tf.losses.get_losses()


def test_float64_losses_are_computed_in_float32_and_cast_back():
    x = tf.constant([1.0, 2.0], tf.float64)
    loss = tf.losses.compute_weighted_loss(x)
    assert loss.dtype == tf.float64
    assert "Cast" in _op_types([loss])


def test_weights_must_broadcast_statically():
    with pytest.raises(ValueError, match="weights can not be broadcast to values. values.rank=2"):
        tf.losses.mean_squared_error(LABELS, PREDS, weights=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Mismatch at dim 0"):
        tf.losses.mean_squared_error(LABELS, PREDS, weights=[[1.0], [2.0], [3.0]])
    with pytest.raises(ValueError, match="Argument `predictions` must not be None"):
        tf.losses.mean_squared_error(LABELS, None)


def test_composites_name_their_last_op_after_their_scope_as_tf():
    assert tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0], logits=[2.0]).name == \
        "logistic_loss:0"
    xent = tf.nn.softmax_cross_entropy_with_logits_v2(labels=[[1.0]], logits=[[2.0]],
                                                      name="xent")
    assert xent.name == "xent/Reshape_2:0" and xent.op.inputs[0].op.name == "xent"
    assert tf.nn.bias_add([[1.0]], [1.0]).name == "BiasAdd:0"
    assert tf.nn.relu6([1.0], name="r6").name == "r6:0"
    assert tf.losses.mean_squared_error([1.0], [2.0]).name == "mean_squared_error/value:0"


def test_xent_gradients_with_unknown_shapes():
    logits, labels = tf.placeholder(tf.float64), tf.placeholder(tf.int32)
    sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    soft = tf.placeholder(tf.float64)
    dense = tf.nn.softmax_cross_entropy_with_logits_v2(labels=soft, logits=logits)
    g_sparse, = tf.gradients(sparse, logits)
    g_dense, g_labels = tf.gradients(dense, [logits, soft])
    x = RNG.normal(size=(2, 3, 4))
    y = RNG.integers(0, 4, size=(2, 3))
    onehot = np.eye(4)[y]
    got = _run([g_sparse, g_dense, g_labels], {logits: x, labels: y, soft: onehot})
    p = np.exp(_np_log_softmax(x))
    np.testing.assert_allclose(got[0], p - onehot, atol=1e-12)
    np.testing.assert_allclose(got[1], p - onehot, atol=1e-12)
    np.testing.assert_allclose(got[2], -_np_log_softmax(x), atol=1e-12)
