"""Control-flow-v1 graphs (Switch/Merge/Enter/Exit/NextIteration/LoopCond) under the dataflow
executor: dead tensors, frames, loop invariants, nesting, import round trips and errors."""
from __future__ import annotations

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.graph import errors
from sessionflow.graph.serialization.graph_io import update_input
from sessionflow.graph.op_builder import apply_op
from sessionflow.ops.framework.kernel_binding import KernelContext
from sessionflow.session.executor import DataflowPlan, StaticPlan, make_plan

from tests.conftest import run as _run
from .specs_control_flow_v1 import stack_round_trip, v1_cond, v1_while, while_ref


def while_loop_v1(cond_fn, body_fn, loop_vars, invariants=(), name="while"):
    """A general TF1 while_loop lowering; ``invariants`` enter as constant Enters.

    Enters are made in the caller's context; the loop's own ops clear outer control
    dependencies (they live in the new frame). Body ops hang off the pivot, cond
    constants off the first Merge, as TF's WhileContext wires them.
    """
    frame = f"{name}/while_context"
    with tf.name_scope(name):
        enters = [apply_op("Enter", [v], {"frame_name": frame}) for v in loop_vars]
        invs = [apply_op("Enter", [v], {"frame_name": frame, "is_constant": True})
                for v in invariants]
        with tf.control_dependencies(None):
            merges = [apply_op("Merge", [[e, e]])[0] for e in enters]
            with tf.control_dependencies([merges[0].op]):
                pred = apply_op("LoopCond", [cond_fn(*merges, *invs)])
            switches = [apply_op("Switch", [m, pred]) for m in merges]
            pivots = [tf.identity(s[1]) for s in switches]
            with tf.control_dependencies([pivots[0].op]):
                outs = body_fn(*pivots, *invs)
            for m, out in zip(merges, outs):
                update_input(m.op, 1, apply_op("NextIteration", [out]))
            return [apply_op("Exit", [s[0]]) for s in switches]


class TestCond:
    def test_both_branches(self):
        with tf.Graph().as_default():
            p = tf.placeholder(tf.bool, [])
            x = tf.placeholder(tf.float32, [2, 3])
            out, index = v1_cond(p, x, lambda t: t * 3.0, lambda f: tf.exp(f))
            xv = np.arange(6, dtype=np.float32).reshape(2, 3)
            got, i = _run([out, index], {p: True, x: xv})
            np.testing.assert_allclose(got, xv * 3.0)
            assert i == 1 and i.dtype == np.int32
            got, i = _run([out, index], {p: False, x: xv})
            np.testing.assert_allclose(got, np.exp(xv), rtol=1e-6)
            assert i == 0

    def test_fetching_dead_branch_errors(self):
        with tf.Graph().as_default():
            p = tf.placeholder(tf.bool, [])
            x_false, x_true = apply_op("Switch", [tf.constant([1.0, 2.0]), p])
            y = x_true * 2.0
            assert _run(x_false, {p: False}).tolist() == [1.0, 2.0]
            with pytest.raises(errors.InvalidArgumentError, match=r"Retval\[1\] does not have "
                                                                  r"value.*mul"):
                _run([x_false, y], {p: False})

    def test_control_edge_from_dead_op_kills(self):
        with tf.Graph().as_default():
            p = tf.placeholder(tf.bool, [])
            _, x_true = apply_op("Switch", [tf.constant(1.0), p])
            with tf.control_dependencies([tf.identity(x_true).op]):
                z = tf.constant(5.0) + 1.0
            assert _run(z, {p: True}) == 6.0
            with pytest.raises(errors.InvalidArgumentError, match="does not have value"):
                _run(z, {p: False})

    def test_control_trigger_stops_deadness(self):
        with tf.Graph().as_default():
            p = tf.placeholder(tf.bool, [])
            _, x_true = apply_op("Switch", [tf.constant(1.0), p])
            with tf.control_dependencies([tf.identity(x_true).op]):
                trigger = apply_op("ControlTrigger", [])
            with tf.control_dependencies([trigger]):
                z = tf.constant(5.0) + 1.0
            assert _run(z, {p: False}) == 6.0

    def test_non_scalar_predicate_names_op(self):
        with tf.Graph().as_default():
            p = tf.placeholder(tf.bool)
            out = apply_op("Switch", [tf.constant(1.0), p], name="sw")[0]
            with pytest.raises(errors.InvalidArgumentError, match="must be a scalar") as e:
                _run(out, {p: [True, False]})
            assert e.value.op.name == "sw"

    def test_static_shapes(self):
        with tf.Graph().as_default():
            with pytest.raises(ValueError, match="rank 0"):
                apply_op("Switch", [tf.constant(1.0), tf.constant([True])])
            a = tf.placeholder(tf.float32, [2, 3])
            b = tf.placeholder(tf.float32, [2, 4])
            out, index = apply_op("Merge", [[a, b]])
            assert out.shape.as_list() == [2, None] and index.shape.rank == 0
            c = tf.placeholder(tf.float32, [2])
            assert apply_op("Merge", [[a, c]])[0].shape.rank is None


class TestWhile:
    @pytest.mark.parametrize("n", [0, 1, 4])
    def test_trip_counts(self, n):
        with tf.Graph().as_default():
            trips = tf.placeholder(tf.int32, [])
            x = tf.placeholder(tf.float32, [3, 2])
            i, y = v1_while(trips, x)
            xv = np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2)
            got_i, got_y = _run([i, y], {trips: n, x: xv})
            want_i, want_y = while_ref(n, xv)
            assert got_i == want_i and got_i.dtype == np.int32
            np.testing.assert_allclose(got_y, want_y, rtol=1e-6)
            assert got_y.dtype == np.float32

    def test_repeated_runs_reuse_the_plan(self):
        with tf.Graph().as_default():
            trips = tf.placeholder(tf.int32, [])
            i, _ = v1_while(trips, tf.constant([1.0, 2.0]))
            with tf.Session() as sess:
                assert [sess.run(i, {trips: n}) for n in (3, 1, 7)] == [3, 1, 7]

    def test_nested_loops_get_a_frame_per_outer_iteration(self):
        with tf.Graph().as_default():
            n = tf.placeholder(tf.int32, [])

            def outer_body(j, acc, n_inv):
                k, s = while_loop_v1(lambda k, s, j_: tf.less(k, j_),
                                     lambda k, s, j_: [k + 1, s + 2.0],
                                     [tf.constant(0), tf.constant(0.0)], [j], name="inner")
                return [j + 1, acc + s]

            _, acc = while_loop_v1(lambda j, acc, n_: tf.less(j, n_), outer_body,
                                   [tf.constant(0), tf.constant(0.0)], [n], name="outer")
            assert _run(acc, {n: 4}) == 2.0 * (0 + 1 + 2 + 3)
            assert _run(acc, {n: 0}) == 0.0

    def test_loop_in_untaken_branch_is_dead(self):
        with tf.Graph().as_default():
            p = tf.placeholder(tf.bool, [])
            x = tf.placeholder(tf.float32, [2])
            x_false, x_true = apply_op("Switch", [x, p])
            pivot = tf.identity(x_true)
            with tf.control_dependencies([pivot.op]):
                looped = while_loop_v1(lambda i, v: tf.less(i, 3),
                                       lambda i, v: [i + 1, v * 2.0],
                                       [tf.constant(0), pivot])[1]
            out = apply_op("Merge", [[x_false - 1.0, looped]])[0]
            xv = np.array([1.0, -2.0], np.float32)
            np.testing.assert_allclose(_run(out, {p: True, x: xv}), xv * 8.0)
            np.testing.assert_allclose(_run(out, {p: False, x: xv}), xv - 1.0)
            with pytest.raises(errors.InvalidArgumentError, match="does not have value"):
                _run(looped, {p: False, x: xv})

    def test_graph_def_round_trip(self):
        with tf.Graph().as_default() as g:
            trips = tf.placeholder(tf.int32, [], name="trips")
            v1_while(trips, tf.constant([1.0, 2.0]), name="loop")
        g2 = tf.Graph()
        with g2.as_default():
            tf.import_graph_def(g.as_graph_def(), name="")
        got = _run(["loop/Exit:0", "loop/Exit_1:0"], {"trips:0": 2}, graph=g2)
        assert got[0] == 2
        np.testing.assert_allclose(got[1], while_ref(2, np.array([1.0, 2.0]))[1])


class TestErrors:
    def test_loop_value_without_enter_is_rejected(self):
        with tf.Graph().as_default():
            outside = tf.constant(2.0, name="outside")
            _, y = while_loop_v1(lambda i, v: tf.less(i, 3),
                                 lambda i, v: [i + 1, v * outside],
                                 [tf.constant(0), tf.constant(1.0)])
            with pytest.raises(errors.InvalidArgumentError, match="different frames"):
                _run(y)

    def test_exit_outside_a_loop(self):
        with tf.Graph().as_default():
            out = apply_op("Exit", [tf.constant(1.0)], name="lonely")
            with pytest.raises(errors.InvalidArgumentError, match="lonely.*not inside"):
                _run(out)

    def test_fetching_inside_a_loop(self):
        with tf.Graph().as_default():
            v1_while(tf.constant(3), tf.constant(1.0), name="w")
            body = tf.get_default_graph().get_tensor_by_name("w/Identity:0")
            with pytest.raises(errors.InvalidArgumentError, match="inside the while-loop"):
                _run(body)

    def test_kernel_error_names_op_in_loop(self):
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32)
            _, y = while_loop_v1(lambda i, v: tf.less(i, 2),
                                 lambda i, v: [i + 1, tf.reshape(v, [3], name="bad")],
                                 [tf.constant(0), x])
            with pytest.raises(errors.InvalidArgumentError) as e:
                _run(y, {x: [1.0, 2.0]})
            assert e.value.op.name == "while/bad"

    def test_gradients_raise_lookup_error(self):
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [2])
            out = v1_cond(tf.constant(True), x, lambda t: t * 3.0, lambda f: f)[0]
            with pytest.raises(LookupError, match="control-flow-v1 op 'cond/Merge'"):
                tf.gradients(out, x)
            _, looped = v1_while(tf.constant(2), x)
            with pytest.raises(LookupError, match="'while/Exit_1' \\(Exit\\)"):
                tf.gradients(looped, x)

    def test_kernels_refuse_direct_calls(self):
        from sessionflow.graph import op_registry
        with tf.Graph().as_default():
            op = apply_op("Exit", [tf.constant(1.0)]).op
            kernel = op_registry.KERNELS["Exit"](op, KernelContext())
            with pytest.raises(errors.InternalError, match="dataflow executor"):
                kernel(np.float32(1))


def test_plain_plans_keep_the_static_step_list():
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [2])
        y = x * 2.0
        plan = make_plan(g, [x], [y], [], KernelContext())
        assert isinstance(plan, StaticPlan) and plan.steps
        trips = tf.placeholder(tf.int32, [])
        i, _ = v1_while(trips, x)
        plan = make_plan(g, [trips, x], [i], [], KernelContext())
        assert isinstance(plan, DataflowPlan)
        assert plan.run([np.int32(2), np.zeros(2, np.float32)])[0] == 2


def test_run_options_trace_and_fed_fetch():
    with tf.Graph().as_default():
        p = tf.placeholder(tf.bool, [])
        x = tf.placeholder(tf.float32, [2])
        out = v1_cond(p, x, lambda t: t + 1.0, lambda f: f)[0]
        options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        meta = tf.RunMetadata()
        with tf.Session() as sess:
            got, fed = sess.run([out, x], {p: True, x: [1.0, 2.0]}, options=options,
                                run_metadata=meta)
        assert got.tolist() == [2.0, 3.0] and list(fed) == [1.0, 2.0]
        names = {s.node_name for d in meta.step_stats.dev_stats for s in d.node_stats}
        assert {"cond/Switch", "cond/Merge"} <= names


class TestStacks:
    def test_values_come_back_last_in_first_out(self):
        with tf.Graph().as_default():
            handle = apply_op("StackV2", [tf.constant(-1)], {"elem_type": tf.int32})
            first = apply_op("StackPushV2", [handle, tf.constant(1)])
            with tf.control_dependencies([first.op]):
                second = apply_op("StackPushV2", [handle, tf.constant([2, 3])])
            with tf.control_dependencies([second.op]):
                a = apply_op("StackPopV2", [handle], {"elem_type": tf.int32})
            with tf.control_dependencies([a.op]):
                b = apply_op("StackPopV2", [handle], {"elem_type": tf.int32})
            got_a, got_b = _run([a, b])
            assert got_a.tolist() == [2, 3] and got_b == 1

    def test_overflow_and_empty_errors(self):
        with tf.Graph().as_default():
            size = tf.placeholder(tf.int32, [])
            pushed, _ = stack_round_trip(size, tf.constant([1.0, 2.0]))
            with pytest.raises(errors.InvalidArgumentError, match="overflowed its max_size"):
                _run(pushed, {size: 0})
            handle = apply_op("StackV2", [tf.constant(3)], {"elem_type": tf.float32},
                              name="empty")
            pop = apply_op("StackPopV2", [handle], {"elem_type": tf.float32}, name="pop_it")
            with pytest.raises(errors.InvalidArgumentError, match=r"Stack\[empty\] is empty"):
                _run(pop)

    def test_forward_values_saved_in_a_loop_pop_in_reverse(self):
        with tf.Graph().as_default():
            n = tf.placeholder(tf.int32, [])
            handle = apply_op("StackV2", [tf.constant(-1)], {"elem_type": tf.int32})

            def push_body(i, h, n_):
                pushed = apply_op("StackPushV2", [h, i])
                with tf.control_dependencies([pushed.op]):
                    return [i + 1]

            done = while_loop_v1(lambda i, h, n_: tf.less(i, n_), push_body, [tf.constant(0)],
                                 [handle, n], name="fwd")[0]
            with tf.control_dependencies([done.op]):
                pops = [apply_op("StackPopV2", [handle], {"elem_type": tf.int32})]
                for _k in range(2):
                    with tf.control_dependencies([pops[-1].op]):
                        pops.append(apply_op("StackPopV2", [handle], {"elem_type": tf.int32}))
            assert [int(v) for v in _run(pops, {n: 4})] == [3, 2, 1]
