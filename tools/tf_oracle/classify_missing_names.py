"""Classifies the tf.compat.v1 names sessionflow lacks
(tests/data/tf1_core/missing_names_classified.json).

Two steps, two Pythons (TensorFlow is never a dependency of sessionflow):

    TF_USE_LEGACY_KERAS=1 /path/to/tf-venv/bin/python \
        tools/tf_oracle/classify_missing_names.py facts
    python tools/tf_oracle/classify_missing_names.py classify                 # sessionflow

``facts`` records, for every name of tests/data/tf1_core/tf_names.json, what TensorFlow binds
to it: its kind (module, class, function, constant), the module defining it, the op type
when it is a generated op wrapper (``gen_*_ops``), the other recorded names bound to the
same object, and the parameters with their defaults (tests/data/tf1_core/tf_name_facts.json).

``classify`` sorts every name sessionflow lacks (``hasattr`` false), and every name this
module's ``IMPLEMENTED`` table says sessionflow now provides over existing ops, into:

- ``alias``: an alias or thin wrapper of ops/functions sessionflow has, implemented (each
  must exist; tests/ops/test_missing_names.py checks);
- ``alias_elsewhere``: an alias or thin wrapper of existing pieces whose home module another
  part of the project owns (the owner and what it wraps are named);
- ``new_op``: needs op types sessionflow does not register (named);
- ``subsystem``: needs a subsystem sessionflow does not have (tf.data, queues, sparse, ...);
- ``namespace``: a sub-namespace (noted when sessionflow provides part of it);
- ``framework``: TF build facts, TF2 runtime toggles, C++ plugin loading and the like.

Generated op wrappers are classified by whether sessionflow registers their op; names bound to
the same object as a name sessionflow has are aliases of it; the rest follows the tables
below (by exact name, name prefix, then the TensorFlow module defining the object), and a
name no rule covers takes the class of its namesake in another namespace (``tf.math.acos``
that of ``tf.acos``). A name still unclassified is an error, so the record stays complete.
"""
from __future__ import annotations

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data", "tf1_core")
FACTS = os.path.join(DATA, "tf_name_facts.json")
OUT = os.path.join(DATA, "missing_names_classified.json")

# -- names sessionflow now provides over existing ops (name -> what it wraps) ----------------

_ASSERTS = {"assert_integer": "a static dtype check (NoOp)",
            "assert_near": "Assert(|x - y| < atol + rtol |y|)",
            "assert_none_equal": "Assert(reduce_all(x != y))",
            "assert_proper_iterable": "a Python type check",
            "assert_same_float_dtype": "a Python dtype check",
            "assert_scalar": "a static shape check",
            "is_non_decreasing": "reduce_all(x[1:] >= x[:-1])",
            "is_strictly_increasing": "reduce_all(x[1:] > x[:-1])",
            "is_numeric_tensor": "a Python dtype check"}
_MATH = {"accumulate_n": "AddN", "confusion_matrix": "ScatterNd of (label, prediction) pairs",
         "cumprod": "Cumprod (added: TF's OpDef, kernel, gradient)",
         "unsorted_segment_mean": "UnsortedSegmentSum / counts",
         "unsorted_segment_sqrt_n": "UnsortedSegmentSum / sqrt(counts)"}
IMPLEMENTED: dict[str, str] = {
    **{f"tf.{n}": w for n, w in {**_ASSERTS, **_MATH}.items()},
    **{f"tf.debugging.{n}": w for n, w in _ASSERTS.items()},
    **{f"tf.math.{n}": w for n, w in _MATH.items()},
    "tf.add_check_numerics_ops": "CheckNumerics of every float output, grouped",
    "tf.verify_tensor_all_finite": "CheckNumerics + Identity",
    "tf.debugging.assert_all_finite": "CheckNumerics + Identity",
    "tf.arg_max": "ArgMax (TF's generated signature)",
    "tf.arg_min": "ArgMin (TF's generated signature)",
    "tf.floor_div": "FloorDiv",
    "tf.truncatediv": "TruncateDiv (added: TF's OpDef and kernel)",
    "tf.truncatemod": "TruncateMod (added: TF's OpDef and kernel)",
    "tf.argsort": "TopKV2 (of -x for ascending)", "tf.sort": "TopKV2 (of -x for ascending)",
    "tf.batch_gather": "GatherV2 with batch_dims",
    "tf.broadcast_dynamic_shape": "BroadcastArgs", "tf.broadcast_static_shape": "shape logic",
    "tf.clip_by_average_norm": "Rsqrt/Sum/Minimum/Mul",
    "tf.dimension_at_index": "TensorShape logic", "tf.dimension_value": "TensorShape logic",
    "tf.get_static_value": "static value rules (constant_value)",
    "tf.histogram_fixed_width_bins": "Floor/ClipByValue/Cast",
    "tf.matrix_transpose": "Transpose of the last two dims",
    "tf.meshgrid": "Reshape/Fill/Mul", "tf.repeat": "Tile, or Where + GatherV2",
    "tf.random_crop": "RandomUniformInt + Slice", "tf.saturate_cast": "ClipByValue + Cast",
    "tf.to_bfloat16": "Cast", "tf.to_complex64": "Cast", "tf.to_complex128": "Cast",
    "tf.to_double": "Cast",
    "tf.uniform_unit_scaling_initializer": "RandomUniform scaled by sqrt(3 / fan_in)",
    "tf.math.divide_no_nan": "DivNoNan", "tf.math.invert_permutation": "InvertPermutation",
    "tf.math.polyval": "Mul/Add (Horner)", "tf.math.reciprocal_no_nan": "DivNoNan(1, x)",
    "tf.math.zero_fraction": "NotEqual/Cast/Sum", "tf.math.is_non_decreasing": _ASSERTS[
        "is_non_decreasing"], "tf.math.is_strictly_increasing": _ASSERTS[
        "is_strictly_increasing"],
    "tf.nn.zero_fraction": "NotEqual/Cast/Sum", "tf.nn.swish": "x * Sigmoid(beta x)",
    "tf.nn.silu": "x * Sigmoid(beta x)",
    "tf.train.cosine_decay_restarts": "schedule arithmetic (SGDR)",
    "tf.train.linear_cosine_decay": "schedule arithmetic",
    "tf.train.noisy_linear_cosine_decay": "schedule arithmetic + RandomStandardNormal",
    "tf.train.piecewise_constant_decay": "tf.train.piecewise_constant",
    "tf.linalg": "partial: matmul, matvec, matrix_transpose/transpose, eye, norm, trace, "
                 "tensordot, tensor_diag, global_norm",
    "tf.manip": "partial: reshape, reverse, tile, gather_nd, scatter_nd",
}

# -- thin wrappers of existing pieces in modules other parts of the project own --------------

_NN = "ops/nn"
_STATE = "ops/state"
_ELSEWHERE: dict[str, tuple[str, str]] = {
    "tf.NoGradient": ("graph/op_registry.py EXPORTS", "tf.no_gradient"),
    "tf.OpError": ("graph/errors.py EXPORTS", "tf.errors.OpError"),
    "tf.DeviceSpec": ("graph/device.py EXPORTS", "graph.device.DeviceSpec (exists, unexported)"),
    "tf.QUANTIZED_DTYPES": ("graph/dtypes.py EXPORTS", "the quantized DTypes"),
    "tf.is_tensor": ("graph/core.py", "isinstance(x, Tensor)"),
    "tf.container": ("graph/graph.py", "Graph.container scope"),
    "tf.op_scope": ("graph/graph.py", "name_scope(name, default_name, values)"),
    "tf.convert_to_tensor_or_indexed_slices": ("graph/op_builder.py", "convert_to_tensor"),
    "tf.executing_eagerly_outside_functions": ("graph", "executing_eagerly"),
    "tf.grad_pass_through": ("graph/autodiff", "custom_gradient"),
    "tf.recompute_grad": ("graph/autodiff", "custom_gradient"),
    "tf.get_logger": ("ops/debug/tf_logging.py", "the 'sessionflow' logger"),
    "tf.initialize_local_variables": (_STATE, "local_variables_initializer"),
    "tf.initialize_variables": (_STATE, "variables_initializer"),
    "tf.assert_variables_initialized": (_STATE, "is_variable_initialized + Assert"),
    "tf.moving_average_variables": (_STATE, "get_collection(MOVING_AVERAGE_VARIABLES)"),
    "tf.get_local_variable": (_STATE, "get_variable(collections=[LOCAL_VARIABLES])"),
    "tf.no_regularizer": (_STATE, "a regularizer returning None"),
    "tf.variable_op_scope": (_STATE, "variable_scope(name_or_scope, default_name, values)"),
    "tf.make_template": (_STATE, "variable_scope reuse around a function"),
    "tf.switch_case": ("ops/control_flow", "tf.case"),
    "tf.map_fn": ("ops/control_flow", "while_loop over TensorLists"),
    "tf.foldl": ("ops/control_flow", "while_loop"), "tf.foldr": ("ops/control_flow", "while_loop"),
    "tf.scan": ("ops/control_flow", "while_loop over TensorLists"),
    "tf.vectorized_map": ("ops/control_flow", "map_fn (TF's pfor fallback)"),
    "tf.math.softmax": (_NN, "tf.nn.softmax"),
    "tf.nn.conv1d": (_NN, "ExpandDims + Conv2D + Squeeze"),
    "tf.nn.conv1d_transpose": (_NN, "ExpandDims + Conv2DBackpropInput + Squeeze"),
    "tf.nn.atrous_conv2d": (_NN, "Conv2D with dilations"),
    "tf.nn.avg_pool1d": (_NN, "ExpandDims + AvgPool + Squeeze"),
    "tf.nn.max_pool1d": (_NN, "ExpandDims + MaxPool + Squeeze"),
    "tf.nn.avg_pool_v2": (_NN, "tf.nn.avg_pool (2-D)"), "tf.nn.max_pool_v2": (_NN, "max_pool"),
    "tf.nn.convolution": (_NN, "conv2d / conv1d by rank (3-D needs Conv3D)"),
    "tf.nn.conv_transpose": (_NN, "conv2d_transpose by rank"),
    "tf.nn.pool": (_NN, "max_pool / avg_pool by rank"),
    "tf.nn.separable_conv2d": (_NN, "DepthwiseConv2dNative + 1x1 Conv2D"),
    "tf.nn.crelu": (_NN, "Concat of Relu(x), Relu(-x)"),
    "tf.nn.relu_layer": (_NN, "xw_plus_b + Relu"),
    "tf.nn.normalize_moments": (_NN, "moments arithmetic"),
    "tf.nn.sufficient_statistics": (_NN, "reductions"),
    "tf.nn.weighted_moments": (_NN, "reductions"),
    "tf.nn.batch_norm_with_global_normalization": (_NN, "batch_normalization"),
    "tf.nn.log_poisson_loss": (_NN, "exp/mul/sub (+ Stirling term)"),
    "tf.nn.compute_average_loss": (_NN, "reduce_sum / batch size"),
    "tf.nn.scale_regularization_loss": (_NN, "add_n / replicas"),
    "tf.losses.mean_pairwise_squared_error": ("ops/train losses", "reductions"),
    "tf.layers.conv2d_transpose": ("ops/train layers", "nn.conv2d_transpose + variables"),
    "tf.train.summary_iterator": ("ops/io", "the TFRecord reader + Event protos"),
    "tf.train.checkpoints_iterator": ("ops/io", "latest_checkpoint polling"),
    "tf.train.get_checkpoint_mtimes": ("ops/io", "checkpoint file mtimes"),
    "tf.train.remove_checkpoint": ("ops/io", "checkpoint file removal"),
    "tf.train.generate_checkpoint_state_proto": ("ops/io", "CheckpointState proto"),
    "tf.train.init_from_checkpoint": ("ops/io", "variable initializers from a bundle"),
    "tf.train.warm_start": ("ops/io", "init_from_checkpoint"),
    "tf.train.VocabInfo": ("ops/io", "a namedtuple for warm_start"),
    "tf.train.ExponentialMovingAverage": ("ops/train", "shadow variables + AssignSub"),
    "tf.train.replica_device_setter": ("graph/device.py", "a device function"),
}
_PROTOS = {"tf.TensorInfo": "meta_graph_pb2", "tf.train.BytesList": "feature_pb2",
           "tf.train.FloatList": "feature_pb2", "tf.train.Int64List": "feature_pb2",
           "tf.train.Feature": "feature_pb2", "tf.train.Features": "feature_pb2",
           "tf.train.FeatureList": "feature_pb2", "tf.train.FeatureLists": "feature_pb2",
           "tf.train.Example": "example_pb2", "tf.train.SequenceExample": "example_pb2",
           "tf.train.ClusterDef": "cluster_pb2", "tf.train.JobDef": "cluster_pb2",
           "tf.train.SaverDef": "saver_pb2", "tf.train.ServerDef": "tensorflow_server_pb2"}
ALIAS_ELSEWHERE = {**_ELSEWHERE, **{name: ("proto/ (an EXPORTS line next to its users)",
                                           f"sessionflow.proto.{module}")
                                    for name, module in _PROTOS.items()}}

# -- python-level functions needing op types sessionflow lacks -------------------------------

NEW_OPS: dict[str, list[str]] = {
    "tf.acos": ["Acos"], "tf.angle": ["Angle"], "tf.real": ["Real"], "tf.imag": ["Imag"],
    "tf.conj": ["Conj"], "tf.complex": ["Complex"], "tf.dynamic_partition": ["DynamicPartition"],
    "tf.dynamic_stitch": ["DynamicStitch"], "tf.batch_to_space": ["BatchToSpaceND"],
    "tf.space_to_batch": ["SpaceToBatchND"], "tf.space_to_depth": ["SpaceToDepth"],
    "tf.depth_to_space": ["DepthToSpace"], "tf.diag_part": ["DiagPart"],
    "tf.matrix_diag": ["MatrixDiagV3"], "tf.matrix_diag_part": ["MatrixDiagPartV3"],
    "tf.matrix_set_diag": ["MatrixSetDiagV3"], "tf.matrix_solve_ls": ["MatrixSolveLs"],
    "tf.matrix_triangular_solve": ["MatrixTriangularSolve"], "tf.cholesky_solve":
        ["Cholesky", "MatrixTriangularSolve"], "tf.self_adjoint_eig": ["SelfAdjointEigV2"],
    "tf.self_adjoint_eigvals": ["SelfAdjointEigV2"], "tf.svd": ["Svd"], "tf.einsum": ["Einsum"],
    "tf.ensure_shape": ["EnsureShape"], "tf.extract_image_patches": ["ExtractImagePatches"],
    "tf.fingerprint": ["Fingerprint"], "tf.guarantee_const": ["GuaranteeConst"],
    "tf.histogram_fixed_width": ["HistogramFixedWidth"], "tf.parallel_stack":
        ["ParallelConcat"], "tf.reverse_sequence": ["ReverseSequence"], "tf.roll": ["Roll"],
    "tf.searchsorted": ["LowerBound", "UpperBound"], "tf.setdiff1d": ["ListDiff"],
    "tf.tensor_scatter_nd_update": ["TensorScatterUpdate"],
    "tf.tensor_scatter_update": ["TensorScatterUpdate"],
    "tf.unique_with_counts": ["UniqueWithCounts"], "tf.bincount": ["Bincount"],
    "tf.lbeta": ["Lgamma"], "tf.multinomial": ["Multinomial"], "tf.random_gamma":
        ["RandomGamma"], "tf.random_poisson": ["RandomPoissonV2"], "tf.random_shuffle":
        ["RandomShuffle"], "tf.required_space_to_batch_paddings": ["SpaceToBatchND (its use)"],
    "tf.count_up_to": ["CountUpTo"], "tf.batch_scatter_update": ["ScatterNdUpdate"],
    **{f"tf.scatter_{k}": [f"Scatter{k.title()}"] for k in
       ("add", "div", "max", "min", "mul", "sub", "update")},
    **{f"tf.scatter_nd_{k}": [f"ScatterNd{k.title()}"] for k in ("add", "sub", "update")},
    "tf.nondifferentiable_batch_function": ["BatchFunction"],
    "tf.nn.atrous_conv2d_transpose": ["SpaceToBatchND", "BatchToSpaceND"],
    "tf.nn.avg_pool3d": ["AvgPool3D"], "tf.nn.max_pool3d": ["MaxPool3D"],
    "tf.nn.conv3d": ["Conv3D"], "tf.nn.conv3d_transpose": ["Conv3DBackpropInputV2"],
    "tf.nn.depth_to_space": ["DepthToSpace"], "tf.nn.space_to_depth": ["SpaceToDepth"],
    "tf.nn.space_to_batch": ["SpaceToBatchND"], "tf.nn.with_space_to_batch":
        ["SpaceToBatchND", "BatchToSpaceND"], "tf.nn.dilation2d": ["Dilation2D"],
    "tf.nn.erosion2d": ["Dilation2D"], "tf.nn.fractional_avg_pool": ["FractionalAvgPool"],
    "tf.nn.fractional_max_pool": ["FractionalMaxPool"], "tf.nn.max_pool_with_argmax":
        ["MaxPoolWithArgmax"], "tf.nn.approx_max_k": ["ApproxTopK"], "tf.nn.approx_min_k":
        ["ApproxTopK"],
    "tf.math.approx_max_k": ["ApproxTopK"], "tf.math.approx_min_k": ["ApproxTopK"],
    "tf.math.bessel_i0": ["BesselI0"], "tf.math.bessel_i0e": ["BesselI0e"],
    "tf.math.bessel_i1": ["BesselI1"], "tf.math.bessel_i1e": ["BesselI1e"],
    "tf.math.cumulative_logsumexp": ["CumulativeLogsumexp"], "tf.math.erfcinv": ["Ndtri"],
    "tf.math.erfinv": ["Erfinv"], "tf.math.ndtri": ["Ndtri"], "tf.math.lbeta": ["Lgamma"],
    "tf.math.multiply_no_nan": ["MulNoNan"], "tf.math.reduce_euclidean_norm": ["EuclideanNorm"],
    "tf.math.xdivy": ["Xdivy"], "tf.math.xlog1py": ["Xlog1py"], "tf.math.sobol_sample":
        ["SobolSample"], "tf.math.bincount": ["Bincount"],
    "tf.train.AdagradDAOptimizer": ["ApplyAdagradDA"],
    "tf.train.ProximalAdagradOptimizer": ["ApplyProximalAdagrad"],
    "tf.train.ProximalGradientDescentOptimizer": ["ApplyProximalGradientDescent"],
}

# -- subsystems, by TensorFlow module (exact names first) ------------------------------------

SUBSYSTEM_BY_NAME = {
    "tf.train.ClusterSpec": "distributed runtime (ClusterSpec, Server)",
    "tf.train.Server": "distributed runtime (ClusterSpec, Server)",
    "tf.train.SyncReplicasOptimizer": "distributed runtime (ClusterSpec, Server)",
    "tf.train.basic_train_loop": "MonitoredSession, hooks, Supervisor",
    "tf.train.do_quantize_training_on_graphdef": "quantization",
    "tf.Module": "TF2 object API (tf.Module, tf.train.Checkpoint)",
    "tf.GradientTape": "eager execution (GradientTape)",
    "tf.CriticalSection": "critical sections",
}
SUBSYSTEM_BY_PREFIX = [   # (name prefix, subsystem)
    ("tf.sparse_", "sparse tensors"), ("tf.edit_distance", "sparse tensors"),
    ("tf.quantize", "quantization"), ("tf.dequantize", "quantization"),
    ("tf.fake_quant", "quantization"), ("tf.nn.quantized_", "quantization"),
    ("tf.ragged_", "ragged tensors"), ("tf.train.sdca_", "SDCA solver ops"),
]
SUBSYSTEM_BY_MODULE = [   # (TensorFlow module prefix, subsystem)
    ("tensorflow.python.ops.gen_string_ops", "strings"),
    ("tensorflow.python.ops.gen_parsing_ops", "Example parsing and serialization"),
    ("tensorflow.python.ops.gen_io_ops", "readers and file ops"),
    ("tensorflow.python.ops.gen_spectral_ops", "signal (FFT)"),
    ("tensorflow.python.ops.data_flow_ops", "queues and accumulators"),
    ("tensorflow.python.ops.io_ops", "readers and file ops"),
    ("tensorflow.python.ops.parsing", "Example parsing and serialization"),
    ("tensorflow.python.ops.sparse_ops", "sparse tensors"),
    ("tensorflow.python.framework.sparse_tensor", "sparse tensors"),
    ("tensorflow.python.ops.embedding_ops", "sparse tensors"),
    ("tensorflow.python.ops.string_ops", "strings"),
    ("tensorflow.python.ops.ragged", "ragged tensors"),
    ("tensorflow.python.ops.rnn", "RNNs (dynamic_rnn, cells)"),
    ("tf_keras.api._v1.keras.__internal__.legacy", "RNNs (dynamic_rnn, cells)"),
    ("tensorflow.python.ops.ctc_ops", "CTC"),
    ("tensorflow.python.ops.candidate_sampling_ops", "candidate sampling"),
    ("tensorflow.python.ops.nn_impl", "candidate sampling"),     # nce / sampled softmax
    ("tensorflow.python.ops.lookup_ops", "lookup tables"),
    ("tensorflow.python.ops.tensor_array_ops", "TensorArray"),
    ("tensorflow.python.ops.session_ops", "session tensor handles"),
    ("tensorflow.python.ops.partitioned_variables", "partitioned variables"),
    ("tensorflow.python.ops.script_ops", "Python ops (py_func)"),
    ("tensorflow.python.ops.critical_section_ops", "critical sections"),
    ("tensorflow.python.training.basic_session_run_hooks", "MonitoredSession, hooks, Supervisor"),
    ("tensorflow.python.training.monitored_session", "MonitoredSession, hooks, Supervisor"),
    ("tensorflow.python.training.session_run_hook", "MonitoredSession, hooks, Supervisor"),
    ("tensorflow.python.training.session_manager", "MonitoredSession, hooks, Supervisor"),
    ("tensorflow.python.training.supervisor", "MonitoredSession, hooks, Supervisor"),
    ("tensorflow.python.training.coordinator", "MonitoredSession, hooks, Supervisor"),
    ("tensorflow.python.training.input", "queue-based input pipelines"),
    ("tensorflow.python.training.queue_runner", "queue-based input pipelines"),
    ("tensorflow.python.checkpoint", "TF2 object API (tf.Module, tf.train.Checkpoint)"),
    ("tensorflow.python.framework.type_spec", "TF2 type specs"),
    ("tensorflow.python.framework.tensor", "TF2 type specs"),
    ("tensorflow.python.framework.indexed_slices", "TF2 type specs"),
    ("tensorflow.python.framework.none_tensor", "TF2 type specs"),
    ("tensorflow.python.data", "tf.data"),
    ("tf_keras.src.legacy_tf_layers", "tf.layers object API and 1-D/3-D layers"),
    ("tf_keras.src.engine", "tf.layers object API and 1-D/3-D layers"),
    ("tensorflow.python.ops.variables", "variable enums (VariableAggregation, ...)"),
]

FRAMEWORK = {
    **dict.fromkeys(["tf.COMPILER_VERSION", "tf.CXX11_ABI_FLAG", "tf.CXX_VERSION",
                     "tf.GIT_VERSION", "tf.GRAPH_DEF_VERSION",
                     "tf.GRAPH_DEF_VERSION_MIN_CONSUMER", "tf.GRAPH_DEF_VERSION_MIN_PRODUCER",
                     "tf.MONOLITHIC_BUILD", "tf.VERSION"], "TF build facts (facade)"),
    **dict.fromkeys(["tf.control_flow_v2_enabled", "tf.enable_control_flow_v2",
                     "tf.disable_control_flow_v2", "tf.enable_tensor_equality",
                     "tf.disable_tensor_equality", "tf.enable_v2_tensorshape",
                     "tf.disable_v2_tensorshape", "tf.enable_v2_behavior",
                     "tf.enable_eager_execution", "tf.init_scope", "tf.variable_creator_scope",
                     "tf.function", "tf.wrap_function", "tf.type_spec_from_value",
                     "tf.is_symbolic_tensor", "tf.debugging.enable_check_numerics",
                     "tf.debugging.disable_check_numerics",
                     "tf.debugging.enable_traceback_filtering",
                     "tf.debugging.disable_traceback_filtering",
                     "tf.debugging.is_traceback_filtering_enabled",
                     "tf.debugging.get_log_device_placement",
                     "tf.debugging.set_log_device_placement"], "TF2 runtime behaviour"),
    **dict.fromkeys(["tf.load_file_system_library", "tf.load_library", "tf.load_op_library"],
                    "C++ plugin libraries (not applicable)"),
}


# -- facts (TensorFlow's Python) ---------------------------------------------------------------

def _kind(obj) -> str:
    import inspect
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "class"
    return "function" if callable(obj) else "constant"


def _default(tf, value):
    """A parameter default as JSON: plain values as they are, a DType by name, else repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tf.DType):
        return {"dtype": value.name}
    return {"repr": repr(value)}


def _signature(tf, obj, kind: str) -> list | None:
    """[name, default] per parameter of a function (a class: its __init__; no self), with
    "*args"/"**kwargs" names for variadics and no default entry where there is none."""
    import inspect
    if kind not in ("function", "class"):
        return None
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return None
    out = []
    for p in params:
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        entry = [prefix + p.name]
        if p.default is not p.empty:
            entry.append(_default(tf, p.default))
        out.append(entry)
    return out


def facts() -> None:
    import inspect
    import re

    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow as tf

    with open(os.path.join(DATA, "tf_names.json"), encoding="utf-8") as f:
        recorded = json.load(f)
    objects = {}
    for label, names in recorded["names"].items():
        module = tf.compat.v1
        for part in label.split(".")[1:]:
            module = getattr(module, part)
        for name in names:
            objects[f"{label}.{name}"] = getattr(module, name)
    by_id: dict[int, list[str]] = {}
    for path, obj in objects.items():
        if _kind(obj) != "constant":
            by_id.setdefault(id(obj), []).append(path)
    result = {}
    for path, obj in objects.items():
        kind = _kind(obj)
        target = inspect.unwrap(obj) if kind == "function" else obj
        module = obj.__name__ if kind == "module" else getattr(target, "__module__", None)
        gen_op = None
        if kind == "function" and ".gen_" in (module or ""):
            found = re.search(r'_apply_op_helper\(\s*"(\w+)"', inspect.getsource(target))
            gen_op = found.group(1) if found else None
        result[path] = {"kind": kind, "module": module, "gen_op": gen_op,
                        "same_as": sorted(p for p in by_id.get(id(obj), []) if p != path),
                        "signature": _signature(tf, obj, kind)}
    with open(FACTS, "w", encoding="utf-8") as f:
        f.write(f'{{"tensorflow_version": "{tf.__version__}", "names": {{\n')
        f.write(",\n".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in result.items()))
        f.write("\n}}\n")
    print(f"{len(result)} names", file=sys.stderr)


# -- classify (sessionflow's Python) -----------------------------------------------------------

def _has(tf, path: str) -> bool:
    obj = tf
    for part in path.split(".")[1:]:
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def _subsystem(path: str, fact: dict) -> str | None:
    if path in SUBSYSTEM_BY_NAME:
        return SUBSYSTEM_BY_NAME[path]
    for prefix, subsystem in SUBSYSTEM_BY_PREFIX:
        if path.startswith(prefix):
            return subsystem
    module = fact["module"] or ""
    for prefix, subsystem in SUBSYSTEM_BY_MODULE:
        if module.startswith(prefix):
            return subsystem
    return None


def _namesakes(path: str, names: dict) -> list[str]:
    """The same name in the other recorded namespaces (``tf.math.acos`` for ``tf.acos``)."""
    last = path.rsplit(".", 1)[1]
    labels = {p.rsplit(".", 1)[0] for p in names}
    return [f"{label}.{last}" for label in sorted(labels)
            if f"{label}.{last}" in names and f"{label}.{last}" != path]


def _category(tf, registered: set, path: str, fact: dict,
              names: dict | None = None) -> tuple[str, object]:
    if path in IMPLEMENTED:
        return "alias", IMPLEMENTED[path]
    if path in ALIAS_ELSEWHERE:
        owner, wraps = ALIAS_ELSEWHERE[path]
        return "alias_elsewhere", {"owner": owner, "wraps": wraps}
    present = [p for p in fact["same_as"] if _has(tf, p)]
    if present:
        return "alias_elsewhere", {"owner": "the module exporting " + present[0],
                                   "wraps": present[0]}
    if path in FRAMEWORK:
        return "framework", FRAMEWORK[path]
    if path in NEW_OPS:
        return "new_op", NEW_OPS[path]
    if fact["kind"] == "module":
        return "namespace", "partly provided" if _has(tf, path) else "missing"
    subsystem = _subsystem(path, fact)
    if subsystem is not None:
        return "subsystem", subsystem
    if fact["gen_op"]:
        if fact["gen_op"] in registered:
            return "alias_elsewhere", {"owner": "the op's family module",
                                       "wraps": fact["gen_op"]}
        return "new_op", [fact["gen_op"]]
    for namesake in _namesakes(path, names or {}):
        category, detail = _category(tf, registered, namesake, names[namesake])
        if category not in ("unclassified", "alias"):
            return category, detail
    return "unclassified", fact


def classify() -> None:
    sys.path.insert(0, ROOT)
    import sessionflow as tf
    from sessionflow.graph import op_registry

    with open(FACTS, encoding="utf-8") as f:
        recorded = json.load(f)
    registered = set(op_registry.KERNELS)
    out: dict[str, dict] = {c: {} for c in ("alias", "alias_elsewhere", "new_op", "namespace",
                                            "framework", "unclassified")}
    subsystems: dict[str, list[str]] = {}
    for path, fact in recorded["names"].items():
        if path not in IMPLEMENTED and _has(tf, path):
            continue
        category, detail = _category(tf, registered, path, fact, recorded["names"])
        if category == "subsystem":
            subsystems.setdefault(detail, []).append(path)
        else:
            out[category][path] = detail
    missing = [p for p in IMPLEMENTED if not _has(tf, p)]
    assert not missing, f"IMPLEMENTED names sessionflow lacks: {missing}"
    unclassified = out.pop("unclassified")
    assert not unclassified, "no rule classifies:\n" + "\n".join(
        f"{p} {f}" for p, f in unclassified.items())
    result = {"tensorflow_version": recorded["tensorflow_version"],
              "counts": {**{c: len(v) for c, v in out.items()},
                         "subsystem": sum(len(v) for v in subsystems.values())},
              **out, "subsystem": {k: sorted(v) for k, v in sorted(subsystems.items())}}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=False)
        f.write("\n")
    for category, count in result["counts"].items():
        print(f"{category}: {count}")


if __name__ == "__main__":
    {"facts": facts, "classify": classify}[sys.argv[1]]()
