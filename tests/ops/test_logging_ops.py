"""Logging/debugging ops: CheckNumerics, Assert, StringFormat, PrintV2, tf.print, tf.Print and
the tf.debugging.assert_* family (TF's messages, static checks at build time)."""
from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph import op_registry
from sessionflow.ops.debug.logging_ops import string_format, summarize_legacy, summarize_numpy

from tests.conftest import run as _run

needs_strided_slice = pytest.mark.skipif(
    "StridedSlice" not in op_registry.KERNELS, reason="needs tensor indexing (StridedSlice)")


pytestmark = pytest.mark.usefixtures("graph")     # a fresh default graph for every test


# -- summaries ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, summarize, expected", [
    (np.arange(1, 4), 3, "[1 2 3]"),
    (np.arange(1, 11), 3, "[1 2 3 ... 8 9 10]"),
    (np.arange(1, 11), -1, "[1 2 3 4 5 6 7 8 9 10]"),
    (np.arange(6).reshape(2, 3), 3, "[[0 1 2]\n [3 4 5]]"),
    (np.arange(40).reshape(8, 5), 1, "[[0 ... 4]\n ...\n [35 ... 39]]"),
    (np.array(7), 3, "7"),
    (np.zeros([0]), 3, "[]"),
    (np.array([0.5, 1e10, np.nan, -np.inf], np.float32), 4, "[0.5 1e+10 nan -inf]"),
    (np.array([0.1, 1 / 3], np.float32), 3, "[0.1 0.333333343]"),
    (np.array([True, False]), 3, "[1 0]"),
    (np.array([b"a", b'q"\n'], dtype=object), 3, '["a" "q\\"\\n"]'),
])
def test_numpy_like_summary(value, summarize, expected):
    assert summarize_numpy(value, summarize) == expected


@pytest.mark.parametrize("value, summarize, expected", [
    (np.arange(1, 6), 3, "1 2 3..."),
    (np.arange(1, 4), 3, "1 2 3"),
    (np.array([[1, 2], [3, 4]]), 3, "[1 2][3...]..."),
    (np.array([[1, 2], [3, 4]]), -1, "[1 2][3 4]"),
    (np.array(2.5), 3, "2.5"),
    (np.array(b"x (x:0) = ", dtype=object), 3, "x (x:0) = "),
])
def test_legacy_summary(value, summarize, expected):
    assert summarize_legacy(value, summarize) == expected


# -- CheckNumerics ------------------------------------------------------------------------

@pytest.mark.parametrize("bad, status", [([1, np.nan], "NaN"), ([np.inf, 0], "Inf"),
                                         ([np.nan, -np.inf], "Inf and NaN")])
def test_check_numerics_messages(bad, status):
    x = tf.placeholder(tf.float32, [2])
    y = tf.check_numerics(x, "x looks wrong")
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {x: [1, 2]}), [1, 2])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=f"x looks wrong : Tensor had {status} values"):
            sess.run(y, {x: bad})


def test_check_numerics_accepts_huge_finite_values():
    x = tf.constant(np.full(4, 1e308))
    np.testing.assert_array_equal(_run(tf.debugging.check_numerics(x, "m")), np.full(4, 1e308))


def test_check_numerics_gradient_checks_the_gradient(graph):
    x = tf.placeholder(tf.float32, [2])
    y = tf.check_numerics(x, "fwd")
    g, = tf.gradients(tf.reduce_sum(tf.log(y)), [x])
    checks = [op for op in graph.get_operations() if op.type == "CheckNumerics"]
    assert [op.attrs["message"] for op in checks] == [
        "fwd", "Not a number (NaN) or infinity (Inf) values detected in gradient. fwd"]
    with tf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {x: [1, 2]}), [1, 0.5])
        with pytest.raises(tf.errors.InvalidArgumentError, match="detected in gradient. fwd"):
            sess.run(g, {x: [0, 2]})


# -- Assert -------------------------------------------------------------------------------

def test_assert_passes_and_fails_with_tf_message():
    x = tf.placeholder(tf.int32, [None])
    op = tf.Assert(tf.reduce_all(x > 0), ["x must be positive:", x])
    assert isinstance(op, tf.Operation) and op.name == "Assert/Assert"
    with tf.Session() as sess:
        assert sess.run(op, {x: [1, 2]}) is None
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(op, {x: [1, -2, 3, 4]})
    assert info.value.message.startswith("assertion failed: [x must be positive:] [1 -2 3...]")


def test_assert_summarize_and_control_dependency():
    x = tf.placeholder(tf.float32, [None])
    check = tf.debugging.Assert(tf.reduce_all(x < 10), [x], summarize=5)
    with tf.control_dependencies([check]):
        y = tf.identity(x)
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"assertion failed: \[1 2 30 4 5...\]"):
            sess.run(y, {x: [1, 2, 30, 4, 5, 6]})


def test_assert_condition_must_be_scalar():
    c = tf.placeholder(tf.bool, None)
    op = tf.Assert(c, [1])
    with tf.Session() as sess:
        sess.run(op, {c: [True]})            # TF's legacy scalar: shape [1] is fine
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"should be a scalar: \[2\]"):
            sess.run(op, {c: [True, True]})


# -- StringFormat, PrintV2, tf.print, tf.Print -----------------------------------------------

def test_string_format():
    x = tf.constant([[1, 2], [3, 4]])
    s = string_format("x: {}, name: {}", [x, tf.constant("hi")])
    assert s.dtype == tf.string and s.shape.as_list() == []
    assert _run(s) == b'x: [[1 2]\n [3 4]], name: "hi"'
    s = string_format("{}", tf.range(1, 11) if hasattr(tf, "range") else
                      tf.constant(np.arange(1, 11, dtype=np.int32)), summarize=2)
    assert _run(s) == b"[1 2 ... 9 10]"


def test_string_format_placeholder_count_is_checked_at_build_time():
    with pytest.raises(ValueError, match="template expects 2 tensors"):
        string_format("{} {}", [tf.constant(1)])


def test_print_to_stderr_and_stdout(capsys):
    x = tf.constant(np.arange(10))
    with tf.Session() as sess:
        sess.run(tf.print("x:", x, {"b": x, "a": [1, 2]}))
        sess.run(tf.print(x, "done", output_stream=sys.stdout, sep="|", end="!\n",
                          summarize=2))
    out, err = capsys.readouterr()
    assert err == "x: [0 1 2 ... 7 8 9] {'a': [1, 2], 'b': [0 1 2 ... 7 8 9]}\n"
    assert out == "[0 1 ... 8 9]|done!\n"


def test_print_returns_the_op_with_tf_names(capsys):
    op = tf.print(tf.constant(1.5), name="show")
    assert isinstance(op, tf.Operation) and op.type == "PrintV2" and op.name == "show_print"
    assert op.inputs[0].op.name == "show_format"
    _ = tf.Session().run(op)
    assert capsys.readouterr().err == "1.5\n"


def test_print_single_string_tensor_verbatim(capsys):
    op = tf.print(tf.constant("plain {} text"))
    assert op.inputs[0].op.type == "Const"
    tf.Session().run(op)
    assert capsys.readouterr().err == "plain {} text\n"


def test_print_placeholder_avoids_collisions(capsys):
    tf.Session().run(tf.print("literal {}", tf.constant([1, 2])))
    assert capsys.readouterr().err == "literal {} [1 2]\n"


def test_print_to_log_and_file(caplog, tmp_path):
    path = tmp_path / "out.txt"
    with caplog.at_level(logging.INFO, logger="sessionflow"):
        with tf.Session() as sess:
            sess.run(tf.print("hello", tf.constant(3), output_stream=logging.info))
            sess.run(tf.print("to file", output_stream=f"file://{path}"))
    assert "hello 3" in caplog.text
    assert path.read_text() == "to file\n"


def test_print_rejects_unknown_streams():
    with pytest.raises(ValueError, match="Unsupported output stream"):
        tf.print("x", output_stream="nowhere")


def test_tf1_print_is_an_identity_that_prints(capsys):
    x = tf.placeholder(tf.float32, [None])
    y = tf.Print(x, [x, tf.reduce_sum(x)], message="vals: ", summarize=2)
    assert y.op.type == "Identity" and y.name == "Print:0" and y.shape.as_list() == [None]
    out = _run(y * 2, {x: [1, 2, 3, 4, 5]})
    np.testing.assert_array_equal(out, [2, 4, 6, 8, 10])
    assert capsys.readouterr().err == "vals: [1 2 ... 4 5][15]\n"


# -- tf.debugging.assert_* --------------------------------------------------------------------

def test_assert_equal_static_failure_raises_at_build_time():
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        tf.assert_equal(tf.constant([1, 2, 3]), tf.constant([1, 2, 4]), message="oops")
    lines = info.value.message.split("\n")
    assert lines[0] == "oops"
    assert lines[1] == "Condition x == y did not hold element-wise:"
    assert lines[2:] == ["x (Const:0) = ", "[1 2 3]", "y (Const_1:0) = ", "[1 2 4]"]


def test_assert_equal_static_success_and_identity_shortcut():
    x = tf.constant([1, 2])
    op = tf.debugging.assert_equal(x, [1, 2])
    assert op.name == "assert_equal_1/Assert/Assert"      # TF enters the scope twice
    assert tf.assert_equal(x, x).type == "NoOp"


def test_assert_equal_dynamic_failure_message():
    x = tf.placeholder(tf.int32, [3])
    y = tf.placeholder(tf.int32, [3])
    op = tf.assert_equal(x, y)
    with tf.Session() as sess:
        sess.run(op, {x: [1, 2, 3], y: [1, 2, 3]})
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(op, {x: [1, 2, 3], y: [1, 2, 4]})
    assert info.value.message.startswith(
        "assertion failed: [Condition x == y did not hold element-wise:] "
        "[x (Placeholder:0) = ] [1 2 3] [y (Placeholder_1:0) = ] [1 2 4]")


@pytest.mark.parametrize("fn, good, bad", [
    (tf.assert_less, ([1, 2], [2, 3]), ([1, 2], [2, 2])),
    (tf.debugging.assert_less_equal, ([1, 2], [1, 3]), ([2, 2], [1, 3])),
    (tf.assert_greater, ([2, 3], [1, 2]), ([2, 3], [2, 2])),
    (tf.debugging.assert_greater_equal, ([2, 3], [2, 2]), ([1, 3], [2, 2])),
])
def test_binary_asserts(fn, good, bad):
    x = tf.placeholder(tf.float32, [2])
    y = tf.placeholder(tf.float32, [2])
    op = fn(x, y)
    with tf.Session() as sess:
        sess.run(op, {x: good[0], y: good[1]})
        with pytest.raises(tf.errors.InvalidArgumentError, match="did not hold element-wise"):
            sess.run(op, {x: bad[0], y: bad[1]})
    with pytest.raises(tf.errors.InvalidArgumentError):
        fn(tf.constant(bad[0]), tf.constant(bad[1]))


@pytest.mark.parametrize("fn, good, bad, sym", [
    (tf.assert_positive, [1, 2], [0, 2], "> 0"),
    (tf.debugging.assert_non_negative, [0, 2], [-1, 2], ">= 0"),
    (tf.assert_negative, [-1, -2], [0, -2], "< 0"),
    (tf.assert_non_positive, [0, -2], [1, 0], "<= 0"),
])
def test_sign_asserts(fn, good, bad, sym):
    x = tf.placeholder(tf.int32, [2])
    op = fn(x, message="check")
    with tf.Session() as sess:
        sess.run(op, {x: good})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=rf"\[check\] \[Condition x {sym} did not hold"):
            sess.run(op, {x: bad})
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"Condition x {sym}"):
        fn(tf.constant(bad))


def test_assert_rank_static():
    x = tf.placeholder(tf.float32, [2, 3])
    assert tf.assert_rank(x, 2).type == "NoOp"
    with pytest.raises(ValueError) as info:
        tf.assert_rank(x, 3, message="need 3")
    assert str(info.value) == \
        "need 3.  Tensor Placeholder:0 must have rank 3.  Received rank 2, shape (2, 3)"
    with pytest.raises(ValueError, match="must have rank at least 3"):
        tf.assert_rank_at_least(x, 3)
    assert tf.assert_rank_in(x, [1, 2]).type == "NoOp"
    with pytest.raises(TypeError, match="must be of type"):
        tf.assert_rank(x, tf.constant(2, tf.int64))


def test_assert_rank_dynamic():
    x = tf.placeholder(tf.float32, None)
    op = tf.assert_rank(x, 2)
    with tf.Session() as sess:
        sess.run(op, {x: np.zeros([2, 2])})
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"must have rank\] \[2\] \[Received shape: \] \[3\]"):
            sess.run(op, {x: np.zeros([3])})


def test_assert_shapes_static():
    x, y = tf.zeros([10, 3]), tf.ones([10, 7])
    op = tf.debugging.assert_shapes([(x, ("N", "Q")), (y, ("N", "D")),
                                     (tf.constant([1.0, 2.0, 3.0]), ("Q",)),
                                     (tf.constant(1.0), ()), (y, (..., 7))])
    assert op.type == "NoOp" and op.name == "group_deps"
    with pytest.raises(ValueError, match=r"Specified by tensor .* dimension 1.  Tensor .* "
                                         r"dimension 1 must have size 3.  Received size 7"):
        tf.debugging.assert_shapes({x: ("N", "D"), y: ("N", "D")})
    with pytest.raises(ValueError, match="must have rank 3"):
        tf.debugging.assert_shapes([(x, ("N", "Q", "R"))])
    with pytest.raises(ValueError, match="only allowed as the first entry"):
        tf.debugging.assert_shapes([(x, ("N", "*"))])


@needs_strided_slice
def test_assert_shapes_dynamic():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 2])
    op = tf.debugging.assert_shapes([(x, ("N", 3)), (y, ("N", "."))])
    with tf.Session() as sess:
        sess.run(op, {x: np.zeros([4, 3]), y: np.zeros([4, 2])})
        with pytest.raises(tf.errors.InvalidArgumentError, match="must have size"):
            sess.run(op, {x: np.zeros([4, 3]), y: np.zeros([5, 2])})


def test_debugging_namespace_reexports():
    assert tf.debugging.is_nan is tf.is_nan
    assert tf.debugging.is_inf is tf.is_inf
    assert tf.debugging.is_finite is tf.is_finite
    assert tf.debugging.check_numerics is tf.check_numerics
    assert tf.debugging.Assert is tf.Assert
