"""AttrValue protos ⇄ the Python values ops carry (str, int, float, bool, DType, ...).

Inside the graph, string attrs are ``str``, types are ``DType``, shapes ``TensorShape``,
tensors numpy arrays and funcs ``NameAttrList`` protos; ``Operation.get_attr`` hands
strings back as ``bytes`` as TensorFlow does.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..tensor_shape import TensorShape, as_shape

_SCALAR_FIELDS = ("s", "i", "f", "b", "type", "shape", "tensor", "func")


def _decode_scalar(field: str, value: Any) -> Any:
    if field == "s":
        return value.decode("utf-8", "surrogateescape")
    if field == "type":
        return dtypes.as_dtype(value)
    if field == "shape":
        return as_shape(value)
    if field == "tensor":
        from .tensor_util import MakeNdarray
        return MakeNdarray(value)
    if field == "func":
        return value
    return value


def from_proto(attr_value) -> Any:
    """Decodes one AttrValue by whichever oneof field is set."""
    which = attr_value.WhichOneof("value")
    if which is None:
        return None
    if which == "list":
        lst = attr_value.list
        for field in _SCALAR_FIELDS:
            items = getattr(lst, field)
            if len(items):
                return [_decode_scalar(field, v) for v in items]
        return []
    if which == "placeholder":
        return attr_value.placeholder
    return _decode_scalar(which, getattr(attr_value, which))


def _field_for(attr_type: str | None, value: Any) -> str:
    if attr_type:
        base = attr_type[5:-1] if attr_type.startswith("list(") else attr_type
        return {"string": "s", "int": "i", "float": "f", "bool": "b", "type": "type",
                "shape": "shape", "tensor": "tensor", "func": "func"}[base]
    if isinstance(value, (str, bytes)):
        return "s"
    if isinstance(value, (bool, np.bool_)):
        return "b"
    if isinstance(value, (int, np.integer)):
        return "i"
    if isinstance(value, (float, np.floating)):
        return "f"
    if isinstance(value, dtypes.DType):
        return "type"
    if isinstance(value, TensorShape):
        return "shape"
    if isinstance(value, np.ndarray):
        return "tensor"
    return "func"


def _encode_scalar(field: str, value: Any) -> Any:
    if field == "s":
        return value.encode("utf-8", "surrogateescape") if isinstance(value, str) else bytes(value)
    if field == "type":
        return dtypes.as_dtype(value).as_datatype_enum
    if field == "shape":
        return as_shape(value).as_proto()
    if field == "tensor":
        from .tensor_util import make_tensor_proto
        return make_tensor_proto(value)
    if field == "func":
        from ...proto import attr_value_pb2
        return value if not isinstance(value, str) else attr_value_pb2.NameAttrList(name=value)
    return value


def to_proto(value: Any, attr_type: str | None = None):
    """Encodes a Python attr value; ``attr_type`` is the OpDef's type (``"list(int)"``...)."""
    from ...proto import attr_value_pb2
    proto = attr_value_pb2.AttrValue()
    is_list = attr_type.startswith("list(") if attr_type else isinstance(value, (list, tuple))
    if is_list:
        items = list(value)
        field = _field_for(attr_type, items[0] if items else None)
        proto.list.SetInParent()
        target = getattr(proto.list, field)
        encoded = [_encode_scalar(field, v) for v in items]
        if field in ("shape", "tensor", "func"):
            for item in encoded:
                target.add().CopyFrom(item)
        else:
            target.extend(encoded)
        return proto
    field = _field_for(attr_type, value)
    encoded = _encode_scalar(field, value)
    if field in ("shape", "tensor", "func"):
        getattr(proto, field).CopyFrom(encoded)
    else:
        setattr(proto, field, encoded)
    return proto


def to_user_value(value: Any) -> Any:
    """What ``Operation.get_attr`` returns: TF gives string attrs back as ``bytes``."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, list):
        return [to_user_value(v) for v in value]
    return value
