"""``TensorProto`` ⇄ numpy, with TensorFlow's encodings.

Writing follows ``tf.make_tensor_proto``: ``tensor_content`` (raw little-endian bytes) for
arrays of more than one element of the memcpy-able types TF lists (floats, ints,
quantized, bfloat16 — not bool, complex, uint16 or strings); otherwise one typed repeated
field (``float_val``, ``int_val``, ``half_val`` raw bits, ``bool_val``, ``scomplex_val``
pairs, ``string_val``, ...). A ``shape`` with more elements than values stores only the
values; readers repeat the last one.

Reading accepts every form TF writers produce, including ``tensor_content`` for bool and
complex (as TF's C++ runtime writes them), the "last value repeats" rule and "no values
means zeros". The proto is untrusted: sizes are checked before anything is allocated and
malformed protos raise ``InvalidArgumentError`` naming the problem. bfloat16 (which numpy
lacks) decodes to float32.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterable, Iterator

import numpy as np

from ...proto import tensor_pb2, tensor_shape_pb2, types_pb2
from ...proto.tensor_pb2 import TensorProto  # noqa: F401  (EXPORTS)
from .. import dtypes
from ..errors import InvalidArgumentError, invalid_argument

# Decoding never materializes more than this, however few values the proto carries.
MAX_ELEMENTS = (1 << 31) - 1
MAX_BYTES = 1 << 31

_TENSOR_CONTENT_TYPES = frozenset([
    dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32, dtypes.uint8,
    dtypes.int16, dtypes.int8, dtypes.int64, dtypes.qint8, dtypes.quint8,
    dtypes.qint16, dtypes.quint16, dtypes.qint32, dtypes.uint32, dtypes.uint64,
    dtypes.bfloat16])
_QUANTIZED = frozenset([dtypes.qint8, dtypes.quint8, dtypes.qint16, dtypes.quint16,
                        dtypes.qint32])
_INT_VAL_TYPES = frozenset([dtypes.int32, dtypes.int16, dtypes.int8, dtypes.uint8,
                            dtypes.uint16]) | _QUANTIZED
# The typed repeated field of the remaining numeric dtypes.
_PLAIN_FIELDS = {dtypes.float32: "float_val", dtypes.float64: "double_val",
                 dtypes.int64: "int64_val", dtypes.uint32: "uint32_val",
                 dtypes.uint64: "uint64_val", dtypes.bool_: "bool_val"}
_COMPLEX_FIELDS = {dtypes.complex64: "scomplex_val", dtypes.complex128: "dcomplex_val"}


# --------------------------------------------------------------------------- shapes


def shape_proto(shape: Iterable[int | None] | None) -> tensor_shape_pb2.TensorShapeProto:
    """A ``TensorShapeProto``: ``None`` is unknown rank, a ``None`` dim is size -1."""
    proto = tensor_shape_pb2.TensorShapeProto()
    if shape is None:
        proto.unknown_rank = True
        return proto
    for dim in shape:
        size = -1 if dim is None else int(dim)
        if size < -1:
            raise ValueError(f"Dimension {size} must be >= 0 or unknown (None / -1).")
        proto.dim.add(size=size)
    return proto


def shape_from_proto(proto: tensor_shape_pb2.TensorShapeProto) -> list[int | None] | None:
    """The dims of a ``TensorShapeProto`` (``None`` for -1), or ``None`` for unknown rank."""
    if proto.unknown_rank:
        if len(proto.dim):
            raise InvalidArgumentError(
                None, None, f"TensorShapeProto has unknown_rank set and {len(proto.dim)} dims.")
        return None
    dims = []
    for dim in proto.dim:
        if dim.size < -1:
            raise InvalidArgumentError(
                None, None, f"TensorShapeProto has dimension {dim.size}; must be >= -1.")
        dims.append(None if dim.size == -1 else dim.size)
    return dims


# --------------------------------------------------------------------- numpy -> proto


def _leaves(values: Any) -> Iterator[Any]:
    if isinstance(values, (list, tuple)):
        for item in values:
            yield from _leaves(item)
    else:
        yield values


def _dense_dims(values: Any) -> list[int]:
    if isinstance(values, np.ndarray):
        return list(values.shape)
    if not isinstance(values, (list, tuple)):
        return []
    if not values:
        return [0]
    return [len(values)] + _dense_dims(values[0])


def _expected(dtype: dtypes.DType) -> tuple[tuple[type, ...], str] | None:
    """Python types and numpy dtype kinds that convert to ``dtype`` without surprise."""
    if dtype.is_bool:
        return (bool, np.bool_), "b"
    if dtype.is_integer or dtype in _QUANTIZED:
        return (numbers.Integral, np.integer), "biu"
    if dtype.is_floating:
        return (numbers.Real, np.integer, np.floating), "biuf"
    if dtype.is_complex:
        return (numbers.Number, np.number), "biufc"
    if dtype == dtypes.string:
        return (bytes, str), "OSU"
    return None


def _assert_compatible(values: Any, dtype: dtypes.DType | None) -> None:
    expected = _expected(dtype) if dtype is not None else None
    if expected is None:
        return
    types, kinds = expected
    for leaf in _leaves(values):
        ok = (leaf.dtype.kind in kinds if isinstance(leaf, np.ndarray)
              else isinstance(leaf, types))
        if not ok:
            raise TypeError(f"Expected {dtype.name}, but got {leaf!r} of type "
                            f"'{type(leaf).__name__}'.")


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"Expected binary or unicode string, got {value!r} of type "
                    f"'{type(value).__name__}'.")


def _bfloat16_bits(array: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns (uint16), rounding to nearest even."""
    bits = np.ascontiguousarray(array, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    quiet_nan = ((bits >> 16) | 0x40).astype(np.uint16)
    return np.where(np.isnan(array), quiet_nan, rounded)


def _to_numpy(values: Any, dtype: dtypes.DType | None, shape: Any) -> np.ndarray:
    """Converts ``values`` as TF does: Python floats -> float32, ints -> int32 if lossless."""
    if values is None:
        raise ValueError("None values not supported.")
    if dtype is dtypes.bfloat16:
        np_dt = np.float32
    elif dtype is not None and dtype.is_numpy_compatible:
        np_dt = dtype.np_dtype
    else:
        np_dt = None
    if isinstance(values, (np.ndarray, np.generic)) or (
            not isinstance(values, (list, tuple)) and hasattr(values, "__array__")):
        array = np.asarray(values)
        return array.astype(np_dt) if np_dt is not None else array
    if shape is not None and math.prod(int(d) for d in shape) == 0:
        return np.empty([int(d) for d in shape], dtype=np_dt)
    _assert_compatible(values, dtype)
    try:
        array = np.array(values, dtype=np_dt)
    except OverflowError as e:
        raise ValueError(f"Value out of range for {dtype.name if dtype else 'tensor'}: "
                         f"{e}") from None
    if array.dtype.kind in "SU":
        array = np.array(values, dtype=object)  # numpy's fixed-width strings drop NULs.
    if list(array.shape) != _dense_dims(values) and dtype not in _QUANTIZED:
        raise ValueError(f"Expected values {values} to be a dense tensor with shape "
                         f"{_dense_dims(values)}, but got shape {list(array.shape)}.")
    if dtype is None and array.dtype == np.float64:
        array = array.astype(np.float32)
    elif dtype is None and array.dtype == np.int64:
        narrowed = array.astype(np.int32)
        if np.array_equal(narrowed, array):
            array = narrowed
    return array


def make_tensor_proto(values: Any, dtype: Any = None, shape: Any = None,
                      verify_shape: bool = False,
                      allow_broadcast: bool = False) -> tensor_pb2.TensorProto:
    """Creates a ``TensorProto`` from a value, like ``tf.make_tensor_proto``.

    ``shape`` may hold more elements than ``values``; then only the values are stored and
    the reader repeats the last one (``make_tensor_proto(0., shape=[3])``).
    """
    if allow_broadcast and verify_shape:
        raise ValueError("allow_broadcast and verify_shape are not both allowed.")
    if isinstance(values, tensor_pb2.TensorProto):
        return values
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype).base_dtype
    nparray = _to_numpy(values, dtype, shape)

    if dtype is dtypes.bfloat16 or dtype in _QUANTIZED:
        value_dtype = dtype
    else:
        value_dtype = dtypes.as_dtype(nparray.dtype)
    if dtype is not None and dtype != value_dtype:
        raise TypeError(f"`dtype` {dtype.name} is not compatible with {values!r} of dtype "
                        f"{nparray.dtype}.")

    if shape is None:
        shape = list(nparray.shape)
        shape_size = nparray.size
    else:
        shape = [int(dim) for dim in shape]
        if any(dim < 0 for dim in shape):
            raise ValueError(f"Shape {shape} must not have negative dimensions.")
        shape_size = math.prod(shape)
        if allow_broadcast:
            if nparray.shape not in ((1,), ()) and nparray.size != shape_size:
                raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, but got "
                                f"{nparray.shape}.")
        else:
            if verify_shape and nparray.shape != tuple(shape):
                raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, but got "
                                f"{nparray.shape}.")
            if nparray.size > shape_size:
                raise ValueError("Too many elements provided. Takes at most "
                                 f"{shape_size:d}, but got {nparray.size:d}.")
    is_same_size = shape_size == nparray.size

    proto = tensor_pb2.TensorProto(dtype=value_dtype.as_datatype_enum,
                                   tensor_shape=shape_proto(shape))
    flat = nparray.ravel()
    if value_dtype is dtypes.bfloat16 or value_dtype is dtypes.float16:
        flat = _bfloat16_bits(flat) if value_dtype is dtypes.bfloat16 else flat.view(np.uint16)

    if is_same_size and value_dtype in _TENSOR_CONTENT_TYPES and shape_size > 1:
        if flat.nbytes >= MAX_BYTES:
            raise ValueError("Cannot create a tensor proto whose content is larger than 2GB.")
        proto.tensor_content = flat.astype(flat.dtype.newbyteorder("<"), copy=False).tobytes()
    elif value_dtype == dtypes.string:
        proto.string_val.extend(_as_bytes(v) for v in flat)
    elif value_dtype is dtypes.bfloat16 or value_dtype is dtypes.float16:
        proto.half_val.extend(flat.tolist())
    elif value_dtype in _INT_VAL_TYPES:
        proto.int_val.extend(flat.tolist())
    elif value_dtype in _PLAIN_FIELDS:
        getattr(proto, _PLAIN_FIELDS[value_dtype]).extend(flat.tolist())
    elif value_dtype in _COMPLEX_FIELDS:
        pairs = np.stack([flat.real, flat.imag], axis=-1).ravel()
        getattr(proto, _COMPLEX_FIELDS[value_dtype]).extend(pairs.tolist())
    else:
        raise TypeError(f"Element type not supported in TensorProto: {value_dtype.name}.")
    return proto


# --------------------------------------------------------------------- proto -> numpy


def _proto_dtype(tensor: tensor_pb2.TensorProto) -> dtypes.DType:
    if tensor.dtype == types_pb2.DT_INVALID or tensor.dtype not in types_pb2.DataType.values():
        raise invalid_argument(f"TensorProto has invalid dtype enum {tensor.dtype}.")
    try:
        return dtypes.as_dtype(tensor.dtype).base_dtype
    except TypeError:
        name = types_pb2.DataType.Name(tensor.dtype)
        raise TypeError(f"Unsupported tensor type: {name}.") from None


def _proto_shape(tensor: tensor_pb2.TensorProto) -> tuple[list[int], int]:
    dims = shape_from_proto(tensor.tensor_shape)
    if dims is None or any(d is None for d in dims):
        raise invalid_argument(f"TensorProto shape {dims if dims is not None else '<unknown>'} "
                               "is not fully defined.")
    # numpy refuses shapes whose nonzero dims overflow, even when one dim is 0.
    nonzero = 1
    for d in dims:
        nonzero *= max(d, 1)
        if nonzero > MAX_ELEMENTS:
            raise invalid_argument(f"TensorProto shape {dims} has too many elements "
                                   f"(limit {MAX_ELEMENTS}).")
    return dims, 0 if 0 in dims else nonzero


def _check_fill(num_values: int, num_elements: int, itemsize: int, dims: list[int]) -> None:
    if num_values > num_elements:
        raise invalid_argument(f"TensorProto has {num_values} values but its shape {dims} holds "
                               f"{num_elements}.")
    if num_elements * itemsize > MAX_BYTES:
        raise invalid_argument(f"TensorProto of shape {dims} would expand to "
                               f"{num_elements * itemsize} bytes (limit {MAX_BYTES}).")


def _fill(values: np.ndarray, num_elements: int, dtype: np.dtype) -> np.ndarray:
    """Repeats the last value up to ``num_elements``; zeros when there are no values."""
    if values.size == num_elements:
        return values
    out = np.zeros(num_elements, dtype=dtype)
    if values.size:
        out[:values.size] = values
        out[values.size:] = values[-1]
    return out


def _int_values(field: Any, np_dtype: np.dtype, name: str) -> np.ndarray:
    raw = np.array(field, dtype=np.int64)
    info = np.iinfo(np_dtype)
    if raw.size and (raw.min() < info.min or raw.max() > info.max):
        raise invalid_argument(f"TensorProto {name} has a value outside the range of {np_dtype}.")
    return raw.astype(np_dtype)


def _from_content(tensor: tensor_pb2.TensorProto, dtype: dtypes.DType, dims: list[int],
                  num_elements: int) -> np.ndarray:
    content = tensor.tensor_content
    if dtype is dtypes.bfloat16:
        raw_dtype = np.dtype("<u2")
    elif dtype.is_numpy_compatible and dtype.np_dtype.kind != "O":
        raw_dtype = dtype.np_dtype.newbyteorder("<")
    else:
        raise invalid_argument(f"TensorProto of dtype {dtype.name} cannot use tensor_content.")
    if len(content) != num_elements * raw_dtype.itemsize:
        raise invalid_argument(f"TensorProto tensor_content has {len(content)} bytes; shape {dims} "
                               f"of {dtype.name} needs {num_elements * raw_dtype.itemsize}.")
    if dtype is dtypes.bfloat16:
        bits = np.frombuffer(content, dtype=raw_dtype).astype(np.uint32) << 16
        return bits.view(np.float32).reshape(dims)
    if dtype.is_bool:
        return (np.frombuffer(content, dtype=np.uint8) != 0).reshape(dims)
    return np.frombuffer(content, dtype=raw_dtype).astype(dtype.np_dtype).reshape(dims)


def _strings(tensor: tensor_pb2.TensorProto, dims: list[int], num_elements: int) -> np.ndarray:
    values = tensor.string_val
    _check_fill(len(values), num_elements, np.dtype(object).itemsize, dims)
    out = np.empty(num_elements, dtype=object)
    out[:len(values)] = list(values)
    out[len(values):] = values[-1] if len(values) else b""
    return out.reshape(dims)


def MakeNdarray(tensor: tensor_pb2.TensorProto) -> np.ndarray:  # noqa: N802 (TF's name)
    """Decodes a ``TensorProto`` into a numpy array, like ``tf.make_ndarray``.

    Strings become an object array of ``bytes``; bfloat16 becomes float32. Raises
    ``InvalidArgumentError`` for malformed protos and ``TypeError`` for dtypes numpy
    cannot hold (resource, variant, float8, int4, ...).
    """
    dtype = _proto_dtype(tensor)
    dims, num_elements = _proto_shape(tensor)
    if tensor.tensor_content:
        return _from_content(tensor, dtype, dims, num_elements)
    if dtype == dtypes.string:
        return _strings(tensor, dims, num_elements)

    if dtype is dtypes.float16 or dtype is dtypes.bfloat16:
        values = _int_values(tensor.half_val, np.dtype(np.uint16), "half_val")
        out_dtype = np.dtype(np.float16 if dtype is dtypes.float16 else np.float32)
    elif dtype in _INT_VAL_TYPES:
        values = _int_values(tensor.int_val, dtype.np_dtype, "int_val")
        out_dtype = dtype.np_dtype
    elif dtype in _PLAIN_FIELDS:
        values = np.array(getattr(tensor, _PLAIN_FIELDS[dtype]), dtype=dtype.np_dtype)
        out_dtype = dtype.np_dtype
    elif dtype in _COMPLEX_FIELDS:
        name = _COMPLEX_FIELDS[dtype]
        pairs = np.array(getattr(tensor, name), dtype=dtype.real_dtype.np_dtype)
        if pairs.size % 2:
            raise invalid_argument(f"TensorProto {name} has an odd number of values "
                                   f"({pairs.size}); it holds (real, imaginary) pairs.")
        values = pairs[0::2] + 1j * pairs[1::2]
        values = values.astype(dtype.np_dtype)
        out_dtype = dtype.np_dtype
    else:
        raise TypeError(f"Unsupported tensor type: {dtype.name}.")

    _check_fill(values.size, num_elements, out_dtype.itemsize, dims)
    if dtype is dtypes.float16:
        values = values.view(np.float16)
    elif dtype is dtypes.bfloat16:
        values = (values.astype(np.uint32) << 16).view(np.float32)
    return _fill(values, num_elements, out_dtype).reshape(dims)


make_ndarray = MakeNdarray


make_ndarray = MakeNdarray

EXPORTS = {"": ["make_ndarray", "make_tensor_proto", "TensorProto"]}
