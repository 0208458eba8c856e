"""TF1 initializers (``tf.zeros_initializer``, ``tf.glorot_uniform_initializer``, ...).

Each is a callable ``init(shape, dtype=None, partition_info=None) -> Tensor`` that builds
the ops producing the initial value; seeds follow TF1's graph/op seed rules. The
orthogonal initializer draws its matrix with numpy at build time (TF uses a Qr op,
which is outside our op set), seeded from the same TF1 seed pair.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...graph import dtypes
from ...graph import op_builder
from ...graph.op_builder import apply_op
from ...graph.tensor_shape import TensorShape
from ..array import fill_ops
from ..math import math_ops
from ..random.random_ops import get_seed


def _shape_list(shape: Any) -> list[int]:
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    return [int(d) for d in shape]


def _seed_attrs(seed: int | None) -> dict:
    s1, s2 = get_seed(seed)
    return {"seed": s1 or 0, "seed2": s2 or 0}


class Initializer:
    """Base class: subclasses implement ``__call__`` and ``get_config``."""

    def __init__(self, dtype: Any = dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def _dtype(self, dtype: Any) -> dtypes.DType:
        return dtypes.as_dtype(dtype) if dtype is not None else self.dtype

    def get_config(self) -> dict:
        return {"dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config: dict) -> "Initializer":
        return cls(**config)


class Zeros(Initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        return fill_ops.zeros(_shape_list(shape), self._dtype(dtype))


class Ones(Initializer):
    def __call__(self, shape, dtype=None, partition_info=None):
        return fill_ops.ones(_shape_list(shape), self._dtype(dtype))


class Constant(Initializer):
    def __init__(self, value: Any = 0, dtype: Any = dtypes.float32, verify_shape: bool = False):
        super().__init__(dtype)
        self.value = value
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        verify = self._verify_shape if verify_shape is None else verify_shape
        return op_builder.constant(self.value, dtype=self._dtype(dtype), shape=_shape_list(shape),
                                   verify_shape=verify)

    def get_config(self) -> dict:
        return {"value": self.value, "dtype": self.dtype.name}


class RandomNormal(Initializer):
    def __init__(self, mean: float = 0.0, stddev: float = 1.0, seed: int | None = None,
                 dtype: Any = dtypes.float32):
        super().__init__(dtype)
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        return _scaled("RandomStandardNormal", shape, self._dtype(dtype), self.seed,
                       self.stddev, self.mean)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


class TruncatedNormal(RandomNormal):
    def __call__(self, shape, dtype=None, partition_info=None):
        return _scaled("TruncatedNormal", shape, self._dtype(dtype), self.seed, self.stddev,
                       self.mean)


class RandomUniform(Initializer):
    def __init__(self, minval: float = 0, maxval: float | None = None, seed: int | None = None,
                 dtype: Any = dtypes.float32):
        super().__init__(dtype)
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self._dtype(dtype)
        maxval = 1.0 if self.maxval is None else self.maxval
        if dtype.is_integer:
            return apply_op("RandomUniformInt", [_shape_list(shape),
                                                 op_builder.constant(self.minval, dtype),
                                                 op_builder.constant(maxval, dtype)],
                            _seed_attrs(self.seed))
        return _scaled("RandomUniform", shape, dtype, self.seed, maxval - self.minval,
                       self.minval)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed,
                "dtype": self.dtype.name}


class UniformUnitScaling(Initializer):
    """TF1's ``uniform_unit_scaling_initializer``: uniform in ``±factor * sqrt(3 / fan_in)``
    with fan_in the product of all but the last dimension."""

    def __init__(self, factor: float = 1.0, seed: int | None = None,
                 dtype: Any = dtypes.float32):
        super().__init__(dtype)
        if not self.dtype.is_floating:
            raise ValueError(f"Expected floating point type, got {self.dtype}.")
        self.factor, self.seed = factor, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        scale_shape = _shape_list(partition_info.full_shape if partition_info is not None
                                  else shape)
        input_size = max(float(np.prod(scale_shape[:-1])), 1.0)
        max_val = math.sqrt(3 / input_size) * self.factor
        return RandomUniform(-max_val, max_val, self.seed)(shape, self._dtype(dtype))

    def get_config(self) -> dict:
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


def _scaled(op_type: str, shape, dtype: dtypes.DType, seed, scale: float, shift: float):
    attrs = {"dtype": dtype, **_seed_attrs(seed)}
    sample = apply_op(op_type, [op_builder.constant(_shape_list(shape), dtypes.int32)], attrs)
    scaled = math_ops.multiply(sample, op_builder.constant(scale, dtype))
    return math_ops.add(scaled, op_builder.constant(shift, dtype))


def _compute_fans(shape: list[int]) -> tuple[float, float]:
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = float(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(Initializer):
    """Samples with stddev sqrt(scale / n), n from fan_in/fan_out/fan_avg (TF1 defaults)."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None,
                 dtype: Any = dtypes.float32):
        if scale <= 0.0:
            raise ValueError("`scale` must be positive float.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        super().__init__(dtype)
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self._dtype(dtype)
        shape = _shape_list(shape)
        fan_in, fan_out = _compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / .87962566103423978
            return _scaled("TruncatedNormal", shape, dtype, self.seed, stddev, 0.0)
        if self.distribution == "untruncated_normal":
            return _scaled("RandomStandardNormal", shape, dtype, self.seed, math.sqrt(scale), 0.0)
        limit = math.sqrt(3.0 * scale)
        return _scaled("RandomUniform", shape, dtype, self.seed, 2 * limit, -limit)

    def get_config(self) -> dict:
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": self.dtype.name}


class GlorotUniform(VarianceScaling):
    def __init__(self, seed: int | None = None, dtype: Any = dtypes.float32):
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)


class GlorotNormal(VarianceScaling):
    def __init__(self, seed: int | None = None, dtype: Any = dtypes.float32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)


class Orthogonal(Initializer):
    """An orthogonal matrix (QR of a Gaussian sample), reshaped and scaled by ``gain``."""

    def __init__(self, gain: float = 1.0, seed: int | None = None, dtype: Any = dtypes.float32):
        super().__init__(dtype)
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None, partition_info=None):
        shape = _shape_list(shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional")
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        attrs = _seed_attrs(self.seed)
        rng = np.random.default_rng([attrs["seed"], attrs["seed2"]] if self.seed is not None
                                    else None)
        a = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return op_builder.constant((self.gain * q).reshape(shape), dtype=self._dtype(dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


class Identity(Initializer):
    def __init__(self, gain: float = 1.0, dtype: Any = dtypes.float32):
        super().__init__(dtype)
        self.gain = gain

    def __call__(self, shape, dtype=None, partition_info=None):
        shape = _shape_list(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices.")
        return op_builder.constant(self.gain * np.eye(*shape), dtype=self._dtype(dtype))

    def get_config(self) -> dict:
        return {"gain": self.gain, "dtype": self.dtype.name}


def he_normal(seed: int | None = None) -> VarianceScaling:
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed: int | None = None) -> VarianceScaling:
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed: int | None = None) -> VarianceScaling:
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed: int | None = None) -> VarianceScaling:
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
random_uniform_initializer = RandomUniform
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
orthogonal_initializer = Orthogonal
uniform_unit_scaling_initializer = UniformUnitScaling

# ``tf.initializers.<lowercase>`` names (TF1 exposes the classes under these too).
_LOWERCASE = {"zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
              "truncated_normal": TruncatedNormal, "random_uniform": RandomUniform,
              "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
              "glorot_normal": GlorotNormal, "orthogonal": Orthogonal, "identity": Identity,
              "uniform_unit_scaling": UniformUnitScaling}
globals().update(_LOWERCASE)

EXPORTS = {
    "": ["zeros_initializer", "ones_initializer", "constant_initializer",
         "random_normal_initializer", "truncated_normal_initializer",
         "random_uniform_initializer", "variance_scaling_initializer",
         "glorot_uniform_initializer", "glorot_normal_initializer", "orthogonal_initializer",
         "uniform_unit_scaling_initializer"],
    "initializers": ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal",
                     "TruncatedNormal", "RandomUniform", "VarianceScaling", "GlorotUniform",
                     "GlorotNormal", "Orthogonal", "Identity", "he_normal", "he_uniform",
                     "lecun_normal", "lecun_uniform", *_LOWERCASE],
}
