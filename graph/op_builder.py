"""The one entry point that creates ops: ``apply_op(op_type, inputs, attrs, name)``.

It matches inputs to the OpDef's arguments (converting Python values with the dtype the
other inputs imply, as TF's op-def library does), infers and defaults attrs, checks
allowed types, applies name/device/control-dependency/colocation scopes, runs the shape
function and adds the node to the default graph. Eager execution and tracing hook in
here too, so gradient rules work the same in every mode.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from .serialization import attr_value
from . import dtypes, op_registry
from .core import Operation, Tensor, user_frame
from .graph import Graph, get_default_graph
from .tensor_shape import TensorShape

# (type, fn) pairs for objects convertible to tensors, highest priority first.
_CONVERSION_FUNCTIONS: list[tuple[int, type, Callable]] = []
# Hooks run before an op is built: fn(op_type, op_def, inputs, attrs, name) -> outputs, or
# NotImplemented to build normally (function tracing captures outer tensors this way).
op_interceptors: list[Callable] = []


def register_tensor_conversion_function(base_type, conversion_func: Callable,
                                        priority: int = 100) -> None:
    """``conversion_func(value, dtype=None, name=None, as_ref=False) -> Tensor``, as in TF."""
    _CONVERSION_FUNCTIONS.append((priority, base_type, conversion_func))
    _CONVERSION_FUNCTIONS.sort(key=lambda entry: entry[0])


def _default_dtype_for(array: np.ndarray) -> dtypes.DType:
    return dtypes.as_dtype(array.dtype)


def to_numpy(value: Any, dtype: dtypes.DType | None = None) -> np.ndarray:
    """A Python/numpy value as an array with TF's inference (float→float32, int→int32)."""
    if isinstance(value, np.ndarray) and dtype is None:
        return value
    if dtype is not None and dtype.base_dtype == dtypes.string:
        arr = np.asarray(value, dtype=object)
        return np.vectorize(_as_bytes, otypes=[object])(arr) if arr.size else arr
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if dtype is None:
            return arr
        target = dtype.base_dtype.np_dtype
        if arr.dtype.kind == "f" and target.kind in "iub" and np.any(arr != np.round(arr)):
            raise TypeError(f"Expected {dtype.name}, but got a non-integer array of "
                            f"{arr.dtype} values.")
        return arr.astype(target, copy=False)
    try:
        arr = np.asarray(value)
    except ValueError as e:
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: {e}") from None
    if arr.dtype.kind in "OUS":
        if arr.dtype.kind == "O" and not all(isinstance(v, (str, bytes)) for v in arr.flat):
            bad = next(v for v in arr.flat if not isinstance(v, (str, bytes)))
            raise TypeError(f"Failed to convert elements of {value!r} to Tensor. Consider "
                            f"casting elements to a supported type. Element {bad!r} has "
                            f"type {type(bad).__name__}.")
        if dtype is not None and dtype.base_dtype != dtypes.string:
            raise TypeError(f"Expected {dtype.name}, but got {value!r} of type "
                            f"'{type(value).__name__}' instead.")
        return np.vectorize(_as_bytes, otypes=[object])(arr) if arr.size else arr.astype(object)
    if dtype is None:
        if arr.dtype == np.float64:
            return arr.astype(np.float32)
        if arr.dtype == np.int64:
            info = np.iinfo(np.int32)
            if arr.size and (arr.max() > info.max or arr.min() < info.min):
                return arr
            return arr.astype(np.int32)
        return arr
    target = dtype.base_dtype.np_dtype
    if arr.size == 0:
        return arr.astype(target)
    if arr.dtype.kind == "f" and target.kind in "iub":
        raise TypeError(f"Expected {dtype.name}, but got {value!r} of type "
                        f"'{type(value).__name__}' instead.")
    if arr.dtype.kind == "c" and target.kind != "c":
        raise TypeError(f"Expected {dtype.name}, but got {value!r} of type "
                        f"'{type(value).__name__}' instead.")
    if arr.dtype.kind == "b" and target.kind != "b":
        raise TypeError(f"Expected {dtype.name}, but got {value!r} of type "
                        f"'{type(value).__name__}' instead.")
    if target.kind in "iu" and arr.size:
        info = np.iinfo(target)
        if arr.max() > info.max or arr.min() < info.min:
            raise ValueError(f"Value {value!r} out of range for {dtype.name}.")
    return arr.astype(target)


def _as_bytes(v: Any) -> bytes:
    return v.encode("utf-8") if isinstance(v, str) else bytes(v)


def convert_to_tensor(value: Any, dtype: Any = None, name: str | None = None,
                      preferred_dtype: Any = None, dtype_hint: Any = None,
                      as_ref: bool = False) -> Tensor:
    """A Tensor for ``value``: tensors pass through (dtype-checked), others become Const."""
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    if isinstance(value, Tensor):
        if dtype is not None and not dtype.is_compatible_with(value.dtype):
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor "
                             f"with dtype {value.dtype.name}: {value!r}")
        return value
    for _, base_type, fn in _CONVERSION_FUNCTIONS:
        if isinstance(value, base_type):
            result = fn(value, dtype=dtype, name=name, as_ref=as_ref)
            if result is not NotImplemented:
                return result
    if isinstance(value, Operation):
        raise TypeError(f"Can't convert Operation '{value.name}' to Tensor (target dtype="
                        f"{dtype}, name={name!r}, as_ref={as_ref})")
    if isinstance(value, (list, tuple)):
        packed = _autopack(value, dtype, name)
        if packed is not None:
            return packed
    hint = preferred_dtype if preferred_dtype is not None else dtype_hint
    if dtype is None and hint is not None:
        try:
            return constant(value, dtype=hint, name=name)
        except (TypeError, ValueError):
            pass
    return constant(value, dtype=dtype, name=name)


def _is_tensor_like(value: Any) -> bool:
    """A Tensor, or a value a registered conversion turns into one (a Variable, ...)."""
    return isinstance(value, Tensor) or any(
        isinstance(value, base_type) for _, base_type, _ in _CONVERSION_FUNCTIONS)


def _nested_dtype(value: Any) -> dtypes.DType | None:
    """The dtype of the first tensor-like element of nested lists (None if there is none)."""
    for element in value:
        if isinstance(element, (list, tuple)):
            found = _nested_dtype(element)
            if found is not None:
                return found
        elif _is_tensor_like(element):
            return element.dtype.base_dtype
    return None


def _autopack(value: Sequence, dtype: dtypes.DType | None, name: str | None) -> Tensor | None:
    """TF's auto-packing: a (nested) list holding tensors becomes a ``Pack`` of its elements,
    Python numbers taking the tensors' dtype (``tf.reshape(x, [tf.shape(x)[0], -1])``).
    Returns None when no element is a tensor, so the list becomes an ordinary constant."""
    inferred = _nested_dtype(value)
    if inferred is None:
        return None
    return _pack_nested(value, dtype or inferred, dtype is not None and dtype != inferred,
                        name or "packed")


def _pack_nested(value: Sequence, dtype: dtypes.DType, cast: bool, name: str):
    """Packs one level of ``value`` under the scope ``name``; nested lists without tensors
    come back as they are (they become constants of the enclosing Pack)."""
    graph = get_default_graph()
    with graph.name_scope(name) as scope:
        elements, must_pack = [], False
        for i, element in enumerate(value):
            if isinstance(element, (list, tuple)):
                element = _pack_nested(element, dtype, cast, str(i))
            elif _is_tensor_like(element):
                element = convert_to_tensor(element)
                if element.dtype.base_dtype != dtype:
                    if not cast:
                        raise TypeError(f"Cannot convert a list containing a tensor of dtype "
                                        f"{element.dtype.base_dtype.name} to {dtype.name} "
                                        f"(Tensor is: {element!r})")
                    element = apply_op("Cast", [element], {"DstT": dtype})
            must_pack = must_pack or isinstance(element, Tensor)
            elements.append(element)
        if not must_pack:
            return elements
        tensors = [e if isinstance(e, Tensor) else constant(e, dtype=dtype, name=str(i))
                   for i, e in enumerate(elements)]
        return apply_op("Pack", [tensors], {"axis": 0}, name=scope)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const",
             verify_shape: bool = False) -> Tensor:
    """``tf.constant``: a Const op holding ``value`` (broadcast/reshaped to ``shape``)."""
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    if isinstance(value, Tensor):
        raise TypeError(f"Expected a Python or numpy value for a constant, got Tensor "
                        f"{value.name}.")
    arr = to_numpy(value, dtype)
    if shape is not None:
        shape = [int(d) for d in (shape.as_list() if isinstance(shape, TensorShape) else
                                  ([shape] if isinstance(shape, (int, np.integer)) else shape))]
        if verify_shape and list(arr.shape) != shape:
            raise TypeError(f"Expected Tensor's shape: {tuple(shape)}, got {arr.shape}.")
        if arr.size == 1:
            arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
        elif arr.size == int(np.prod(shape)):
            arr = arr.reshape(shape)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor "
                            f"{value!r} (converted from {value!r}) has {arr.size} elements, "
                            f"but got `shape` {tuple(shape)} with {int(np.prod(shape))} elements).")
    dt = dtype or _default_dtype_for(arr)
    return apply_op("Const", [], {"value": arr, "dtype": dt}, name=name)


# -- the OpDef-driven builder ------------------------------------------------------------

class _Arg(NamedTuple):
    """An OpDef ArgDef as plain data (protobuf field access is slow on the build path)."""

    name: str
    type: int
    fixed: dtypes.DType | None
    type_attr: str
    number_attr: str
    type_list_attr: str
    is_ref: bool


def _args(arg_defs) -> tuple:
    return tuple(_Arg(a.name, a.type, dtypes.as_dtype(a.type) if a.type else None, a.type_attr,
                      a.number_attr, a.type_list_attr, a.is_ref) for a in arg_defs)


class _OpDefInfo:
    """What the builder reads from an OpDef on every op, decoded once per op type."""

    __slots__ = ("attr_defs", "defaults", "allowed_types", "inputs", "outputs")

    def __init__(self, op_def):
        self.inputs = _args(op_def.input_arg)
        self.outputs = _args(op_def.output_arg)
        self.attr_defs = {a.name: a for a in op_def.attr}
        self.defaults = {a.name: attr_value.from_proto(a.default_value)
                         for a in op_def.attr if a.HasField("default_value")}
        self.allowed_types = {a.name: frozenset(a.allowed_values.list.type)
                              for a in op_def.attr if a.HasField("allowed_values")}


_OP_DEF_INFO: dict[int, _OpDefInfo] = {}


def _info(op_def) -> _OpDefInfo:
    info = _OP_DEF_INFO.get(id(op_def))
    if info is None:
        info = _OP_DEF_INFO[id(op_def)] = _OpDefInfo(op_def)
    return info


def _attr_defs(op_def) -> dict:
    return _info(op_def).attr_defs


def _check_allowed(op_type: str, arg_name: str, attr_def, dtype: dtypes.DType) -> None:
    allowed = attr_def.allowed_values.list.type if attr_def.HasField("allowed_values") else ()
    if allowed and dtype.base_dtype.as_datatype_enum not in allowed:
        names = ", ".join(dtypes.as_dtype(t).name for t in allowed)
        raise TypeError(f"Value passed to parameter '{arg_name}' has DataType "
                        f"{dtype.base_dtype.name} not in list of allowed values: {names}")


def _convert_input(value: Any, dtype: dtypes.DType | None, op_type: str, arg_name: str,
                   is_ref: bool = False) -> Tensor:
    if isinstance(value, Tensor):
        return value
    try:
        return convert_to_tensor(value, dtype=dtype, name=arg_name, as_ref=is_ref)
    except (TypeError, ValueError) as e:
        if dtype is None:
            raise
        raise TypeError(f"Expected {dtype.name} passed to parameter '{arg_name}' of op "
                        f"'{op_type}', got {value!r} of type '{type(value).__name__}' "
                        f"instead. Error: {e}") from None


def _bind_inputs(op_type: str, op_def, inputs: Sequence, attrs: dict):
    """Converts inputs per the OpDef, inferring type/number attrs into ``attrs``."""
    info = _info(op_def)
    input_args = info.inputs
    if len(inputs) != len(input_args):
        raise TypeError(f"{op_type} takes {len(input_args)} inputs "
                        f"({', '.join(a.name for a in input_args)}), got {len(inputs)}.")
    attr_defs = info.attr_defs
    # First pass: dtypes implied by inputs that already are tensors.
    for arg, value in zip(input_args, inputs):
        if arg.type_attr and arg.type_attr not in attrs:
            values = value if arg.number_attr else [value]
            if arg.number_attr and not isinstance(value, (list, tuple)):
                raise TypeError(f"Expected list for '{arg.name}' argument to '{op_type}' Op, "
                                f"not {value!r}.")
            for v in values:
                if isinstance(v, Tensor) or hasattr(v, "_as_tensor_dtype"):
                    dt = v.dtype if isinstance(v, Tensor) else v._as_tensor_dtype
                    attrs[arg.type_attr] = dt.base_dtype
                    break
    flat: list[Tensor] = []
    for arg, value in zip(input_args, inputs):
        if arg.number_attr:
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"Expected list for '{arg.name}' argument to '{op_type}' Op, "
                                f"not {value!r}.")
            n = len(value)
            number_def = attr_defs[arg.number_attr]
            min_n = number_def.minimum if number_def.has_minimum else 0
            if n < min_n:
                raise ValueError(f"List argument '{arg.name}' to '{op_type}' Op with length {n} "
                                 f"shorter than minimum length {min_n}.")
            attrs[arg.number_attr] = n
            dt = _declared_type(arg, attrs)
            tensors = [_convert_input(v, dt, op_type, arg.name) for v in value]
            if tensors and arg.type_attr and arg.type_attr not in attrs:
                attrs[arg.type_attr] = tensors[0].dtype.base_dtype
            for t in tensors:
                _check_input_type(op_type, arg, t, _declared_type(arg, attrs))
            flat.extend(tensors)
        elif arg.type_list_attr:
            if not isinstance(value, (list, tuple)):
                raise TypeError(f"Expected list for '{arg.name}' argument to '{op_type}' Op, "
                                f"not {value!r}.")
            given = attrs.get(arg.type_list_attr)
            tensors = [_convert_input(v, given[i] if given else None, op_type, arg.name)
                       for i, v in enumerate(value)]
            attrs[arg.type_list_attr] = [t.dtype.base_dtype for t in tensors]
            flat.extend(tensors)
        else:
            dt = _declared_type(arg, attrs)
            if dt is None and arg.type_attr and arg.type_attr in attr_defs:
                default = attr_defs[arg.type_attr]
                if default.HasField("default_value") and not isinstance(value, Tensor):
                    dt = dtypes.as_dtype(default.default_value.type)
                    arr = None
                    try:
                        arr = to_numpy(value)
                    except (TypeError, ValueError, NotImplementedError):
                        pass    # not a plain value: a list of tensors packs to the default
                    if arr is not None and arr.dtype.kind in "iufcb" and \
                            dtypes.as_dtype(arr.dtype) != dt:
                        # A Python value's own dtype wins over an attr default (TF's rule).
                        allowed = default.allowed_values.list.type
                        if not allowed or dtypes.as_dtype(arr.dtype).as_datatype_enum in allowed:
                            dt = None
            t = _convert_input(value, dt, op_type, arg.name, arg.is_ref)
            if arg.type_attr and arg.type_attr not in attrs:
                attrs[arg.type_attr] = t.dtype.base_dtype
            _check_input_type(op_type, arg, t, _declared_type(arg, attrs))
            flat.append(t)
    allowed_types = info.allowed_types
    for arg in input_args:
        allowed = allowed_types.get(arg.type_attr)
        if allowed and attrs[arg.type_attr].base_dtype.as_datatype_enum not in allowed:
            _check_allowed(op_type, arg.name, attr_defs[arg.type_attr], attrs[arg.type_attr])
    return flat


def _declared_type(arg: _Arg, attrs: dict) -> dtypes.DType | None:
    if arg.fixed is not None:
        return arg.fixed
    if arg.type_attr:
        return attrs.get(arg.type_attr)
    return None


def _check_input_type(op_type: str, arg, tensor: Tensor, expected: dtypes.DType | None) -> None:
    if expected is None:
        return
    actual = tensor.dtype
    if arg.is_ref:
        if not actual.is_ref_dtype:
            raise TypeError(f"'{op_type}' Op requires that input '{arg.name}' be a mutable "
                            f"tensor (e.g.: a tf.Variable)")
        actual = actual.base_dtype
    if actual.base_dtype != expected.base_dtype:
        raise TypeError(f"Input '{arg.name}' of '{op_type}' Op has type "
                        f"{actual.base_dtype.name} that does not match expected type of "
                        f"{expected.base_dtype.name}.")


def _fill_default_attrs(op_type: str, op_def, attrs: dict) -> None:
    defaults = _info(op_def).defaults
    for attr_def in op_def.attr:
        name = attr_def.name
        if name in attrs:
            attrs[name] = _coerce_attr(op_type, attr_def, attrs[name])
        elif name in defaults:
            value = defaults[name]
            attrs[name] = list(value) if isinstance(value, list) else value
        else:
            raise TypeError(f"Missing required attr '{name}' for op '{op_type}'.")


def _coerce_attr(op_type: str, attr_def, value: Any) -> Any:
    t = attr_def.type
    try:
        if t == "type":
            return dtypes.as_dtype(value)
        if t == "list(type)":
            return [dtypes.as_dtype(v) for v in value]
        if t == "int":
            if isinstance(value, (bool, float)) and value != int(value):
                raise TypeError
            return int(value)
        if t == "list(int)":
            return [int(v) for v in value]
        if t == "float":
            return float(value)
        if t == "list(float)":
            return [float(v) for v in value]
        if t == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError
            return bool(value)
        if t == "string":
            if isinstance(value, bytes):
                return value.decode("utf-8", "surrogateescape")
            return str(value)
        if t == "shape":
            return TensorShape(value) if not isinstance(value, TensorShape) else value
        if t == "list(shape)":
            return [v if isinstance(v, TensorShape) else TensorShape(v) for v in value]
    except (TypeError, ValueError):
        raise TypeError(f"Expected {t} for argument '{attr_def.name}' of op '{op_type}', "
                        f"not {value!r}.") from None
    return value


def _check_string_allowed(op_type: str, op_def, attrs: dict) -> None:
    for attr_def in op_def.attr:
        if attr_def.type == "string" and attr_def.HasField("allowed_values"):
            allowed = [s.decode() for s in attr_def.allowed_values.list.s]
            if allowed and attrs[attr_def.name] not in allowed:
                raise ValueError(f"Attr '{attr_def.name}' of '{op_type}' Op passed string "
                                 f"'{attrs[attr_def.name]}' not in: "
                                 f"{', '.join(repr(a) for a in allowed)}.")
        if attr_def.type == "int" and attr_def.has_minimum and \
                attrs[attr_def.name] < attr_def.minimum:
            raise ValueError(f"Attr '{attr_def.name}' of '{op_type}' Op passed "
                             f"{attrs[attr_def.name]} less than minimum {attr_def.minimum}.")


def output_dtypes(op_def, attrs: dict) -> list[dtypes.DType]:
    """Each output's dtype from the OpDef's output args and the (complete) attrs."""
    result = []
    for arg in _info(op_def).outputs:
        if arg.type_list_attr:
            types = list(attrs[arg.type_list_attr])
        else:
            dt = arg.fixed if arg.fixed is not None else attrs[arg.type_attr]
            types = [dt] * (attrs[arg.number_attr] if arg.number_attr else 1)
        if arg.is_ref:
            types = [t._as_ref for t in types]
        result.extend(types)
    return result


def apply_op(op_type: str, inputs: Sequence = (), attrs: dict | None = None,
             name: str | None = None, graph: Graph | None = None):
    """Creates an op of ``op_type`` and returns its outputs (a Tensor, tuple, or the op).

    Returns the single output for one-output ops, a list for several, and the Operation
    itself for ops with no outputs — matching how TF's generated wrappers are used.
    """
    op_def = op_registry.get_op_def(op_type)
    attrs = dict(attrs) if attrs else {}
    for intercept in op_interceptors:
        result = intercept(op_type, op_def, inputs, attrs, name)
        if result is not NotImplemented:
            return result
    op = create_op(op_type, inputs, attrs, name, graph=graph, op_def=op_def)
    return op_outputs(op)


def op_outputs(op: Operation):
    outs = op.outputs
    if not outs:
        return op
    if len(outs) == 1 and not is_list_output(op.op_def):
        return outs[0]
    return list(outs)


def is_list_output(op_def) -> bool:
    """Whether the op's outputs form a list (several args, or a number/type-list arg)."""
    return any(a.number_attr or a.type_list_attr for a in op_def.output_arg) or \
        len(op_def.output_arg) > 1


def create_op(op_type: str, inputs: Sequence, attrs: dict, name: str | None,
              graph: Graph | None = None, op_def=None) -> Operation:
    """Builds, shape-infers and adds one Operation to ``graph`` (default: the default graph)."""
    op_def = op_def or op_registry.get_op_def(op_type)
    with_graph = graph
    if with_graph is None:
        with_graph = _graph_of(inputs) or get_default_graph()
    if all(isinstance(v, Tensor) for v in inputs):
        flat = _bind_inputs(op_type, op_def, inputs, attrs)
    else:
        # As TF: Python values become Consts named "<op>/<arg>" inside the op's own scope.
        if not (name and name.endswith("/")):   # "scope/" already names the op exactly
            with with_graph._lock:
                name = with_graph.unique_name(name or _default_name(op_type)) + "/"
        with with_graph.as_default(), with_graph.name_scope(name):
            flat = _bind_inputs(op_type, op_def, inputs, attrs)
    for i, t in enumerate(flat):
        if t.graph is not with_graph:
            if not _encloses(with_graph, t.graph):
                raise ValueError(f"Tensor {t.name} must be from the same graph as the other "
                                 f"inputs of {op_type} ({t.name} is from a different graph).")
            flat[i] = with_graph.capture(t)   # e.g. a Variable converted inside a body
    _fill_default_attrs(op_type, op_def, attrs)
    _check_string_allowed(op_type, op_def, attrs)
    return add_op_to_graph(with_graph, op_type, op_def, flat, attrs, name)


def _default_name(op_type: str) -> str:
    """An op's name when none is given: its type, without the leading underscores of
    internal types (TF's node names may not start with '_')."""
    return op_type.lstrip("_")


def _encloses(graph: Graph, other: Graph) -> bool:
    """Whether ``graph`` is a function body nested (at any depth) in ``other``."""
    encloses = getattr(graph, "encloses", None)
    return encloses is not None and encloses(other)


def _graph_of(inputs: Sequence) -> Graph | None:
    for value in inputs:
        if isinstance(value, Tensor):
            return value.graph
        if isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, Tensor):
                    return v.graph
    return None


def add_op_to_graph(graph: Graph, op_type: str, op_def, inputs: list, attrs: dict,
                    name: str | None, control_inputs: Sequence = (),
                    unique: bool = True) -> Operation:
    """Adds a fully-bound op under the graph's current scopes and infers its shapes."""
    graph._check_not_finalized()
    with graph._lock:
        if unique and name and name.endswith("/"):
            op_name = name[:-1]  # a scope name ("w/") names the op exactly, as in TF
        else:
            op_name = graph.unique_name(name or _default_name(op_type)) if unique else name
    controls = list(control_inputs) + graph._current_control_inputs(inputs)
    override = graph._gradient_override_map.get(op_type)
    if override is not None:
        attrs["_gradient_op_type"] = override
    coloc = graph._current_colocation()
    device = graph._current_device(op_type)
    if coloc is not None:
        attrs["_class"] = [f"loc:@{coloc.name}"]
        device = coloc.device or device
    op = Operation(graph, op_name, op_type, inputs, controls, attrs,
                   output_dtypes(op_def, attrs), device, op_def, user_frame())
    infer_shapes(op)
    graph._add_op(op)
    return op


def infer_shapes(op: Operation) -> None:
    """Runs the op's shape function; a failure is a ValueError naming the op, as in TF."""
    shape_fn = op_registry.SHAPE_FNS.get(op.type)
    if shape_fn is None:
        return
    try:
        shapes = shape_fn(op)
    except (ValueError, TypeError, IndexError) as e:
        input_shapes = ", ".join(str(t.shape) for t in op.inputs)
        raise ValueError(f"{e} for '{{{{node {op.name}}}}} = {op.type}[...]' with input "
                         f"shapes: {input_shapes}.") from None
    for t, s in zip(op.outputs, shapes):
        t._shape = s if isinstance(s, TensorShape) else TensorShape(s)
    handle_data = op_registry.HANDLE_DATA.get(op.type)
    if handle_data is not None:
        for t, data in zip(op.outputs, handle_data(op)):
            t._handle_data = data


EXPORTS = {"": ["constant", "convert_to_tensor", "register_tensor_conversion_function"]}
