"""TF1 learning-rate schedules against numpy, and a schedule driven by the global step."""
from __future__ import annotations

import math

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.ops.train import learning_rate_decay as lrd
from sessionflow.ops.train import optimizers as opt_lib
from sessionflow.ops.train import training_util

_STEPS = [0, 1, 7, 10, 25, 40]


def _schedule(build) -> list[float]:
    """The schedule's value at each of _STEPS, fed through an int64 step placeholder."""
    graph = tf.Graph()
    with graph.as_default():
        step = tf.placeholder(tf.int64, [])
        lr = build(step)
        with tf.Session() as sess:
            return [sess.run(lr, {step: s}) for s in _STEPS]


def _polynomial(s, cycle):
    decay_steps = 10.0 * max(1.0, math.ceil(s / 10.0)) if cycle else 10.0
    s = s if cycle else min(s, 10.0)
    return (0.5 - 0.01) * (1 - s / decay_steps) ** 2.0 + 0.01


_CASES = {
    "exponential": (lambda s: lrd.exponential_decay(0.5, s, 10, 0.3),
                    lambda s: 0.5 * 0.3 ** (s / 10)),
    "exponential_staircase": (lambda s: lrd.exponential_decay(0.5, s, 10, 0.3, staircase=True),
                              lambda s: 0.5 * 0.3 ** (s // 10)),
    "natural_exp": (lambda s: lrd.natural_exp_decay(0.5, s, 10, 0.3),
                    lambda s: 0.5 * math.exp(-0.3 * s / 10)),
    "inverse_time": (lambda s: lrd.inverse_time_decay(0.5, s, 10, 0.3),
                     lambda s: 0.5 / (1 + 0.3 * s / 10)),
    "inverse_time_staircase": (lambda s: lrd.inverse_time_decay(0.5, s, 10, 0.3, True),
                               lambda s: 0.5 / (1 + 0.3 * (s // 10))),
    "polynomial": (lambda s: lrd.polynomial_decay(0.5, s, 10, 0.01, power=2.0),
                   lambda s: _polynomial(s, False)),
    "polynomial_cycle": (lambda s: lrd.polynomial_decay(0.5, s, 10, 0.01, 2.0, cycle=True),
                         lambda s: _polynomial(s, True)),
    "cosine": (lambda s: lrd.cosine_decay(0.5, s, 25, alpha=0.1),
               lambda s: 0.5 * (0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 25) / 25)) + 0.1)),
    "piecewise": (lambda s: lrd.piecewise_constant(s, [5, 10, 30], [1.0, 0.5, 0.1, 0.01]),
                  lambda s: 1.0 if s <= 5 else 0.5 if s <= 10 else 0.1 if s <= 30 else 0.01),
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_schedules_match_numpy(case):
    build, reference = _CASES[case]
    got = _schedule(build)
    for s, value in zip(_STEPS, got):
        assert np.asarray(value).dtype == np.float32
        assert float(value) == pytest.approx(reference(s), rel=1e-5, abs=1e-7), f"step {s}"


def test_schedule_names_and_dtypes():
    with tf.Graph().as_default():
        step = tf.placeholder(tf.int32, [])
        assert lrd.exponential_decay(0.1, step, 10, 0.5).op.name == "ExponentialDecay"
        assert lrd.exponential_decay(0.1, step, 10, 0.5, name="lr").op.name == "lr"
        assert lrd.inverse_time_decay(0.1, step, 10, 0.5).op.name == "InverseTimeDecay"
        assert lrd.polynomial_decay(0.1, step, 10).op.name == "PolynomialDecay"
        assert lrd.piecewise_constant(step, [3], [0.1, 0.2]).op.name == "PiecewiseConstant"
        lr64 = lrd.cosine_decay(tf.constant(0.1, tf.float64), step, 10)
        assert lr64.dtype == tf.float64


def test_schedule_argument_errors():
    with tf.Graph().as_default():
        for fn in (lrd.exponential_decay, lrd.natural_exp_decay, lrd.inverse_time_decay):
            with pytest.raises(ValueError, match=f"global_step is required for {fn.__name__}"):
                fn(0.1, None, 10, 0.5)
        with pytest.raises(ValueError, match="global_step is required for polynomial_decay"):
            lrd.polynomial_decay(0.1, None, 10)
        with pytest.raises(ValueError, match="boundaries should be 1 less than the length"):
            lrd.piecewise_constant(tf.constant(1), [1, 2], [0.1, 0.2])
        with pytest.raises(ValueError, match="same dtype"):
            lrd.piecewise_constant(tf.constant(1), [1], [0.1, 2])


def test_decayed_learning_rate_follows_the_global_step():
    """minimize(global_step=...) advances the step, and the next update uses the new rate."""
    graph = tf.Graph()
    with graph.as_default():
        step = training_util.get_or_create_global_step()
        lr = lrd.exponential_decay(1.0, step, 1, 0.5)
        w = tf.Variable(0.0, name="w")
        train = opt_lib.GradientDescentOptimizer(lr).minimize(-w, global_step=step)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train)
            assert sess.run(w) == pytest.approx(1.0 + 0.5 + 0.25)
            assert sess.run(lr) == pytest.approx(0.125)
