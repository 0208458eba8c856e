"""TensorProto <-> numpy: TensorFlow's encodings both ways, and typed errors for bad protos."""
from pathlib import Path

import numpy as np
import pytest

from sessionflow.graph import dtypes
from sessionflow.graph.errors import InvalidArgumentError, OpError
from sessionflow.graph.serialization.tensor_util import (MakeNdarray, make_ndarray,
    make_tensor_proto, shape_from_proto, shape_proto)
from sessionflow.proto import graph_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "tf_compat" / "golden"


def _values_field(proto):
    """The one value-carrying field set on a TensorProto (None when there is none)."""
    names = [f.name for f, _ in proto.ListFields() if f.name not in ("dtype", "tensor_shape")]
    assert len(names) <= 1, names
    return names[0] if names else None


def _proto(dtype, dims, **fields):
    shape = tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in dims])
    return tensor_pb2.TensorProto(dtype=dtype, tensor_shape=shape, **fields)


# ----------------------------------------------------------------- make_tensor_proto

NUMERIC = [  # numpy dtype, field for scalars, whether arrays use tensor_content (as TF)
    (np.float16, "half_val", True),
    (np.float32, "float_val", True),
    (np.float64, "double_val", True),
    (np.int8, "int_val", True),
    (np.int16, "int_val", True),
    (np.int32, "int_val", True),
    (np.int64, "int64_val", True),
    (np.uint8, "int_val", True),
    (np.uint16, "int_val", False),
    (np.uint32, "uint32_val", True),
    (np.uint64, "uint64_val", True),
    (np.complex64, "scomplex_val", False),
    (np.complex128, "dcomplex_val", False),
    (np.bool_, "bool_val", False),
]


@pytest.mark.parametrize("np_dtype, scalar_field, uses_content", NUMERIC,
                         ids=[np.dtype(d[0]).name for d in NUMERIC])
def test_numeric_round_trip(np_dtype, scalar_field, uses_content):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal((2, 3)) * 50).astype(np_dtype)
    if np.dtype(np_dtype).kind == "c":
        array = array + 1j * np.arange(6).reshape(2, 3).astype(np_dtype)
    proto = make_tensor_proto(array)
    assert proto.dtype == dtypes.as_dtype(np_dtype).as_datatype_enum
    assert _values_field(proto) == ("tensor_content" if uses_content else scalar_field)
    back = MakeNdarray(proto)
    assert back.dtype == array.dtype and back.shape == (2, 3)
    np.testing.assert_array_equal(back, array)

    scalar = array.ravel()[1]
    proto = make_tensor_proto(scalar)
    assert _values_field(proto) == scalar_field
    assert len(proto.tensor_shape.dim) == 0
    back = MakeNdarray(proto)
    assert back.shape == () and back.dtype == array.dtype and back == scalar


def test_python_values_pick_tf_dtypes():
    assert make_tensor_proto(1).dtype == types_pb2.DT_INT32
    assert make_tensor_proto(2 ** 40).dtype == types_pb2.DT_INT64
    assert make_tensor_proto([1.5, 2]).dtype == types_pb2.DT_FLOAT
    assert make_tensor_proto(np.array([1.5])).dtype == types_pb2.DT_DOUBLE
    assert make_tensor_proto(True).dtype == types_pb2.DT_BOOL
    assert make_tensor_proto(3, dtype=dtypes.float64).double_val == [3.0]
    assert make_tensor_proto([[1, 2], [3, 4]], dtype="int64").tensor_content == (
        np.array([1, 2, 3, 4], "<i8").tobytes())


def test_single_element_array_uses_typed_field():
    proto = make_tensor_proto([7])
    assert _values_field(proto) == "int_val" and proto.int_val == [7]
    assert MakeNdarray(proto).shape == (1,)


def test_strings():
    values = [[b"a\x00", "\u00e9"], [b"", b"xyz"]]
    proto = make_tensor_proto(values)
    assert proto.dtype == types_pb2.DT_STRING
    assert list(proto.string_val) == [b"a\x00", "\u00e9".encode(), b"", b"xyz"]
    back = MakeNdarray(proto)
    assert back.dtype == object and back.shape == (2, 2)
    assert back.tolist() == [[b"a\x00", "\u00e9".encode()], [b"", b"xyz"]]
    assert MakeNdarray(make_tensor_proto("hi")).item() == b"hi"
    assert make_tensor_proto(np.array(["u", "vw"])).string_val == [b"u", b"vw"]
    assert make_tensor_proto(b"x", dtype=dtypes.string).string_val == [b"x"]


def test_bfloat16_encodes_raw_bits_and_decodes_to_float32():
    proto = make_tensor_proto([1.0, -2.5, 3.0078125], dtype=dtypes.bfloat16)
    assert proto.dtype == types_pb2.DT_BFLOAT16
    assert np.frombuffer(proto.tensor_content, "<u2").tolist() == [0x3F80, 0xC020, 0x4040]
    back = MakeNdarray(proto)
    assert back.dtype == np.float32
    assert back.tolist() == [1.0, -2.5, 3.0]  # 3.0078125 rounds to nearest even
    scalar = make_tensor_proto(0.5, dtype=dtypes.bfloat16)
    assert scalar.half_val == [0x3F00]
    assert MakeNdarray(scalar) == np.float32(0.5)


def test_shape_with_more_elements_stores_values_only():
    proto = make_tensor_proto(0.0, shape=[2, 3])
    assert proto.float_val == [0.0]
    assert [d.size for d in proto.tensor_shape.dim] == [2, 3]
    np.testing.assert_array_equal(MakeNdarray(proto), np.zeros((2, 3), np.float32))
    proto = make_tensor_proto([1, 2], shape=[5])
    assert proto.int_val == [1, 2]
    assert MakeNdarray(proto).tolist() == [1, 2, 2, 2, 2]
    proto = make_tensor_proto([1, 2, 3, 4], shape=[2, 2])
    assert MakeNdarray(proto).tolist() == [[1, 2], [3, 4]]
    empty = make_tensor_proto([], dtype=dtypes.float32, shape=[0, 3])
    assert _values_field(empty) is None
    assert MakeNdarray(empty).shape == (0, 3)


def test_tensor_proto_passes_through():
    proto = make_tensor_proto(1.0)
    assert make_tensor_proto(proto) is proto


@pytest.mark.parametrize("kwargs, error", [
    (dict(values=None), ValueError),
    (dict(values=[1, 2, 3], shape=[2]), ValueError),
    (dict(values=[1, 2], shape=[2, 1], verify_shape=True), TypeError),
    (dict(values=[1, 2], shape=[3], allow_broadcast=True), TypeError),
    (dict(values=1, verify_shape=True, allow_broadcast=True), ValueError),
    (dict(values=1.5, dtype=dtypes.int32), TypeError),
    (dict(values=[1, "a"], dtype=dtypes.int32), TypeError),
    (dict(values=1, dtype=dtypes.string), TypeError),
    (dict(values="a", dtype=dtypes.float32), TypeError),
    (dict(values=[1, "a"]), TypeError),
    (dict(values=[[1, 2], [3]]), ValueError),
    (dict(values=2 ** 40, dtype=dtypes.int32), ValueError),
    (dict(values=np.array([1.0]), dtype=dtypes.resource), TypeError),
    (dict(values=1, shape=[-1]), ValueError),
])
def test_make_tensor_proto_bad_input(kwargs, error):
    with pytest.raises(error):
        make_tensor_proto(**kwargs)


def test_allow_broadcast_accepts_single_value():
    proto = make_tensor_proto([3.0], shape=[2, 2], allow_broadcast=True)
    assert MakeNdarray(proto).tolist() == [[3.0, 3.0], [3.0, 3.0]]


# ----------------------------------------------------- MakeNdarray on hand-built protos


@pytest.mark.parametrize("dtype, field, values, expected", [
    (types_pb2.DT_FLOAT, "float_val", [1.5, -2.0], np.float32),
    (types_pb2.DT_DOUBLE, "double_val", [1.5, -2.0], np.float64),
    (types_pb2.DT_INT32, "int_val", [1, -2], np.int32),
    (types_pb2.DT_INT16, "int_val", [300, -2], np.int16),
    (types_pb2.DT_INT8, "int_val", [100, -2], np.int8),
    (types_pb2.DT_UINT8, "int_val", [255, 0], np.uint8),
    (types_pb2.DT_UINT16, "int_val", [65535, 2], np.uint16),
    (types_pb2.DT_QINT8, "int_val", [-128, 127], np.int8),
    (types_pb2.DT_INT64, "int64_val", [2 ** 40, -1], np.int64),
    (types_pb2.DT_UINT32, "uint32_val", [2 ** 32 - 1, 1], np.uint32),
    (types_pb2.DT_UINT64, "uint64_val", [2 ** 64 - 1, 1], np.uint64),
    (types_pb2.DT_BOOL, "bool_val", [True, False], np.bool_),
])
def test_typed_fields(dtype, field, values, expected):
    array = MakeNdarray(_proto(dtype, [2], **{field: values}))
    assert array.dtype == expected
    assert array.tolist() == values


def test_half_val_holds_raw_bits():
    bits = np.array([1.0, -0.5, np.inf], np.float16).view(np.uint16).tolist()
    array = MakeNdarray(_proto(types_pb2.DT_HALF, [3], half_val=bits))
    assert array.dtype == np.float16
    assert array.tolist() == [1.0, -0.5, np.inf]


def test_complex_pairs():
    array = MakeNdarray(_proto(types_pb2.DT_COMPLEX64, [2], scomplex_val=[1, 2, 3, -4]))
    assert array.dtype == np.complex64 and array.tolist() == [1 + 2j, 3 - 4j]
    array = MakeNdarray(_proto(types_pb2.DT_COMPLEX128, [3], dcomplex_val=[1, 2]))
    assert array.dtype == np.complex128 and array.tolist() == [1 + 2j] * 3


def test_last_value_repeats_and_no_values_is_zeros():
    assert MakeNdarray(_proto(types_pb2.DT_FLOAT, [5], float_val=[1, 2])).tolist() == (
        [1, 2, 2, 2, 2])
    assert MakeNdarray(_proto(types_pb2.DT_INT64, [2, 2], int64_val=[7])).tolist() == (
        [[7, 7], [7, 7]])
    assert MakeNdarray(_proto(types_pb2.DT_STRING, [3], string_val=[b"a", b"b"])).tolist() == (
        [b"a", b"b", b"b"])
    zeros = MakeNdarray(_proto(types_pb2.DT_INT32, [2, 3]))
    assert zeros.dtype == np.int32 and zeros.tolist() == [[0] * 3] * 2
    assert MakeNdarray(_proto(types_pb2.DT_STRING, [2])).tolist() == [b"", b""]
    assert MakeNdarray(_proto(types_pb2.DT_BOOL, [])) == np.False_


def test_tensor_content_of_every_memcpy_type():
    for np_dtype in (np.float16, np.float32, np.float64, np.int8, np.int16, np.int32,
                     np.int64, np.uint8, np.uint16, np.uint32, np.uint64, np.complex64,
                     np.complex128, np.bool_):
        array = (np.arange(6) % 3).astype(np_dtype).reshape(3, 2)
        content = array.astype(array.dtype.newbyteorder("<")).tobytes()
        enum = dtypes.as_dtype(np_dtype).as_datatype_enum
        back = MakeNdarray(_proto(enum, [3, 2], tensor_content=content))
        assert back.dtype == array.dtype
        np.testing.assert_array_equal(back, array)
        assert back.flags.writeable


def test_bfloat16_half_val():
    array = MakeNdarray(_proto(types_pb2.DT_BFLOAT16, [2], half_val=[0x3F80, 0xC0A0]))
    assert array.dtype == np.float32 and array.tolist() == [1.0, -5.0]


def test_unsupported_dtypes_raise_type_error():
    with pytest.raises(TypeError):
        MakeNdarray(_proto(types_pb2.DT_RESOURCE, []))
    with pytest.raises(TypeError):
        MakeNdarray(_proto(types_pb2.DT_FLOAT8_E5M2, [1], float8_val=b"\x01"))


def test_make_ndarray_alias():
    assert make_ndarray is MakeNdarray


# --------------------------------------------------------------- golden Const values


def _golden_consts():
    for path in sorted(GOLDEN.glob("*.pb")):
        graph = graph_pb2.GraphDef.FromString(path.read_bytes())
        nodes = list(graph.node) + [n for f in graph.library.function for n in f.node_def]
        for node in nodes:
            if node.op == "Const":
                yield f"{path.stem}/{node.name}", node


GOLDEN_CONSTS = list(_golden_consts())


def test_golden_consts_found():
    assert len(GOLDEN_CONSTS) > 100


@pytest.mark.parametrize("name, node", GOLDEN_CONSTS, ids=[c[0] for c in GOLDEN_CONSTS])
def test_golden_const_decodes_to_declared_shape(name, node):
    proto = node.attr["value"].tensor
    array = MakeNdarray(proto)
    assert list(array.shape) == [d.size for d in proto.tensor_shape.dim]
    assert dtypes.as_dtype(proto.dtype) == dtypes.as_dtype(node.attr["dtype"].type)
    assert array.dtype == dtypes.as_dtype(proto.dtype).np_dtype
    num_values = len(proto.float_val) + len(proto.int_val)
    if proto.tensor_content or num_values == array.size:
        # Not a broadcast fill, so our encoder reproduces TensorFlow's bytes.
        again = make_tensor_proto(array, dtype=proto.dtype, shape=array.shape)
        assert again.SerializeToString() == proto.SerializeToString()


# ----------------------------------------------------------------- malformed protos


@pytest.mark.parametrize("proto", [
    _proto(types_pb2.DT_FLOAT, [3], tensor_content=b"\x00" * 11),
    _proto(types_pb2.DT_FLOAT, [2, 2], tensor_content=b"\x00" * 32),
    _proto(types_pb2.DT_FLOAT, [-1], float_val=[1]),
    _proto(types_pb2.DT_FLOAT, [-7]),
    tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT,
                           tensor_shape=tensor_shape_pb2.TensorShapeProto(unknown_rank=True)),
    _proto(types_pb2.DT_FLOAT, [2], float_val=[1, 2, 3]),
    _proto(types_pb2.DT_FLOAT, [1 << 20, 1 << 20], float_val=[1]),
    _proto(types_pb2.DT_FLOAT, [1 << 62, 1 << 62, 1 << 62]),
    _proto(types_pb2.DT_FLOAT, [1 << 62, 0]),
    _proto(types_pb2.DT_STRING, [1 << 30], string_val=[b"x"]),
    _proto(types_pb2.DT_INT64, [1 << 29]),
    _proto(types_pb2.DT_STRING, [1], tensor_content=b"abcdefgh"),
    _proto(types_pb2.DT_COMPLEX64, [1], scomplex_val=[1, 2, 3]),
    _proto(types_pb2.DT_HALF, [1], half_val=[70000]),
    _proto(types_pb2.DT_INT8, [1], int_val=[200]),
    _proto(types_pb2.DT_UINT8, [1], int_val=[-1]),
    _proto(types_pb2.DT_INVALID, [1]),
    _proto(999, [1]),
], ids=["content-short", "content-long", "unknown-dim", "negative-dim", "unknown-rank",
        "too-many-values", "repeat-bomb", "overflowing-shape", "overflowing-empty-shape",
        "string-repeat-bomb", "zeros-bomb", "string-content", "odd-complex", "half-range",
        "int8-range", "uint8-range", "dt-invalid", "unknown-enum"])
def test_malformed_protos_raise_invalid_argument(proto):
    with pytest.raises(InvalidArgumentError) as info:
        MakeNdarray(proto)
    assert isinstance(info.value, OpError)
    assert str(info.value)


def test_empty_dims():
    assert MakeNdarray(_proto(types_pb2.DT_FLOAT, [3, 0, 4])).shape == (3, 0, 4)
    assert MakeNdarray(_proto(types_pb2.DT_STRING, [0])).shape == (0,)

# -------------------------------------------------------------------------- shapes


def test_shape_helpers():
    assert shape_from_proto(shape_proto([2, None, 0])) == [2, None, 0]
    assert shape_proto([2, None]).dim[1].size == -1
    assert shape_from_proto(shape_proto([])) == []
    assert shape_proto(None).unknown_rank
    assert shape_from_proto(shape_proto(None)) is None
    with pytest.raises(ValueError):
        shape_proto([-2])
    bad = tensor_shape_pb2.TensorShapeProto(unknown_rank=True)
    bad.dim.add(size=1)
    with pytest.raises(InvalidArgumentError):
        shape_from_proto(bad)
    with pytest.raises(InvalidArgumentError):
        shape_from_proto(tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=-5)]))
