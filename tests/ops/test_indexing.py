"""TF-exact semantics of the indexing ops: ``Tensor.__getitem__`` graphs, StridedSlice
canonicalisation, error messages, gradients on unknown shapes, ties and non-finite values."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph.indexed_slices import IndexedSlices
from sessionflow.ops.array.slicing_ops import strided_slice_index
from sessionflow.ops.framework.shape_fns import constant_value

from tests.conftest import run as _run

X = np.arange(5 * 6 * 7, dtype=np.float32).reshape(5, 6, 7)
KEYS = [np.s_[1:-1, ..., ::2], np.s_[:, None, 2], np.s_[::-1, 3, -3:], np.s_[-2],
        np.s_[..., 1:100:3], np.s_[4:1:-2, None], np.s_[()], np.s_[..., None, 0],
        np.s_[-1, -1, -1], np.s_[1:2, 10:20], np.s_[::-3, ::-1, 5:0:-2], np.s_[None, ..., None],
        np.s_[-100:100, -6], np.s_[3:3], np.s_[..., ::-1]]


pytestmark = pytest.mark.usefixtures("graph")     # a fresh default graph for every test


# -- getitem / StridedSlice -------------------------------------------------------------------

@pytest.mark.parametrize("shape", [[5, 6, 7], None], ids=["known", "unknown"])
def test_getitem_matches_numpy(shape):
    x = tf.placeholder(tf.float32, shape)
    outs = [x[k] for k in KEYS]
    if shape is not None:
        assert [o.shape.as_list() for o in outs] == [list(X[k].shape) for k in KEYS]
    for k, got in zip(KEYS, _run(outs, {x: X})):
        np.testing.assert_array_equal(got, X[k], err_msg=str(k))
        assert got.dtype == np.float32


def test_getitem_builds_one_strided_slice_like_tf():
    x = tf.placeholder(tf.float32, [5, 6, 7])
    y = x[1:-1, ..., ::2]
    op = y.op
    assert op.type == "StridedSlice" and op.name == "strided_slice"
    assert [t.op.name for t in op.inputs[1:]] == \
        ["strided_slice/stack", "strided_slice/stack_1", "strided_slice/stack_2"]
    assert [constant_value(t).tolist() for t in op.inputs[1:]] == \
        [[1, 0, 0], [-1, 0, 0], [1, 1, 2]]
    assert {m: op.attrs[m] for m in ("begin_mask", "end_mask", "ellipsis_mask",
                                     "new_axis_mask", "shrink_axis_mask")} == \
        {"begin_mask": 4, "end_mask": 4, "ellipsis_mask": 2, "new_axis_mask": 0,
         "shrink_axis_mask": 0}
    z = x[:, tf.newaxis, 2]
    assert z.op.name == "strided_slice_1"
    assert (z.op.attrs["begin_mask"], z.op.attrs["end_mask"], z.op.attrs["new_axis_mask"],
            z.op.attrs["shrink_axis_mask"]) == (1, 1, 2, 4)
    assert [constant_value(t).tolist() for t in z.op.inputs[1:]] == \
        [[0, 0, 2], [0, 0, 3], [1, 1, 1]]


def test_getitem_with_tensor_indices_packs_like_tf():
    x = tf.placeholder(tf.float32, [5, 6, 7])
    i = tf.placeholder(tf.int32, [])
    y = x[i:i + 2, -1]
    begin = y.op.inputs[1]
    assert begin.op.type == "Pack" and begin.op.name == "strided_slice/stack"
    assert begin.op.inputs[1].op.name == "strided_slice/stack/1"
    assert y.shape.as_list() == [None, 7]
    assert x[i].shape.as_list() == [6, 7]
    got = _run([y, x[i]], {x: X, i: 2})
    np.testing.assert_array_equal(got[0], X[2:4, -1])
    np.testing.assert_array_equal(got[1], X[2])


def test_getitem_int64_index_casts_the_stacks():
    x = tf.placeholder(tf.float32, [5, 6, 7])
    j = tf.constant(3, dtype=tf.int64)
    y = x[1, j]
    assert all(t.dtype == tf.int64 for t in y.op.inputs[1:])
    np.testing.assert_array_equal(_run(y, {x: X}), X[1, 3])


@pytest.mark.parametrize("key", [1.5, "a", [tf.constant([1, 2])]])
def test_getitem_rejects_non_integer_indices(key):
    x = tf.placeholder(tf.float32, [5, 6])
    with pytest.raises(TypeError, match="Only integers, slices"):
        x[key]


def test_getitem_with_bool_mask_is_boolean_mask():
    x = tf.placeholder(tf.float32, [5, 6, 7])
    mask = X[:, :, 0] > 50
    got = _run(x[mask], {x: X})
    np.testing.assert_array_equal(got, X[mask])


def test_static_out_of_bounds_index_is_a_build_error_and_dynamic_a_runtime_error():
    with pytest.raises(ValueError, match="slice index 5 of dimension 0 out of bounds"):
        tf.placeholder(tf.float32, [5, 6])[5]
    x = tf.placeholder(tf.float32)
    y = x[-6]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="slice index -1 of dimension 0 out of bounds"):
        _run(y, {x: X})


def test_strided_slice_constructor_defaults_strides_and_name():
    x = tf.placeholder(tf.float32, [5, 6, 7])
    y = tf.strided_slice(x, [1, 2], [4, 6])
    assert y.op.name == "StridedSlice" and y.shape.as_list() == [3, 4, 7]
    np.testing.assert_array_equal(_run(y, {x: X}), X[1:4, 2:6])


def _python_key(begin, end, strides, masks):
    """The Python index TF's strided-slice spec means (used as the oracle)."""
    key = []
    for i, (b, e, s) in enumerate(zip(begin, end, strides)):
        bit = 1 << i
        if masks["ellipsis_mask"] & bit:
            key.append(Ellipsis)
        elif masks["new_axis_mask"] & bit:
            key.append(None)
        elif masks["shrink_axis_mask"] & bit:
            key.append(b)
        else:
            key.append(slice(None if masks["begin_mask"] & bit else b,
                             None if masks["end_mask"] & bit else e, s))
    return tuple(key)


def test_strided_slice_index_agrees_with_python_slicing():
    rng = np.random.default_rng(0)
    x = np.arange(4 * 5 * 6).reshape(4, 5, 6)
    checked = 0
    for _ in range(3000):
        n = int(rng.integers(0, 5))
        begin = rng.integers(-8, 8, n).tolist()
        end = rng.integers(-8, 8, n).tolist()
        strides = [int(s) or 1 for s in rng.integers(-3, 4, n)]
        masks = {m: int(rng.integers(0, 1 << n)) if n else 0
                 for m in ("begin_mask", "end_mask", "new_axis_mask", "shrink_axis_mask")}
        masks["ellipsis_mask"] = 1 << int(rng.integers(0, n)) if n and rng.random() < .4 else 0
        masks["shrink_axis_mask"] &= ~masks["ellipsis_mask"] & ~masks["new_axis_mask"]
        strides = [1 if masks["shrink_axis_mask"] >> i & 1 else s for i, s in enumerate(strides)]
        try:
            want = x[_python_key(begin, end, strides, masks)]
        except IndexError:
            with pytest.raises(ValueError):
                strided_slice_index(x.shape, begin, end, strides, **masks)
            continue
        index, shape = strided_slice_index(x.shape, begin, end, strides, **masks)
        np.testing.assert_array_equal(x[index], want)
        assert shape == list(want.shape)
        _, partial = strided_slice_index([None, 5, None], None, None, strides, **masks)
        assert tf.TensorShape(partial).is_compatible_with(want.shape)
        checked += 1
    assert checked > 1000


def test_strided_slice_spec_errors():
    with pytest.raises(ValueError, match="Multiple ellipses"):
        strided_slice_index([3, 4], [0, 0], [0, 0], [1, 1], ellipsis_mask=3)
    with pytest.raises(ValueError, match="strides\\[1\\] must be non-zero"):
        strided_slice_index([3, 4], [0, 0], [1, 1], [1, 0])
    with pytest.raises(ValueError, match="Index out of range using input dim 2"):
        strided_slice_index([3, 4], [0, 0, 0], [1, 1, 1], [1, 1, 1])
    with pytest.raises(ValueError, match="only stride 1 allowed"):
        strided_slice_index([3, 4], [0], [1], [-1], shrink_axis_mask=1)


def test_strided_slice_grad_checks_dy_shape():
    from sessionflow.ops.array.slicing_ops import strided_slice_grad
    dy = tf.placeholder(tf.float32)
    dx = strided_slice_grad([5, 6], [1], [3], [1], dy)
    np.testing.assert_array_equal(_run(dx, {dy: np.ones([2, 6], np.float32)})[1:3], 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"shape of dy was \[2,5\] "
                                                             r"instead of \[2,6\]"):
        _run(dx, {dy: np.ones([2, 5], np.float32)})


def test_strided_slice_gradient_is_strided_slice_grad_with_constant_args():
    x = tf.placeholder(tf.float32, [5, 6, 7])
    (g,) = tf.gradients(tf.reduce_sum(x[::2, 1] * 3.0), [x])
    assert g.op.type == "StridedSliceGrad"
    assert constant_value(g.op.inputs[0]).tolist() == [5, 6, 7]
    want = np.zeros_like(X)
    want[::2, 1] = 3
    np.testing.assert_array_equal(_run(g, {x: X}), want)


def test_strided_slice_gradient_with_unknown_shape():
    x = tf.placeholder(tf.float32)
    (g,) = tf.gradients(tf.reduce_sum(x[1:, ::-2]), [x])
    assert g.op.inputs[0].op.type == "Shape"
    want = np.zeros_like(X)
    want[1:, ::-2] = 1
    np.testing.assert_array_equal(_run(g, {x: X}), want)


# -- gathers and scatters ---------------------------------------------------------------------

def test_gather_out_of_range_names_index_and_range():
    p = tf.placeholder(tf.float32, [5, 3])
    y = tf.gather(p, [[0, 1, 2], [3, 7, 1]])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"indices\[1,1\] = 7 is not in \[0, 5\)"):
        _run(y, {p: np.zeros([5, 3], np.float32)})
    with pytest.raises(ValueError, match="Shape must be at least rank 3"):
        tf.gather(p, [0], axis=2)


def test_gather_strings_and_axis_tensor():
    names = tf.constant(["a", "b", "c"])
    axis = tf.placeholder(tf.int32, [])
    y = tf.gather(names, [2, 0], axis=axis)
    assert y.shape.as_list() == [None]      # the rank is known, not which axis
    assert list(_run(y, {axis: 0})) == [b"c", b"a"]


def test_gather_axis0_gradient_is_indexed_slices():
    p = tf.placeholder(tf.float32, [5, 3])
    (g,) = tf.gradients(tf.reduce_sum(tf.gather(p, [[4, 0], [4, 2]])), [p])
    assert isinstance(g, IndexedSlices)
    assert g.dense_shape.op.type == "Const"
    dense = _run(tf.convert_to_tensor(g), {p: np.zeros([5, 3], np.float32)})
    np.testing.assert_array_equal(dense[:, 0], [1, 0, 1, 0, 2])


@pytest.mark.parametrize("axis,batch_dims", [(1, 0), (2, 1), (-1, 1), (0, 0)])
def test_gather_gradient_on_unknown_shapes_matches_static(axis, batch_dims):
    rng = np.random.default_rng(1)
    params = rng.normal(size=[2, 3, 4]).astype(np.float32)
    limit = params.shape[axis]
    indices = rng.integers(0, limit, size=[2, 5]).astype(np.int32)
    weights = rng.normal(size=np.shape(_take(params, indices, axis, batch_dims)))
    grads = []
    for shape in ([2, 3, 4], None):
        p = tf.placeholder(tf.float32, shape)
        i = tf.placeholder(tf.int32, [2, 5] if shape else None)
        y = tf.gather(p, i, axis=axis, batch_dims=batch_dims)
        (g,) = tf.gradients(tf.reduce_sum(y * weights.astype(np.float32)), [p])
        grads.append(_run(tf.convert_to_tensor(g), {p: params, i: indices}))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6)
    want = np.zeros_like(params)
    _scatter_back(want, indices, weights, axis % 3, batch_dims)
    np.testing.assert_allclose(grads[0], want, rtol=1e-5, atol=1e-6)


def _take(params, indices, axis, batch_dims):
    if batch_dims == 0:
        return np.take(params, indices, axis)
    return np.stack([np.take(params[b], indices[b], axis % 3 - 1) for b in range(2)])


def _scatter_back(out, indices, weights, axis, batch_dims):
    """The gather gradient by brute force: each output element adds its weight back."""
    for pos in np.ndindex(*weights.shape):
        if batch_dims == 0:
            src = list(pos[:axis]) + [indices[pos[axis], pos[axis + 1]]] + list(pos[axis + 2:])
        else:
            rest = pos[1:]
            src = [pos[0]] + list(rest[:axis - 1]) + [indices[pos[0], rest[axis - 1]]] + \
                list(rest[axis:])
        out[tuple(src)] += weights[pos]


def test_gather_nd_and_scatter_nd_errors():
    p = tf.placeholder(tf.float32, [5, 4, 3])
    y = tf.gather_nd(p, [[0, 1], [5, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"indices\[1\] = \[5, 0\] does not index into param shape "
                             r"\[5,4,3\]"):
        _run(y, {p: np.zeros([5, 4, 3], np.float32)})
    s = tf.scatter_nd([[1], [6]], [1.0, 2.0], [5])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"indices\[1\] = \[6\] does not index into shape \[5\]"):
        _run(s)


def test_scatter_nd_sums_duplicates_and_gather_nd_gradient_scatters():
    np.testing.assert_array_equal(_run(tf.scatter_nd([[1], [3], [1]], [1, 2, 5], [5])),
                                  [0, 6, 0, 2, 0])
    p = tf.placeholder(tf.float32)
    (g,) = tf.gradients(tf.reduce_sum(tf.gather_nd(p, [[0, 0], [1, 2], [0, 0]])), [p])
    assert g.op.type == "ScatterNd"
    np.testing.assert_array_equal(_run(g, {p: np.zeros([2, 3], np.float32)}),
                                  [[2, 0, 0], [0, 0, 1]])


def test_gather_nd_batch_dims():
    rng = np.random.default_rng(2)
    params = rng.normal(size=[2, 3, 4, 5]).astype(np.float32)
    indices = rng.integers(0, 3, size=[2, 6, 2]).astype(np.int32)
    got = _run(tf.gather_nd(params, indices, batch_dims=1))
    want = np.stack([params[b][tuple(np.moveaxis(indices[b], -1, 0))] for b in range(2)])
    np.testing.assert_array_equal(got, want)


def test_unsorted_segment_sum_drops_negative_ids_and_rejects_large_ones():
    data = np.arange(12, dtype=np.int32).reshape(4, 3)
    got = _run(tf.unsorted_segment_sum(data, [1, -1, 1, 0], 3))
    np.testing.assert_array_equal(got, [[9, 10, 11], [6, 8, 10], [0, 0, 0]])
    assert got.dtype == np.int32
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"segment_ids\[2\] = 3 is out of range \[0, 3\)"):
        _run(tf.unsorted_segment_sum(data, [1, -1, 3, 0], 3))


def test_unsorted_segment_sum_gradient_zeroes_negative_ids():
    d = tf.placeholder(tf.float32)
    y = tf.math.unsorted_segment_sum(d, tf.constant([2, -1, 0]), 3)
    (g,) = tf.gradients(tf.reduce_sum(y * [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [d])
    np.testing.assert_array_equal(_run(g, {d: np.zeros([3, 2], np.float32)}),
                                  [[5, 6], [0, 0], [1, 2]])


# -- Where, OneHot ----------------------------------------------------------------------------

def test_where_tf1_forms():
    c = tf.constant([[True, False], [False, True]])
    coords = tf.where(c)
    assert coords.op.type == "Where" and coords.dtype == tf.int64
    np.testing.assert_array_equal(_run(coords), [[0, 0], [1, 1]])
    picked = tf.where(c, tf.ones([2, 2]), tf.zeros([2, 2]))
    assert picked.op.type == "Select"
    with pytest.raises(ValueError, match="x and y must both be non-None"):
        tf.where(c, tf.ones([2, 2]))


def test_one_hot_names_dtypes_and_errors():
    y = tf.one_hot([0, 2, -1], 3)
    assert y.op.name == "one_hot" and y.dtype == tf.float32
    assert y.op.inputs[2].op.name == "one_hot/on_value"
    np.testing.assert_array_equal(_run(y), [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert tf.one_hot([1], 2, on_value=5, off_value=-5).dtype == tf.int32
    with pytest.raises(TypeError, match="does not match"):
        tf.one_hot([1], 2, on_value=1.0, dtype=tf.int32)
    with pytest.raises(TypeError, match="dtype int32 of on_value does not match dtype float32"):
        tf.one_hot([1], 2, on_value=1, off_value=0.0)


# -- TopK, InTopK -----------------------------------------------------------------------------

def test_top_k_ties_take_lower_index_first_for_ints():
    values, indices = tf.nn.top_k(tf.constant([[3, 1, 3, 2, 3]], dtype=tf.int64), k=4)
    v, i = _run([values, indices])
    np.testing.assert_array_equal(v, [[3, 3, 3, 2]])
    np.testing.assert_array_equal(i, [[0, 2, 4, 3]])
    assert v.dtype == np.int64 and i.dtype == np.int32
    with pytest.raises(ValueError, match="input must have at least k columns. Had 5, needed 6"):
        tf.nn.top_k(tf.constant([[3, 1, 3, 2, 3]]), k=6)


def test_top_k_gradient_on_unknown_shape():
    x = tf.placeholder(tf.float32)
    values = tf.math.top_k(x, 2).values
    (g,) = tf.gradients(tf.reduce_sum(values * [[1.0, 10.0], [100.0, 1000.0]]), [x])
    got = _run(g, {x: np.array([[0.5, 0.9, 0.1], [0.3, 0.2, 0.4]], np.float32)})
    np.testing.assert_array_equal(got, [[10, 1, 0], [1000, 0, 100]])


def test_in_top_k_ties_non_finite_and_out_of_range_targets():
    predictions = np.array([[0.1, 0.9, 0.9, 0.3], [0.5, np.nan, 0.2, 0.1],
                            [0.3, 0.3, 0.3, 0.3], [0.8, 0.1, 0.6, 0.2]], np.float32)
    y = tf.nn.in_top_k(predictions, [2, 0, 3, 4], 1)
    assert y.op.name == "in_top_k/InTopKV2"
    np.testing.assert_array_equal(_run(y), [True, False, True, False])


# -- Cumsum, ReverseV2 ------------------------------------------------------------------------

def test_cumsum_keeps_integer_dtype_and_handles_flags():
    x = np.array([[1, 2, 3], [4, 5, 6]], np.int32)
    got = _run([tf.cumsum(x, 1), tf.cumsum(x, 1, exclusive=True),
                tf.cumsum(x, -1, reverse=True), tf.cumsum(x, 0, exclusive=True, reverse=True)])
    np.testing.assert_array_equal(got[0], [[1, 3, 6], [4, 9, 15]])
    np.testing.assert_array_equal(got[1], [[0, 1, 3], [0, 4, 9]])
    np.testing.assert_array_equal(got[2], [[6, 5, 3], [15, 11, 6]])
    np.testing.assert_array_equal(got[3], [[4, 5, 6], [0, 0, 0]])
    assert all(g.dtype == np.int32 for g in got)
    with pytest.raises(tf.errors.InvalidArgumentError, match="scan axis in the range"):
        _run(tf.cumsum(tf.placeholder_with_default(x, None), 2))


def test_reverse_rejects_repeated_axes():
    x = tf.placeholder(tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="specified more than once"):
        _run(tf.reverse(x, [1, -1]), {x: np.zeros([2, 3], np.float32)})
    np.testing.assert_array_equal(_run(tf.reverse_v2(x, [0]), {x: X[:, 0, :2]}),
                                  X[::-1, 0, :2])
