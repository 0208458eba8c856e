"""sessionflow: a TensorFlow-1-style static-graph runtime. ``import sessionflow as tf``.

This facade exposes the TF1 namespace implemented so far; any other TF name raises an
AttributeError saying sessionflow does not implement it yet.
"""
from . import errors, nn  # noqa: F401
from .graph import dtypes as _dtypes
from .graph.core import Operation, Tensor  # noqa: F401
from .graph import nest  # noqa: F401
from .graph.dtypes import (  # noqa: F401
    DType, as_dtype, bfloat16, bool_ as bool, complex64, complex128, double, float16,
    float32, float64, half, int8, int16, int32, int64, qint8, qint16, qint32, quint8, quint16,
    resource, string, uint8, uint16, uint32, uint64, variant)
from .graph.autodiff.custom_gradient import custom_gradient  # noqa: F401
from .graph.autodiff.gradients_impl import (AggregationMethod, UnconnectedGradients,  # noqa: F401
    gradients, hessians)
from .graph.graph import (  # noqa: F401
    Graph, get_default_graph, get_default_session, name_scope, reset_default_graph)
from .graph.serialization.graph_io import import_graph_def  # noqa: F401
from .graph.graph_keys import GraphKeys  # noqa: F401
from .graph.indexed_slices import IndexedSlices  # noqa: F401
from .graph.op_builder import (  # noqa: F401
    constant, convert_to_tensor, register_tensor_conversion_function)
from .graph.op_registry import NotDifferentiable, RegisterGradient, no_gradient  # noqa: F401
from .graph.tensor_shape import Dimension, TensorShape  # noqa: F401
from .ops.array.array_ops import (broadcast_to, concat, expand_dims, fill, identity,  # noqa: F401
    identity_n, invert_permutation, no_op, ones, ones_like, placeholder,
    placeholder_with_default, rank, reshape, shape, shape_n, size, slice, squeeze, stack,
    stop_gradient, transpose, unstack, zeros, zeros_like)
from .ops.math.math_ops import (abs, add, add_n, atan2, cast, ceil, cos, div, div_no_nan,  # noqa: F401
    divide, equal, erf, exp, expm1, floor, floordiv, floormod, greater, greater_equal,
    is_finite, is_inf, is_nan, less, less_equal, log, log1p, logical_and, logical_not,
    logical_or, logical_xor, maximum, minimum, multiply, negative, not_equal, pow, realdiv,
    reciprocal, round, rsqrt, scalar_mul, sigmoid, sign, sin, sqrt, square,
    squared_difference, subtract, tan, tanh, to_float, to_int32, to_int64, truediv)
from .ops.math.math_ops import floormod as mod  # noqa: F401
from .ops.math.math_ops import select, select_v2  # noqa: F401
from .ops.math.matmul_ops import matmul  # noqa: F401
from .ops.math.reduction_ops import (argmax, argmin, reduce_all, reduce_any, reduce_max,  # noqa: F401
    reduce_mean, reduce_min, reduce_prod, reduce_sum)
from .graph.serialization.tensor_util import MakeNdarray as make_ndarray  # noqa: F401
from .graph.serialization.tensor_util import make_tensor_proto  # noqa: F401
from .proto.attr_value_pb2 import AttrValue, NameAttrList  # noqa: F401
from .proto.config_pb2 import (  # noqa: F401
    ConfigProto, GPUOptions, GraphOptions, OptimizerOptions, RunMetadata, RunOptions)
from .proto.event_pb2 import Event, LogMessage, SessionLog  # noqa: F401
from .proto.graph_pb2 import GraphDef  # noqa: F401
from .proto.meta_graph_pb2 import MetaGraphDef  # noqa: F401
from .proto.node_def_pb2 import NodeDef  # noqa: F401
from .proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata  # noqa: F401
from .proto.tensor_pb2 import TensorProto  # noqa: F401
from .session.session import InteractiveSession, Session  # noqa: F401

from .ops import FAMILIES as _FAMILIES

__version__ = "0.1.0"
sub = subtract
mul = multiply
neg = negative
where_v2 = select_v2


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name_or_function):
    return get_default_graph().device(device_name_or_function)


def colocate_with(op, ignore_existing=False):
    return get_default_graph().colocate_with(op, ignore_existing)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def _export_families() -> None:
    """Pulls each op family's ``EXPORTS`` into this module and the tf.nn/... submodules."""
    import sys
    for family in _FAMILIES:
        for namespace, names in getattr(family, "EXPORTS", {}).items():
            target = sys.modules[__name__] if not namespace else \
                sys.modules[f"{__name__}.{namespace}"]
            for export in names:
                setattr(target, export, getattr(family, export))


from . import (compat, debugging, gfile, graph_util, initializers, layers, raw_ops,  # noqa: E402,F401,E501
               logging, losses, math, random, summary, test, train)
from .graph.autodiff.explain_gradient import explain_gradient as _explain_gradient  # noqa: E402
_export_families()
debugging.explain_gradient = _explain_gradient


def disable_eager_execution() -> None:
    """No-op: sessionflow always builds graphs (TF1 behaviour)."""


def disable_v2_behavior() -> None:
    """No-op: sessionflow always behaves as TF1 (graphs, sessions, collections)."""


def executing_eagerly() -> bool:
    return False


def __getattr__(name: str):
    raise AttributeError(f"module 'sessionflow' has no attribute '{name}': sessionflow does "
                         f"not implement tf.{name} yet.")


del _dtypes
