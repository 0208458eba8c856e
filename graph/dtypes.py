"""TensorFlow's dtypes: ``DType`` objects keyed by the ``DataType`` enum, mapped to numpy.

Values and names follow ``tensorflow/core/framework/types.proto``; a ``_REF`` type is the
base enum + 100, as TF1 ``VariableV2`` outputs use.
"""
from __future__ import annotations

from typing import Any

import numpy as np

_REF_OFFSET = 100


class DType:
    """A tensor element type: TF name, ``DataType`` enum value and numpy dtype."""

    __slots__ = ("_enum", "_name", "_np")

    def __init__(self, enum: int, name: str, np_dtype: Any):
        self._enum = enum
        self._name = name
        self._np = np.dtype(np_dtype) if np_dtype is not None else None

    @property
    def name(self) -> str:
        return self._name

    @property
    def as_datatype_enum(self) -> int:
        return self._enum

    @property
    def as_numpy_dtype(self):
        """The numpy scalar type (``np.float32``), as TensorFlow returns it."""
        return self._np.type if self._np is not None else None

    @property
    def np_dtype(self) -> np.dtype | None:
        return self._np

    @property
    def is_ref_dtype(self) -> bool:
        return self._enum > _REF_OFFSET

    @property
    def base_dtype(self) -> "DType":
        return _BY_ENUM[self._enum - _REF_OFFSET] if self.is_ref_dtype else self

    @property
    def _as_ref(self) -> "DType":
        return self if self.is_ref_dtype else _BY_ENUM[self._enum + _REF_OFFSET]

    @property
    def real_dtype(self) -> "DType":
        base = self.base_dtype
        return {complex64: float32, complex128: float64}.get(base, base)

    @property
    def is_floating(self) -> bool:
        return self.base_dtype in _FLOATING

    @property
    def is_complex(self) -> bool:
        return self.base_dtype in (complex64, complex128)

    @property
    def is_integer(self) -> bool:
        return self.base_dtype in _INTEGER

    @property
    def is_unsigned(self) -> bool:
        return self.base_dtype in (uint8, uint16, uint32, uint64)

    @property
    def is_bool(self) -> bool:
        return self.base_dtype is bool_

    @property
    def is_numpy_compatible(self) -> bool:
        return self._np is not None

    @property
    def is_differentiable(self) -> bool:
        """Whether gradients flow through tensors of this type (floats and complex)."""
        base = self.base_dtype
        return self.is_floating or self.is_complex or base is resource or base is variant

    @property
    def size(self) -> int:
        return self._np.itemsize if self._np is not None else 1

    @property
    def min(self):
        base = self.base_dtype
        if base.is_floating:
            return np.finfo(base._np).min
        if base.is_integer:
            return np.iinfo(base._np).min
        raise TypeError(f"Cannot find minimum value of {self}.")

    @property
    def max(self):
        base = self.base_dtype
        if base.is_floating:
            return np.finfo(base._np).max
        if base.is_integer:
            return np.iinfo(base._np).max
        raise TypeError(f"Cannot find maximum value of {self}.")

    def is_compatible_with(self, other: Any) -> bool:
        other = as_dtype(other)
        return self._enum in (other.as_datatype_enum, other.base_dtype.as_datatype_enum)

    def __eq__(self, other: Any) -> bool:
        if other is None:
            return False
        if isinstance(other, DType):
            return self._enum == other._enum
        try:
            return self._enum == as_dtype(other)._enum
        except TypeError:
            return False

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return self._enum

    def __reduce__(self):
        return as_dtype, (self._name,)

    def __repr__(self) -> str:
        return f"tf.{self._name}"

    def __str__(self) -> str:
        return f"<dtype: '{self._name}'>"


float16 = half = DType(19, "float16", np.float16)
float32 = DType(1, "float32", np.float32)
float64 = double = DType(2, "float64", np.float64)
bfloat16 = DType(14, "bfloat16", None)  # numpy has none; TensorProto carries raw bits
int8 = DType(6, "int8", np.int8)
int16 = DType(5, "int16", np.int16)
int32 = DType(3, "int32", np.int32)
int64 = DType(9, "int64", np.int64)
uint8 = DType(4, "uint8", np.uint8)
uint16 = DType(17, "uint16", np.uint16)
uint32 = DType(22, "uint32", np.uint32)
uint64 = DType(23, "uint64", np.uint64)
bool_ = DType(10, "bool", np.bool_)
string = DType(7, "string", np.object_)
complex64 = DType(8, "complex64", np.complex64)
complex128 = DType(18, "complex128", np.complex128)
qint8 = DType(11, "qint8", np.int8)
quint8 = DType(12, "quint8", np.uint8)
qint32 = DType(13, "qint32", np.int32)
qint16 = DType(15, "qint16", np.int16)
quint16 = DType(16, "quint16", np.uint16)
resource = DType(20, "resource", np.object_)
variant = DType(21, "variant", np.object_)

_BASE = [float16, float32, float64, bfloat16, int8, int16, int32, int64, uint8, uint16,
         uint32, uint64, bool_, string, complex64, complex128, qint8, quint8, qint32,
         qint16, quint16, resource, variant]
_FLOATING = (float16, float32, float64, bfloat16)
_INTEGER = (int8, int16, int32, int64, uint8, uint16, uint32, uint64)

_BY_ENUM: dict[int, DType] = {d.as_datatype_enum: d for d in _BASE}
for _d in _BASE:
    _ref = DType(_d.as_datatype_enum + _REF_OFFSET, _d.name + "_ref", _d.np_dtype)
    _BY_ENUM[_ref.as_datatype_enum] = _ref
float32_ref = _BY_ENUM[101]
int32_ref = _BY_ENUM[103]
int64_ref = _BY_ENUM[109]
float64_ref = _BY_ENUM[102]

_BY_NAME: dict[str, DType] = {d.name: d for d in _BY_ENUM.values()}
_BY_NAME.update({"half": float16, "float": float32, "double": float64})
# TensorFlow's pbtxt / DataType enum spellings (DT_FLOAT, DT_INT32_REF, ...).
_PROTO_NAMES = {"HALF": float16, "FLOAT": float32, "DOUBLE": float64, "BFLOAT16": bfloat16,
                "INT8": int8, "INT16": int16, "INT32": int32, "INT64": int64, "UINT8": uint8,
                "UINT16": uint16, "UINT32": uint32, "UINT64": uint64, "BOOL": bool_,
                "STRING": string, "COMPLEX64": complex64, "COMPLEX128": complex128,
                "QINT8": qint8, "QUINT8": quint8, "QINT32": qint32, "QINT16": qint16,
                "QUINT16": quint16, "RESOURCE": resource, "VARIANT": variant}
for _n, _d in list(_PROTO_NAMES.items()):
    _BY_NAME["DT_" + _n] = _d
    _BY_NAME["DT_" + _n + "_REF"] = _d._as_ref

_BY_NUMPY: dict[np.dtype, DType] = {
    np.dtype(d.np_dtype): d for d in (float16, float32, float64, int8, int16, int32, int64,
                                      uint8, uint16, uint32, uint64, bool_, complex64,
                                      complex128)}


def as_dtype(type_value: Any) -> DType:
    """Converts a DType, enum value, name, numpy dtype or Python type to a ``DType``."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, (int, np.integer)) and not isinstance(type_value, bool):
        dt = _BY_ENUM.get(int(type_value))
        if dt is not None:
            return dt
    elif isinstance(type_value, str):
        dt = _BY_NAME.get(type_value)
        if dt is not None:
            return dt
    elif type_value is float:
        return float32
    elif type_value is int:
        return int32
    elif type_value is bool:
        return bool_
    elif type_value in (str, bytes):
        return string
    else:
        try:
            np_dtype = np.dtype(type_value)
        except TypeError:
            np_dtype = None
        if np_dtype is not None:
            if np_dtype.kind in "OSU":
                return string
            dt = _BY_NUMPY.get(np_dtype)
            if dt is not None:
                return dt
    raise TypeError(f"Cannot convert value {type_value!r} to a TensorFlow DType.")


def all_dtypes() -> list[DType]:
    """Every non-reference dtype."""
    return list(_BASE)


EXPORTS = {"": [
    "DType", "as_dtype", "bfloat16", "bool", "complex64", "complex128", "double", "float16",
    "float32", "float64", "half", "int8", "int16", "int32", "int64", "qint8", "qint16",
    "qint32", "quint8", "quint16", "resource", "string", "uint8", "uint16", "uint32", "uint64",
    "variant"]}
