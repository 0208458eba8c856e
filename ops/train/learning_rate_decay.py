"""TF1 learning-rate schedules (``tf.train.exponential_decay``, cosine decays with restarts
and linear-cosine decays, ...) as graph ops.

Each function builds, under its own name scope, the ops TensorFlow's
``compat.v1.train`` schedules build: the learning rate fixes the dtype, the step and
the constants are cast to it, and the result is a tensor that follows the step
variable as training runs. ``piecewise_constant`` selects its value with a chain of
``SelectV2`` ops instead of TF's ``tf.case`` (same values: the intervals are disjoint).
"""
from __future__ import annotations

import math
from typing import Any

from ...graph.core import Tensor
from ...graph.graph import get_default_graph
from ...graph.op_builder import constant, convert_to_tensor
from ...graph.static_value import constant_value
from ..math import math_ops
from ..random import random_ops


def _require_step(global_step: Any, fn: str) -> None:
    if global_step is None:
        raise ValueError(f"global_step is required for {fn}.")


def _decay_inputs(learning_rate: Any, global_step: Any, decay_steps: Any):
    """(learning_rate tensor, step, decay_steps) with the step and steps cast to its dtype."""
    lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
    dtype = lr.dtype.base_dtype
    return lr, math_ops.cast(global_step, dtype), math_ops.cast(decay_steps, dtype)


def exponential_decay(learning_rate: Any, global_step: Any, decay_steps: Any,
                      decay_rate: Any, staircase: bool = False,
                      name: str | None = None) -> Tensor:
    """learning_rate * decay_rate ^ (global_step / decay_steps) (floored if staircase)."""
    _require_step(global_step, "exponential_decay")
    return _exponential(learning_rate, global_step, decay_steps, decay_rate, staircase, name)


def _exponential(learning_rate, global_step, decay_steps, decay_rate, staircase, name):
    with get_default_graph().name_scope(name or "ExponentialDecay") as scope:
        lr, step, decay_steps = _decay_inputs(learning_rate, global_step, decay_steps)
        decay_rate = math_ops.cast(decay_rate, lr.dtype.base_dtype)
        p = step / decay_steps
        if staircase:
            p = math_ops.floor(p)
        return math_ops.multiply(lr, math_ops.pow(decay_rate, p), name=scope)


def natural_exp_decay(learning_rate: Any, global_step: Any, decay_steps: Any,
                      decay_rate: Any, staircase: bool = False,
                      name: str | None = None) -> Tensor:
    """learning_rate * exp(-decay_rate * global_step / decay_steps) (TF 2's formulation:
    exponential decay with rate exp(-decay_rate))."""
    _require_step(global_step, "natural_exp_decay")
    natural_exp_rate = math_ops.exp(math_ops.negative(decay_rate))
    return _exponential(learning_rate, global_step, decay_steps, natural_exp_rate, staircase,
                        name)


def inverse_time_decay(learning_rate: Any, global_step: Any, decay_steps: Any,
                       decay_rate: Any, staircase: bool = False,
                       name: str | None = None) -> Tensor:
    """learning_rate / (1 + decay_rate * global_step / decay_steps)."""
    _require_step(global_step, "inverse_time_decay")
    with get_default_graph().name_scope(name or "InverseTimeDecay") as scope:
        lr, step, decay_steps = _decay_inputs(learning_rate, global_step, decay_steps)
        decay_rate = math_ops.cast(decay_rate, lr.dtype.base_dtype)
        p = step / decay_steps
        if staircase:
            p = math_ops.floor(p)
        const = math_ops.cast(constant(1), lr.dtype.base_dtype)
        denom = math_ops.add(const, math_ops.multiply(decay_rate, p))
        return math_ops.divide(lr, denom, name=scope)


def polynomial_decay(learning_rate: Any, global_step: Any, decay_steps: Any,
                     end_learning_rate: Any = 0.0001, power: Any = 1.0, cycle: bool = False,
                     name: str | None = None) -> Tensor:
    """(lr - end) * (1 - step / decay_steps) ^ power + end, the step clipped to
    decay_steps (or, with cycle, decay_steps stretched to the next multiple)."""
    _require_step(global_step, "polynomial_decay")
    with get_default_graph().name_scope(name or "PolynomialDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
        dtype = lr.dtype.base_dtype
        end_learning_rate = math_ops.cast(end_learning_rate, dtype)
        power = math_ops.cast(power, dtype)
        step = math_ops.cast(global_step, dtype)
        decay_steps_recomp = math_ops.cast(decay_steps, dtype)
        if cycle:
            multiplier = math_ops.select_v2(math_ops.equal(step, 0), 1.0,
                                            math_ops.ceil(step / decay_steps))
            decay_steps_recomp = math_ops.multiply(decay_steps_recomp, multiplier)
        else:
            step = math_ops.minimum(step, decay_steps_recomp)
        p = math_ops.divide(step, decay_steps_recomp)
        return math_ops.add(math_ops.multiply(lr - end_learning_rate,
                                              math_ops.pow(1 - p, power)),
                            end_learning_rate, name=scope)


def cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any, alpha: float = 0.0,
                 name: str | None = None) -> Tensor:
    """learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) /
    decay_steps)) + alpha)."""
    _require_step(global_step, "cosine_decay")
    with get_default_graph().name_scope(name or "CosineDecay"):
        lr, step, decay_steps = _decay_inputs(learning_rate, global_step, decay_steps)
        step = math_ops.minimum(step, decay_steps)
        completed_fraction = step / decay_steps
        pi = constant(math.pi, dtype=lr.dtype.base_dtype)
        cosine_decayed = 0.5 * (1.0 + math_ops.cos(pi * completed_fraction))
        decayed = (1 - alpha) * cosine_decayed + alpha
        return math_ops.multiply(lr, decayed)


def _restart_step(fraction: Tensor, t_mul: Tensor, geometric: bool) -> tuple:
    """(restart index, fraction into the current period) of SGDR's schedule: periods of
    equal length, or growing by ``t_mul`` each (geometric)."""
    if not geometric:
        i_restart = math_ops.floor(fraction)
        return i_restart, fraction - i_restart
    i_restart = math_ops.floor(math_ops.log(1.0 - fraction * (1.0 - t_mul)) / math_ops.log(t_mul))
    sum_r = (1.0 - t_mul ** i_restart) / (1.0 - t_mul)
    return i_restart, (fraction - sum_r) / t_mul ** i_restart


def cosine_decay_restarts(learning_rate: Any, global_step: Any, first_decay_steps: Any,
                          t_mul: float = 2.0, m_mul: float = 1.0, alpha: float = 0.0,
                          name: str | None = None) -> Tensor:
    """Cosine decay with warm restarts (SGDR): each period ``t_mul`` times longer than the
    last and restarting at ``m_mul`` times the last peak; ``alpha`` is the floor."""
    _require_step(global_step, "cosine_decay_restarts")
    with get_default_graph().name_scope(name or "SGDRDecay") as scope:
        lr, step, first_decay_steps = _decay_inputs(learning_rate, global_step,
                                                    first_decay_steps)
        dtype = lr.dtype.base_dtype
        alpha, t_mul, m_mul = (math_ops.cast(v, dtype) for v in (alpha, t_mul, m_mul))
        fraction = step / first_decay_steps
        equal_periods = constant_value(t_mul)
        if equal_periods is not None:
            i_restart, fraction = _restart_step(fraction, t_mul, bool(equal_periods != 1.0))
        else:
            is_one = math_ops.equal(t_mul, 1.0)
            steps = [_restart_step(fraction, t_mul, geometric) for geometric in (False, True)]
            i_restart, fraction = (math_ops.select_v2(is_one, a, b) for a, b in zip(*steps))
        pi = constant(math.pi, dtype=dtype)
        cosine_decayed = 0.5 * m_mul ** i_restart * (1.0 + math_ops.cos(pi * fraction))
        decayed = (1 - alpha) * cosine_decayed + alpha
        return math_ops.multiply(lr, decayed, name=scope)


def _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta, name,
                   noise=None) -> Tensor:
    """(alpha + linear decay [+ noise]) * cosine decay + beta, times the learning rate."""
    with get_default_graph().name_scope(name) as scope:
        lr, step, decay_steps = _decay_inputs(learning_rate, global_step, decay_steps)
        dtype = lr.dtype.base_dtype
        num_periods, alpha, beta = (math_ops.cast(v, dtype) for v in (num_periods, alpha, beta))
        step = math_ops.minimum(step, decay_steps)
        linear_decayed = (decay_steps - step) / decay_steps
        if noise is not None:
            linear_decayed = linear_decayed + noise(step, linear_decayed, dtype)
        fraction = 2.0 * num_periods * (step / decay_steps)
        cosine_decayed = 0.5 * (1.0 + math_ops.cos(constant(math.pi, dtype=dtype) * fraction))
        return math_ops.multiply(lr, (alpha + linear_decayed) * cosine_decayed + beta,
                                 name=scope)


def linear_cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any,
                        num_periods: float = 0.5, alpha: float = 0.0, beta: float = 0.001,
                        name: str | None = None) -> Tensor:
    """learning_rate * ((alpha + (decay_steps - step) / decay_steps) * 0.5 * (1 + cos(2 pi
    num_periods step / decay_steps)) + beta), the step clipped to decay_steps."""
    _require_step(global_step, "linear_cosine_decay")
    return _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta,
                          name or "LinearCosineDecay")


def noisy_linear_cosine_decay(learning_rate: Any, global_step: Any, decay_steps: Any,
                              initial_variance: float = 1.0, variance_decay: float = 0.55,
                              num_periods: float = 0.5, alpha: float = 0.0,
                              beta: float = 0.001, name: str | None = None) -> Tensor:
    """``linear_cosine_decay`` with 0-centred gaussian noise of variance
    ``initial_variance / (1 + step) ** variance_decay`` added to the linear part."""
    _require_step(global_step, "noisy_linear_cosine_decay")

    def noise(step, like, dtype):
        variance = math_ops.cast(initial_variance, dtype) / math_ops.pow(
            1.0 + step, math_ops.cast(variance_decay, dtype))
        return random_ops.random_normal(like.shape, stddev=math_ops.sqrt(variance),
                                        dtype=dtype)
    return _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta,
                          name or "NoisyLinearCosineDecay", noise)


def piecewise_constant(x: Any, boundaries: list, values: list,
                       name: str | None = None) -> Tensor:
    """values[i] where boundaries[i-1] < x <= boundaries[i] (values[0] up to the first
    boundary, values[-1] past the last)."""
    boundaries, values = list(boundaries), list(values)
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    with get_default_graph().name_scope(name or "PiecewiseConstant") as scope:
        x = convert_to_tensor(x)
        boundaries = [math_ops.cast(convert_to_tensor(b), x.dtype.base_dtype)
                      for b in boundaries]
        values = [convert_to_tensor(v) for v in values]
        for v in values[1:]:
            if v.dtype.base_dtype != values[0].dtype.base_dtype:
                raise ValueError(f"Values must have elements all with the same dtype "
                                 f"({values[0].dtype.base_dtype.name} vs "
                                 f"{v.dtype.base_dtype.name}).")
        result = values[-1]
        for i in reversed(range(len(boundaries))):
            result = math_ops.select_v2(math_ops.less_equal(x, boundaries[i]), values[i],
                                        result, name=scope if i == 0 else None)
        return result


piecewise_constant_decay = piecewise_constant

EXPORTS = {"train": ["cosine_decay", "cosine_decay_restarts", "exponential_decay",
                     "inverse_time_decay", "linear_cosine_decay", "natural_exp_decay",
                     "noisy_linear_cosine_decay", "piecewise_constant",
                     "piecewise_constant_decay", "polynomial_decay"]}
