"""TensorFlow-written GraphDefs and OpDefs parse with our messages and re-serialize exactly."""
from pathlib import Path

import pytest
from google.protobuf import text_format, unknown_fields

from sessionflow.proto import graph_pb2, op_def_pb2

DATA = Path(__file__).resolve().parent.parent / "data" / "tf_compat"
GOLDEN = sorted((DATA / "golden").glob("*.pb"))


def _unknown_paths(msg, path="root"):
    """Paths of all (sub)messages carrying fields our schema does not declare."""
    found = [path] if len(unknown_fields.UnknownFieldSet(msg)) else []
    for field, value in msg.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            if field.message_type.fields_by_name["value"].type == field.TYPE_MESSAGE:
                for key, item in value.items():
                    found += _unknown_paths(item, f"{path}.{field.name}[{key!r}]")
        elif field.is_repeated:
            for i, item in enumerate(value):
                found += _unknown_paths(item, f"{path}.{field.name}[{i}]")
        else:
            found += _unknown_paths(value, f"{path}.{field.name}")
    return found


def test_golden_files_present():
    assert len(GOLDEN) >= 20


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_graph_def_roundtrip_is_byte_identical(path):
    data = path.read_bytes()
    graph = graph_pb2.GraphDef()
    graph.ParseFromString(data)
    assert len(graph.node) > 0
    assert _unknown_paths(graph) == []
    # TensorFlow wrote these with sorted map entries, i.e. deterministic serialization;
    # the default serialization may order map entries differently but must parse back equal.
    assert graph.SerializeToString(deterministic=True) == data
    assert graph_pb2.GraphDef.FromString(graph.SerializeToString()) == graph


def test_ops_pbtxt_parses_as_op_list():
    text = (DATA / "ops.pbtxt").read_text(encoding="utf-8")
    op_list = text_format.Parse(text, op_def_pb2.OpList())
    assert len(op_list.op) == 194
    assert _unknown_paths(op_list) == []
    names = [op.name for op in op_list.op]
    assert len(set(names)) == len(names)
    matmul = op_list.op[names.index("MatMul")]
    assert [a.name for a in matmul.input_arg] == ["a", "b"]
    assert {a.name for a in matmul.attr} >= {"transpose_a", "transpose_b", "T"}
    again = text_format.Parse(text_format.MessageToString(op_list), op_def_pb2.OpList())
    assert again == op_list
