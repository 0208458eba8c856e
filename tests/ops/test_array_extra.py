"""Targeted tests for Split/Tile/Pad (ops/array/manip_ops.py), Range/LinSpace
(sequence_ops.py), ClipByValue and the clipping composites (ops/math/clip_ops.py) and the
norm/moments composites: TF-exact values and errors, dynamic-shape gradients, the MirrorPad
gradient composition."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph import op_registry
from sessionflow.graph.op_builder import apply_op
from sessionflow.ops.array import manip_ops, sequence_ops
from sessionflow.ops.math import clip_ops
from sessionflow.ops.nn import nn_impl

from tests.conftest import run as _run

pytestmark = pytest.mark.usefixtures("graph")     # a fresh default graph for every test


# -- kernels: TF's exact values ---------------------------------------------------------------

def test_range_float_values_are_start_plus_i_times_delta():
    r = _run(tf.range(np.float32(0.3), np.float32(1000.0), np.float32(0.1)))
    expected = np.float32(0.3) + np.arange(9997, dtype=np.float32) * np.float32(0.1)
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r, expected)


def test_range_dtypes_and_static_shapes():
    assert tf.range(5).dtype == tf.int32
    assert tf.range(0.0, 1.0, 0.25).dtype == tf.float32
    assert tf.range(10, -3, -4).shape.as_list() == [4]
    assert tf.range(tf.placeholder(tf.int32, [])).shape.as_list() == [None]
    np.testing.assert_array_equal(_run(tf.range(10, -3, -4)), [10, 6, 2, -2])
    np.testing.assert_array_equal(_run(tf.range(np.int64(3))), np.arange(3, dtype=np.int64))


@pytest.mark.parametrize("args, message", [
    ((0, 5, 0), "Requires delta != 0: 0"),
    ((5, 0, 1), "Requires start <= limit when delta > 0: 5/0"),
    ((0, 5, -1), "Requires start >= limit when delta < 0: 0/5"),
])
def test_range_errors(args, message):
    with pytest.raises(ValueError, match=message):
        tf.range(*args)
    feeds = [tf.placeholder(tf.int32, []) for _ in args]
    out = tf.range(*feeds)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        _run(out, dict(zip(feeds, args)))


def test_range_accepts_one_element_vectors_but_not_longer_ones():
    start = tf.placeholder(tf.int32)
    out = apply_op("Range", [start, 4, 1])
    np.testing.assert_array_equal(_run(out, {start: [1]}), [1, 2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"start must be a scalar, not "
                                                             r"shape \[2\]"):
        _run(out, {start: [1, 2]})


def test_linspace_matches_tf_step_formula_and_ends_on_stop():
    out = _run(tf.linspace(0.3, 7.1, 1000))
    step = (np.float32(7.1) - np.float32(0.3)) / np.float32(999)
    head = np.float32(0.3) + step * np.arange(999, dtype=np.float32)
    np.testing.assert_array_equal(out[:-1], head)
    assert out[-1] == np.float32(7.1) and out.dtype == np.float32
    np.testing.assert_array_equal(_run(tf.lin_space(2.0, 5.0, 1)), [2.0])
    assert tf.linspace(tf.constant(1.0, tf.float64), 2.0, 4).dtype == tf.float64


def test_linspace_errors():
    with pytest.raises(ValueError, match="Requires num > 0: 0"):
        tf.linspace(0.0, 1.0, 0)
    num = tf.placeholder(tf.int32, [])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Requires num > 0: -2"):
        _run(tf.linspace(0.0, 1.0, num), {num: -2})


def test_clip_by_value_op_takes_min_after_max_like_tf():
    t = tf.constant([1.0, np.nan, -3.0, 5.0])
    out = apply_op("ClipByValue", [t, 2.0, 0.0])    # min > max: TF gives the min
    np.testing.assert_array_equal(_run(out), [2.0, np.nan, 2.0, 2.0])


def test_clip_by_value_op_rejects_broadcast_bounds():
    with pytest.raises(ValueError, match="same shape as input, or a scalar"):
        apply_op("ClipByValue", [tf.zeros([2, 3]), tf.zeros([3]), 1.0])
    lo = tf.placeholder(tf.float32)
    out = apply_op("ClipByValue", [tf.zeros([2, 3]), lo, 1.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"clip_value_min shape: \[3\]"):
        _run(out, {lo: np.zeros(3, np.float32)})


def test_pad_strings_and_scalars():
    np.testing.assert_array_equal(_run(tf.pad(tf.constant(["a"]), [[1, 1]])), [b"", b"a", b""])
    np.testing.assert_array_equal(_run(tf.pad(tf.constant(3.0), np.zeros([0, 2], np.int32))),
                                  3.0)


# -- errors -----------------------------------------------------------------------------------

_X = np.zeros([2, 5])


@pytest.mark.parametrize("build, arg, static_message, message", [
    (lambda x, a: tf.split(x, 2, a), 1, "evenly divisible by 2 but is 5",
     r"evenly divide the split dimension, but got split_dim 1 \(size = 5\) and num_split 2"),
    (lambda x, a: tf.split(x, 2, a), 3, "axis 3 is out of bounds",
     r"-input rank\(-2\) <= split_dim < input rank \(2\), but got 3"),
    (lambda x, a: tf.split(x, a, 1, num=3), [1, -1, -1], "There can only be one -1",
     "There can only be one -1 in the input."),
    (lambda x, a: tf.split(x, a, 1, num=3), [1, 2, 3], "Got: 6",
     "Determined shape must either match input shape along split_dim exactly"),
    (lambda x, a: tf.split(x, a, 1, num=2), [-2, 7], "Split size at index 0",
     "Split size at index 0 must be >= 0"),
    (tf.tile, [1, 2, 3], "Shape must be rank 2 but is rank 3",
     "Expected multiples argument to be a vector of length 2 but got length 3"),
    (tf.tile, [1, -2], r"Expected multiples\[1\] >= 0",
     r"Expected multiples\[1\] >= 0, but got -2"),
    (tf.pad, [[1, 2]], "must be the rank of inputs",
     r"The first dimension of paddings must be the rank of inputs\[1,2\] \[2,5\]"),
    (tf.pad, [[1, 2], [-1, 0]], "must be non-negative", "Paddings must be non-negative: -1 0"),
    (lambda x, a: tf.pad(x, a, "REFLECT"), [[2, 0], [1, 0]], "not less than 2",
     "paddings must be less than the dimension size: 2, 0 not less than 2"),
    (lambda x, a: tf.pad(x, a, "SYMMETRIC"), [[3, 0], [1, 0]], "greater than 2",
     "paddings must be no greater than the dimension size: 3, 0 greater than 2"),
])
def test_bad_inputs_fail_statically_and_at_run_time(build, arg, static_message, message):
    """Constant inputs: a ValueError at build time; fed inputs: the kernel's error."""
    with pytest.raises(ValueError, match=static_message):
        build(tf.constant(_X), tf.constant(arg))
    x, a = tf.placeholder(tf.float64), tf.placeholder(tf.int32, np.shape(arg))
    out = build(x, a)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        _run(out, {x: _X, a: arg})


def test_pad_v2_constant_values_must_be_a_scalar():
    c = tf.placeholder(tf.float32)
    out = tf.pad(tf.zeros([2, 3]), [[1, 0], [0, 1]], constant_values=c)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"must be a scalar. Found: \[2\]"):
        _run(out, {c: np.zeros(2, np.float32)})


def test_split_arguments():
    with pytest.raises(ValueError, match="Rank-0 tensors are not supported"):
        tf.split(tf.zeros([4]), tf.constant(2))
    with pytest.raises(ValueError, match="Cannot infer argument `num`"):
        tf.split(tf.zeros([4]), tf.placeholder(tf.int32, [None]))
    parts = tf.split(tf.zeros([4, 6]), np.int64(3), axis=-1)
    assert [p.shape.as_list() for p in parts] == [[4, 2]] * 3


# -- gradients with unknown shapes (the dynamic paths) ----------------------------------------

_DYNAMIC_CASES = {
    "tile": (lambda x: tf.tile(x, [2, 1, 3]), [2, 3, 1]),
    "pad": (lambda x: tf.pad(x, [[1, 2], [0, 1], [2, 0]]), [2, 3, 2]),
    "pad_v2": (lambda x: tf.pad(x, [[1, 2], [0, 1], [2, 0]], constant_values=1.5), [2, 3, 2]),
    "reflect": (lambda x: tf.pad(x, [[1, 2], [0, 1], [2, 0]], "REFLECT"), [3, 2, 4]),
    "symmetric": (lambda x: tf.pad(x, [[2, 2], [0, 1], [1, 0]], "SYMMETRIC"), [3, 2, 4]),
    "split": (lambda x: tf.split(x, 2, axis=1)[1], [3, 4, 2]),
    "split_v": (lambda x: tf.split(x, [1, -1], axis=0)[0], [3, 4, 2]),
    "clip": (lambda x: apply_op("ClipByValue", [x, -0.5, 0.6]), [3, 4, 2]),
}


@pytest.mark.parametrize("case", sorted(_DYNAMIC_CASES))
@pytest.mark.parametrize("known", [[None, None, None], None])
def test_gradient_with_unknown_shapes_matches_static(case, known):
    build, shape = _DYNAMIC_CASES[case]
    rng = np.random.default_rng(3)
    value = rng.uniform(-1, 1, shape)
    static_x = tf.placeholder(tf.float64, shape)
    dynamic_x = tf.placeholder(tf.float64, known)
    y_static = build(static_x)
    w = tf.constant(rng.uniform(0.5, 1.5, y_static.shape.as_list()))
    grads = [tf.gradients(y, x, grad_ys=w)[0]
             for x, y in ((static_x, y_static), (dynamic_x, build(dynamic_x)))]
    assert grads[1].shape.is_compatible_with(shape)
    values = _run(grads, {static_x: value, dynamic_x: value})
    np.testing.assert_allclose(values[0], values[1], rtol=1e-12)


def test_mirror_pad_gradient_is_the_adjoint_and_differentiable_again():
    """<MirrorPad(x), y> == <x, grad(y)>; the composed gradient is linear in y."""
    rng = np.random.default_rng(5)
    x_val, pads = rng.normal(size=[4, 3, 5]), [[3, 2], [1, 2], [0, 4]]
    for mode in ("REFLECT", "SYMMETRIC"):
        x = tf.placeholder(tf.float64, [4, 3, 5])
        y = tf.pad(x, pads, mode)
        dy = tf.placeholder(tf.float64, y.shape)
        gx = tf.gradients(y, x, grad_ys=dy)[0]
        proj = tf.constant(rng.normal(size=[4, 3, 5]))
        back = tf.gradients(tf.reduce_sum(gx * proj), dy)[0]
        dy_val = rng.normal(size=y.shape.as_list())
        y_v, gx_v, back_v = _run([y, gx, back], {x: x_val, dy: dy_val})
        np.testing.assert_allclose(np.sum(y_v * dy_val), np.sum(x_val * gx_v), rtol=1e-12)
        np.testing.assert_allclose(back_v, np.pad(_run(proj), pads, mode.lower()), rtol=1e-12)


def test_clip_by_value_gradient_routes_to_the_bounds():
    x = tf.constant([-2.0, 0.0, 3.0])
    lo, hi = tf.constant(-1.0), tf.constant([1.0, 1.0, 1.0])
    gx, glo, ghi = tf.gradients(apply_op("ClipByValue", [x, lo, hi]), [x, lo, hi])
    values = _run([gx, glo, ghi])
    np.testing.assert_array_equal(values[0], [0, 1, 0])
    assert values[1] == 1.0
    np.testing.assert_array_equal(values[2], [0, 0, 1])


def test_tile_gradient_of_indexed_slices():
    """A gather of a tiled tensor sends IndexedSlices; rows fold back with a segment sum."""
    if not hasattr(tf, "gather") or "UnsortedSegmentSum" not in op_registry.KERNELS:
        pytest.skip("needs tf.gather and UnsortedSegmentSum (indexing family)")
    params = tf.placeholder(tf.float64, [2, 3])
    tiled = tf.tile(params, [3, 2])
    g = tf.gradients(tf.reduce_sum(tf.gather(tiled, [0, 5, 5])), params)[0]
    np.testing.assert_allclose(_run(g, {params: np.zeros([2, 3])}), [[2, 2, 2], [4, 4, 4]])


# -- composites -------------------------------------------------------------------------------

def test_clip_by_value_is_minimum_then_maximum_named_like_tf():
    x = tf.placeholder(tf.float32, [3])
    out = tf.clip_by_value(x, -1.0, 1.0)
    assert out.name == "clip_by_value:0" and out.op.type == "Maximum"
    assert out.op.inputs[0].op.name == "clip_by_value/Minimum"
    assert tf.clip_by_value(x, 0.0, 1.0).name == "clip_by_value_1:0"
    assert tf.clip_by_value(x, 0.0, 1.0, name="c").name == "c:0"
    np.testing.assert_array_equal(_run(out, {x: [-3, 0.5, 2]}), [-1, 0.5, 1])
    with pytest.raises(ValueError):
        tf.clip_by_value(x, tf.zeros([2, 3]), 1.0)


def test_clip_by_norm_values_axes_and_zero_input():
    x_val = np.array([[3.0, 4.0], [0.3, 0.4]], np.float32)
    x = tf.constant(x_val)
    out = tf.clip_by_norm(x, 1.0)
    assert out.name == "clip_by_norm:0"
    np.testing.assert_allclose(_run(out), x_val / np.linalg.norm(x_val), rtol=1e-6)
    np.testing.assert_allclose(_run(tf.clip_by_norm(x, 1.0, axes=[1])),
                               [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    zero = tf.zeros([3])
    grad = tf.gradients(tf.reduce_sum(tf.clip_by_norm(zero, 1.0)), zero)[0]
    assert np.all(np.isfinite(_run(grad)))
    np.testing.assert_array_equal(_run(tf.clip_by_norm(x, -2.0)), np.zeros([2, 2]))


def test_global_norm_and_clip_by_global_norm_with_none_entries():
    a, b = tf.constant([3.0, 0.0]), tf.constant([[4.0]])
    assert _run(tf.global_norm([a, None, b])) == pytest.approx(5.0)
    clipped, norm = tf.clip_by_global_norm([a, None, b], 2.5)
    assert clipped[1] is None
    values = _run([clipped[0], clipped[2], norm])
    np.testing.assert_allclose(values[0], [1.5, 0.0])
    np.testing.assert_allclose(values[1], [[2.0]])
    assert values[2] == pytest.approx(5.0)
    unclipped, _ = tf.clip_by_global_norm([a], 10.0)
    np.testing.assert_allclose(_run(unclipped[0]), [3.0, 0.0])
    inf_clip, _ = tf.clip_by_global_norm([a], 1.0, use_norm=tf.constant(np.inf, tf.float32))
    assert np.all(np.isnan(_run(inf_clip[0])))
    with pytest.raises(TypeError, match="should be a sequence"):
        tf.global_norm(a)


def test_l2_normalize():
    x_val = np.array([[3.0, 4.0], [0.0, 0.0]], np.float32)
    out = tf.nn.l2_normalize(tf.constant(x_val), axis=1)
    assert out.name == "l2_normalize:0" and tf.math.l2_normalize is tf.nn.l2_normalize
    np.testing.assert_allclose(_run(out), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(_run(tf.nn.l2_normalize(tf.constant(x_val), dim=0)),
                               [[1.0, 1.0], [0.0, 0.0]], rtol=1e-6)


def test_moments_and_batch_normalization():
    rng = np.random.default_rng(0)
    x_val = rng.normal(size=[4, 3, 2]).astype(np.float32)
    x = tf.constant(x_val)
    mean, var = tf.nn.moments(x, [0, 1])
    assert mean.shape.as_list() == [2] and mean.op.name.startswith("moments/")
    np.testing.assert_allclose(_run(mean), x_val.mean((0, 1)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_run(var), x_val.var((0, 1)), rtol=1e-5, atol=1e-6)
    kept = tf.nn.moments(x, [0], keep_dims=True)[1]
    assert kept.shape.as_list() == [1, 3, 2]
    half = tf.nn.moments(tf.constant(x_val.astype(np.float16)), [0])[0]
    assert half.dtype == tf.float16
    offset, scale = tf.constant([0.5, -1.0]), tf.constant([2.0, 3.0])
    y = tf.nn.batch_normalization(x, mean, var, offset, scale, 1e-3)
    want = (x_val - x_val.mean((0, 1))) / np.sqrt(x_val.var((0, 1)) + 1e-3) * [2, 3] + [0.5, -1]
    np.testing.assert_allclose(_run(y), want, rtol=1e-4, atol=1e-5)
    bare = tf.nn.batch_normalization(x, mean, var, None, None, 1e-3)
    np.testing.assert_allclose(_run(bare), (want - [0.5, -1]) / [2, 3], rtol=1e-4, atol=1e-5)


def test_reduce_logsumexp_is_stable_and_shaped_like_tf():
    x_val = np.array([[1000.0, 1000.0], [-np.inf, 0.0]], np.float32)
    x = tf.constant(x_val)
    out = tf.reduce_logsumexp(x, 1)
    assert out.name == "ReduceLogSumExp:0" and tf.math.reduce_logsumexp is tf.reduce_logsumexp
    np.testing.assert_allclose(_run(out), [1000 + np.log(2), 0.0], rtol=1e-6)
    kept = tf.reduce_logsumexp(x, 1, keepdims=True)
    assert kept.shape.as_list() == [2, 1]
    everything = tf.reduce_logsumexp(tf.placeholder(tf.float32))
    assert everything.shape.as_list() == []
    all_inf = tf.reduce_logsumexp(tf.constant([-np.inf, -np.inf]))
    assert _run(all_inf) == -np.inf
    g = tf.gradients(tf.reduce_logsumexp(x, reduction_indices=[1]), x)[0]
    np.testing.assert_allclose(_run(g), [[0.5, 0.5], [0.0, 1.0]], rtol=1e-6)


def test_reduce_variance_std_and_log_sigmoid():
    x_val = np.arange(6, dtype=np.float32).reshape(2, 3)
    x = tf.constant(x_val)
    np.testing.assert_allclose(_run(tf.math.reduce_variance(x, 1)), x_val.var(1), rtol=1e-6)
    np.testing.assert_allclose(_run(tf.math.reduce_std(x, 0, keepdims=True)),
                               x_val.std(0, keepdims=True), rtol=1e-6)
    with pytest.raises(TypeError, match="integer"):
        tf.math.reduce_variance(tf.constant([1, 2]))
    ls = tf.math.log_sigmoid(tf.constant([-200.0, 0.0, 50.0]))
    assert ls.name == "LogSigmoid:0" and tf.log_sigmoid is tf.math.log_sigmoid
    np.testing.assert_allclose(_run(ls), [-200.0, -np.log(2.0), 0.0], atol=1e-6)


# -- namespaces -------------------------------------------------------------------------------

def test_math_namespace_reexports_without_shadowing_builtins():
    for name in ("reduce_logsumexp", "reduce_std", "reduce_variance", "log_sigmoid",
                 "l2_normalize"):
        assert callable(getattr(tf.math, name)), name
    assert tf.math.add is tf.add and tf.math.reduce_sum is tf.reduce_sum
    assert tf.math.mod is tf.mod and tf.math.abs is tf.abs
    assert tf.range is sequence_ops.range_ and tf.pad is manip_ops.pad
    for module in (manip_ops, sequence_ops, clip_ops, nn_impl):
        assert "range" not in vars(module) and "abs" not in vars(module)
    with pytest.raises(AttributeError):
        manip_ops.no_such_name  # noqa: B018
