"""Spot checks of the wire facts we share with TensorFlow (REFERENCE.md section 1)."""
import importlib
from pathlib import Path

import pytest
from google.protobuf import descriptor

PROTO_DIR = Path(importlib.import_module("sessionflow.proto").__file__).resolve().parent
MODULES = sorted(p.stem for p in PROTO_DIR.glob("*_pb2.py"))
FD = descriptor.FieldDescriptor


def _module(name):
    return importlib.import_module(f"sessionflow.proto.{name}")


def _field(module, path):
    """``path`` is ``Message.Nested.field``."""
    *names, field = path.split(".")
    desc = getattr(_module(module), names[0]).DESCRIPTOR
    for name in names[1:]:
        desc = desc.nested_types_by_name[name]
    return desc.fields_by_name[field]


def test_every_proto_has_a_module():
    assert {p.stem for p in PROTO_DIR.glob("*.proto")} == {m[:-4] for m in MODULES}


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_in_our_own_packages(name):
    package = _module(name).DESCRIPTOR.package
    assert package == "sessionflow" or package.startswith("sessionflow."), package


@pytest.mark.parametrize("module, path, number, type_", [
    ("tensor_pb2", "TensorProto.tensor_content", 4, FD.TYPE_BYTES),
    ("tensor_pb2", "TensorProto.half_val", 13, FD.TYPE_INT32),
    ("tensor_pb2", "TensorProto.uint64_val", 17, FD.TYPE_UINT64),
    ("tensor_pb2", "TensorProto.float8_val", 18, FD.TYPE_BYTES),
    ("attr_value_pb2", "AttrValue.list", 1, FD.TYPE_MESSAGE),
    ("attr_value_pb2", "AttrValue.func", 10, FD.TYPE_MESSAGE),
    ("attr_value_pb2", "AttrValue.placeholder", 9, FD.TYPE_STRING),
    ("node_def_pb2", "NodeDef.experimental_type", 7, FD.TYPE_MESSAGE),
    ("graph_pb2", "GraphDef.versions", 4, FD.TYPE_MESSAGE),
    ("graph_pb2", "GraphDef.library", 2, FD.TYPE_MESSAGE),
    ("op_def_pb2", "OpDef.is_stateful", 17, FD.TYPE_BOOL),
    ("op_def_pb2", "OpDef.ArgDef.is_ref", 16, FD.TYPE_BOOL),
    ("meta_graph_pb2", "MetaGraphDef.object_graph_def", 7, FD.TYPE_MESSAGE),
    ("meta_graph_pb2", "TensorInfo.coo_sparse", 4, FD.TYPE_MESSAGE),
    ("meta_graph_pb2", "SignatureDef.defaults", 4, FD.TYPE_MESSAGE),
    ("saver_pb2", "SaverDef.keep_checkpoint_every_n_hours", 6, FD.TYPE_FLOAT),
    ("device_attributes_pb2", "DeviceAttributes.incarnation", 6, FD.TYPE_FIXED64),
    ("tensorflow_server_pb2", "ServerDef.replica", 8, FD.TYPE_INT32),
    ("config_pb2", "ConfigProto.isolate_session_state", 15, FD.TYPE_BOOL),
    ("worker_pb2", "RunGraphRequest.session_handle", 8, FD.TYPE_STRING),
    ("worker_pb2", "RunGraphResponse.status_code", 5, FD.TYPE_ENUM),
    ("worker_pb2", "RecvTensorRequest.transport_options", 6, FD.TYPE_MESSAGE),
    ("worker_pb2", "RecvTensorResponse.require_ack", 5, FD.TYPE_BOOL),
    ("worker_pb2", "DeregisterGraphRequest.session_handle", 2, FD.TYPE_STRING),
    ("master_pb2", "ExtendSessionResponse.new_graph_version", 4, FD.TYPE_INT64),
    ("master_pb2", "RunStepRequest.request_id", 8, FD.TYPE_INT64),
    ("tensor_bundle_pb2", "BundleEntryProto.crc32c", 6, FD.TYPE_FIXED32),
    ("event_pb2", "Event.graph_def", 4, FD.TYPE_BYTES),
    ("event_pb2", "Event.meta_graph_def", 9, FD.TYPE_BYTES),
    ("summary_pb2", "Summary.Value.tensor", 8, FD.TYPE_MESSAGE),
    ("serving_model_pb2", "ModelSpec.version_label", 4, FD.TYPE_STRING),
    ("serving_predict_pb2", "PredictResponse.model_spec", 2, FD.TYPE_MESSAGE),
    ("serving_get_model_status_pb2", "ModelVersionStatus.state", 2, FD.TYPE_ENUM),
])
def test_field_numbers_and_types(module, path, number, type_):
    field = _field(module, path)
    assert (field.number, field.type) == (number, type_)


def test_data_type_enum():
    from sessionflow.proto import types_pb2
    assert types_pb2.DT_HALF == 19
    assert types_pb2.DT_VARIANT == 21
    assert types_pb2.DT_FLOAT4_E2M1FN == 33
    for name, value in types_pb2.DataType.items():
        if name.endswith("_REF"):
            assert types_pb2.DataType.Value(name[:-4]) == value - 100


def test_error_codes_follow_grpc():
    from sessionflow.proto import error_codes_pb2
    assert error_codes_pb2.DESCRIPTOR.package == "sessionflow.error"
    assert error_codes_pb2.INVALID_ARGUMENT == 3
    assert error_codes_pb2.UNAUTHENTICATED == 16


def test_map_and_oneof_shapes():
    from sessionflow.proto import attr_value_pb2, node_def_pb2
    node = node_def_pb2.NodeDef(name="c", op="Const")
    node.attr["empty"].list.SetInParent()
    assert node.attr["empty"].WhichOneof("value") == "list"
    assert attr_value_pb2.AttrValue(i=3).WhichOneof("value") == "i"


@pytest.mark.parametrize("module, service, rpcs", [
    ("worker_service_pb2", "WorkerService",
     {"GetStatus", "CreateWorkerSession", "DeleteWorkerSession", "RegisterGraph",
      "DeregisterGraph", "RunGraph", "CleanupGraph", "CleanupAll", "RecvTensor",
      "MarkRecvFinished", "RecvBuf", "Logging", "Tracing", "CompleteGroup",
      "CompleteInstance", "GetStepSequence"}),
    ("master_service_pb2", "MasterService",
     {"CreateSession", "ExtendSession", "PartialRunSetup", "RunStep", "CloseSession",
      "ListDevices", "Reset", "MakeCallable", "RunCallable", "ReleaseCallable"}),
    ("serving_prediction_service_pb2", "PredictionService",
     {"Classify", "Regress", "Predict", "MultiInference", "GetModelMetadata"}),
    ("serving_model_service_pb2", "ModelService",
     {"GetModelStatus", "HandleReloadConfigRequest"}),
])
def test_services(module, service, rpcs):
    desc = _module(module).DESCRIPTOR.services_by_name[service]
    assert {m.name for m in desc.methods} == rpcs
    assert hasattr(_module(module[:-4] + "_pb2_grpc"), service + "Stub")
