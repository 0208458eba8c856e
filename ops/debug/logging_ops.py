"""Logging and debugging ops (CheckNumerics, Assert, StringFormat, PrintV2), ``tf.print``,
TF1's ``tf.Print`` and the numerics checks over them (``tf.verify_tensor_all_finite``,
``tf.add_check_numerics_ops``); the ``tf.debugging.assert_*`` family is in ``check_ops``.

Tensors are summarised the way TensorFlow's ``Tensor::SummarizeValue`` does: the legacy
form used by ``Assert`` (``[1 2 3...]``: the first ``summarize`` elements in row-major
order) and the numpy-like form used by ``StringFormat``/``tf.print`` (``[1 2 3 ... 8 9 10]``:
``summarize`` elements at each end of every dimension). Floats print with the fewest of
6/9 (float32) or 15/17 (float64) significant digits that round-trip, bools as 1/0.

Differences from TensorFlow, by design:
- ``tf.Assert`` always emits the ``Assert`` op; TF wraps non-int32/string data in a
  ``cond`` (``AssertGuard``) so the data is only computed on failure.
- ``tf.Print`` (TF1's ``Print`` op is not in our op set) is built as
  ``StringFormat -> PrintV2`` plus an ``Identity`` of ``input_`` under a control dependency
  on the print, so tensors print in the numpy-like form; ``first_n`` is ignored.
"""
from __future__ import annotations

import logging
import pprint
import random
import sys
from typing import Any, Callable

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Operation, Tensor
from ...graph.graph import get_default_graph, name_scope
from ...graph.op_builder import apply_op, convert_to_tensor
from ...graph.tensor_shape import TensorShape
from ..array import array_ops
from ..framework import shape_fns
from ..framework.declare import declare
from ..framework.deprecation import deprecated_argument_lookup
from ..math.math_ops import is_finite, is_inf, is_nan  # noqa: F401  (tf.debugging re-exports)

_VALID_STREAMS = ("stdout", "stderr", "log(info)", "log(warning)", "log(error)")
_STDOUT_AT_IMPORT, _STDERR_AT_IMPORT = sys.stdout, sys.stderr
_LOGGER = logging.getLogger("sessionflow")


# -- tensor summaries (TF's Tensor::SummarizeValue) ---------------------------------------

_C_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "'": "\\'", "\\": "\\\\"}


def _c_escape(value: bytes) -> str:
    """absl's ``Utf8SafeCEscape``: escapes quotes, backslashes and control characters."""
    text = value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else str(value)
    return "".join(_C_ESCAPES.get(c) or (f"\\{ord(c):03o}" if ord(c) < 0x20 or ord(c) == 0x7F
                                         else c) for c in text)


def _format_float(value, short: int, long: int) -> str:
    """TF's ``FloatToBuffer``/``DoubleToBuffer``: %g with the shortest round-tripping digits."""
    if np.isnan(value):
        return "-nan" if np.signbit(value) else "nan"
    text = "%.*g" % (short, value)
    return text if type(value)(text) == value else "%.*g" % (long, value)


def _element_formatter(dtype: np.dtype, quote: bool) -> Callable[[Any], str]:
    """How one element prints; ``quote`` wraps strings in quotes (the numpy-like form)."""
    if dtype.kind == "f":
        ftype, digits = (np.float64, (15, 17)) if dtype == np.float64 else (np.float32, (6, 9))
        return lambda v: _format_float(ftype(v), *digits)
    if dtype.kind == "c":
        part = _element_formatter(np.dtype(np.real(np.zeros((), dtype)).dtype), quote)
        return lambda v: f"({part(v.real)},{part(v.imag)})"
    if dtype.kind == "b":
        return lambda v: "1" if v else "0"
    if dtype.kind in "OSU":
        return (lambda v: f'"{_c_escape(v)}"') if quote else _c_escape
    return lambda v: str(int(v))


def _limit(value: np.ndarray, summarize: int) -> int:
    return value.size if summarize < 0 else min(summarize, value.size)


def summarize_legacy(value: Any, summarize: int) -> str:
    """``SummarizeValue(summarize)``: the first elements in row-major order, ``...`` if cut."""
    value = np.asarray(value)
    limit = _limit(value, summarize)
    fmt = _element_formatter(value.dtype, quote=False)
    flat = [fmt(v) for v in value.reshape(-1)[:limit]]
    cut = "..." if value.size > limit else ""
    if value.ndim == 0:
        return " ".join(flat) + cut
    out: list[str] = []
    _legacy_dim(value.shape, 0, flat, [0], out)
    return "".join(out) + cut


def _legacy_dim(shape: tuple, dim: int, flat: list, index: list, out: list) -> None:
    """TF's ``PrintOneDim``: brackets per dimension until ``len(flat)`` elements printed."""
    limit = len(flat)
    if index[0] >= limit:
        return
    if dim == len(shape) - 1:
        start = index[0]
        take = min(shape[dim], limit - start)
        out.append(" ".join(flat[start:start + take]))
        index[0] += take
        if take < shape[dim] and dim != 0:
            out.append("...")
        return
    for _ in range(shape[dim]):
        if index[0] >= limit:
            break
        out.append("[")
        _legacy_dim(shape, dim + 1, flat, index, out)
        out.append("]")


def summarize_numpy(value: Any, summarize: int) -> str:
    """``SummarizeValue(summarize, print_v2=true)``: numpy-like, ``summarize`` per end."""
    value = np.asarray(value)
    limit = _limit(value, summarize)
    fmt = _element_formatter(value.dtype, quote=True)
    if value.ndim == 0:
        return (fmt(value[()]) if limit else "") + ("..." if value.size > limit else "")
    return _numpy_dim(value, limit, fmt, value.ndim)


def _numpy_dim(sub: np.ndarray, ends: int, fmt: Callable, ndim: int) -> str:
    """TF's ``PrintOneDimV2``: the first and last ``ends`` entries of each dimension."""
    count = sub.shape[0]
    if sub.ndim == 1:
        spacing, item = " ", lambda i: fmt(sub[i])
    else:
        spacing = "\n" * (sub.ndim - 1) + " " * (ndim - sub.ndim + 1)
        item = lambda i: _numpy_dim(sub[i], ends, fmt, ndim)  # noqa: E731
    text = "[" + spacing.join(item(i) for i in range(min(ends, count)))
    if count > 2 * ends:
        text += spacing + "..."
    for i in range(max(ends, count - ends), count):
        text += spacing + item(i)
    return text + "]"


# -- CheckNumerics --------------------------------------------------------------------------

def _check_numerics_kernel(op, ctx):
    message = op.attrs["message"]

    def kernel(x):
        with np.errstate(all="ignore"):
            if np.isfinite(np.sum(x, dtype=np.float64)):    # fast path: no temporary mask
                return x
        nan, inf = bool(np.isnan(x).any()), bool(np.isinf(x).any())
        if nan or inf:
            status = "Inf and NaN" if nan and inf else ("NaN" if nan else "Inf")
            raise errors.InvalidArgumentError(None, None,
                                              f"{message} : Tensor had {status} values")
        return x
    return kernel


def _CheckNumericsGrad(op, grad):
    """TF's rule: the incoming gradient is checked too, with a message naming the op's."""
    return [check_numerics(grad, "Not a number (NaN) or infinity (Inf) values detected in "
                                 f"gradient. {op.attrs['message']}")]


declare("CheckNumerics", shape=shape_fns.unchanged, make_kernel=_check_numerics_kernel,
        grad=_CheckNumericsGrad, never_fold=True)


# -- Assert -------------------------------------------------------------------------------

def _assert_kernel(op, ctx):
    summarize = op.attrs["summarize"]

    def kernel(condition, *data):
        condition = np.asarray(condition)
        if condition.ndim > 1 or condition.size != 1:
            raise errors.InvalidArgumentError(
                None, None, "In[0] should be a scalar: "
                            f"[{','.join(str(d) for d in condition.shape)}]")
        if condition.reshape(()):
            return None
        parts = " ".join(f"[{summarize_legacy(d, summarize)}]" for d in data)
        raise errors.InvalidArgumentError(None, None, f"assertion failed: {parts}")
    return kernel


declare("Assert", make_kernel=_assert_kernel, not_differentiable=True,
        never_fold=True)


# -- StringFormat and PrintV2 ---------------------------------------------------------------

def _string_format_shape(op) -> list[TensorShape]:
    """The template must hold one placeholder per input (checked at build time, as in TF)."""
    holes = len(op.attrs["template"].split(op.attrs["placeholder"])) - 1
    if holes != len(op.inputs):
        raise ValueError(f"num placeholders in template and num inputs must match: {holes} "
                         f"vs. {len(op.inputs)}")
    return [shape_fns.SCALAR]


def _string_format_kernel(op, ctx):
    pieces = op.attrs["template"].split(op.attrs["placeholder"])
    summarize = op.attrs["summarize"]

    def kernel(*inputs):
        text = pieces[0] + "".join(summarize_numpy(v, summarize) + piece
                                   for v, piece in zip(inputs, pieces[1:]))
        return np.array(text.encode("utf-8", "surrogateescape"), dtype=object)
    return kernel


declare("StringFormat", shape=_string_format_shape, make_kernel=_string_format_kernel,
        not_differentiable=True, never_fold=True)


def _print_v2_shape(op) -> list[TensorShape]:
    if op.inputs[0].shape.rank not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {op.inputs[0].shape.rank}")
    return []


def _writer(stream: str) -> Callable[[str, str], None]:
    """Writes (message, end) to the named stream; logs drop ``end``, as TF's LOG does."""
    if stream.startswith("file://"):
        def write_file(text, end):
            with open(stream[len("file://"):], "a", encoding="utf-8") as f:
                f.write(text + end)
        return write_file
    if stream in ("stdout", "stderr"):
        def write_stream(text, end):
            out = getattr(sys, stream)     # looked up per run: follows redirection
            out.write(text + end)
            out.flush()
        return write_stream
    if stream not in _VALID_STREAMS:
        raise errors.InvalidArgumentError(
            None, None, f"Unknown output stream: {stream}, Valid streams are: "
                        f"{' '.join(_VALID_STREAMS)}")
    level = {"log(info)": logging.INFO, "log(warning)": logging.WARNING,
             "log(error)": logging.ERROR}[stream]
    return lambda text, end: _LOGGER.log(level, text)


def _print_v2_kernel(op, ctx):
    write, end = _writer(op.attrs["output_stream"]), op.attrs["end"]

    def kernel(message):
        if np.ndim(message) != 0:
            raise errors.InvalidArgumentError(
                None, None, f"Input is expected to be scalar, but got {list(np.shape(message))}")
        text = np.asarray(message).item()
        write(text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text), end)
    return kernel


declare("PrintV2", shape=_print_v2_shape, make_kernel=_print_v2_kernel,
        not_differentiable=True, never_fold=True)


# -- constructors ---------------------------------------------------------------------------

def check_numerics(tensor, message, name=None) -> Tensor:
    """``tf.debugging.check_numerics``: ``tensor``, or InvalidArgumentError on NaN/Inf."""
    return apply_op("CheckNumerics", [tensor], {"message": message}, name=name)


def with_dependencies(deps: list, t: Tensor) -> Tensor:
    """TF's ``control_flow_ops.with_dependencies``: an Identity of ``t`` run after ``deps``."""
    with name_scope(None, "control_dependency") as scope, \
            get_default_graph().control_dependencies(deps):
        return array_ops.identity(t, name=scope)


def verify_tensor_all_finite(t=None, msg=None, name=None, x=None, message=None) -> Tensor:
    """``tf.debugging.assert_all_finite``: ``x`` after a CheckNumerics of it (TF1's ``t``
    and ``msg`` spellings accepted)."""
    x = deprecated_argument_lookup("x", x, "t", t)
    message = deprecated_argument_lookup("message", message, "msg", msg)
    with name_scope(name, "VerifyFinite"):
        x = convert_to_tensor(x, name="x")
        return with_dependencies([check_numerics(x, message=message)], x)


assert_all_finite = verify_tensor_all_finite


def add_check_numerics_ops() -> Operation:
    """``tf.add_check_numerics_ops``: a CheckNumerics of every float16/32/64 output in the
    default graph, chained so they run one after another; the returned op runs them all."""
    graph = get_default_graph()
    check = []
    for op in graph.get_operations():
        for output in op.outputs:
            if output.dtype in (dtypes.float16, dtypes.float32, dtypes.float64):
                with graph.control_dependencies(check):
                    check = [check_numerics(output, message=f"{op.name}:{output.value_index}")]
    with graph.control_dependencies(check):
        return array_ops.no_op(name="group_deps")


def Assert(condition, data, summarize=None, name=None) -> Operation:  # noqa: N802 (TF's name)
    """``tf.Assert``: an op failing with the summarised ``data`` when ``condition`` is false."""
    with name_scope(name, "Assert"):
        return apply_op("Assert", [condition, list(data)],
                        {"summarize": 3 if summarize is None else summarize}, name="Assert")


def string_format(template, inputs, placeholder="{}", summarize=3, name=None) -> Tensor:
    """``tf.strings.format``: ``template`` with each placeholder replaced by a summary."""
    if isinstance(inputs, Tensor):
        inputs = [inputs]
    holes = len(template.split(placeholder)) - 1
    if len(inputs) != holes:
        raise ValueError(f"The template expects {holes} tensors, but the inputs only has "
                         f"{len(inputs)}. Please ensure the template has the same number of "
                         "placeholders as the number of tensors.")
    return apply_op("StringFormat", [list(inputs)],
                    {"template": template, "placeholder": placeholder,
                     "summarize": summarize}, name=name)


def _placeholder_for(text: str) -> str:
    """TF's ``_generate_placeholder_string``: ``{}`` plus seeded digits until unused."""
    placeholder, rng = "{}", random.Random(5)
    while placeholder in text:
        placeholder += str(rng.randint(0, 9))
    return placeholder


def _with_placeholders(value: Any, placeholder: str, tensors: list) -> Any:
    """``value`` with every tensor replaced by ``placeholder`` (collected into ``tensors``)."""
    if isinstance(value, Tensor):
        tensors.append(value)
        return placeholder
    if isinstance(value, (list, tuple)):
        items = [_with_placeholders(v, placeholder, tensors) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, dict):
        keys = sorted(value)     # the order pprint prints and TF's nest.flatten visits
        return {k: _with_placeholders(value[k], placeholder, tensors) for k in keys}
    return value


def _stream_name(output_stream: Any) -> str:
    """TF's output_stream mapping: sys streams, logging levels/functions, ``file://``."""
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        return output_stream
    streams = [(sys.stdout, "stdout"), (sys.stderr, "stderr"), (sys.__stdout__, "stdout"),
               (sys.__stderr__, "stderr"), (_STDOUT_AT_IMPORT, "stdout"),
               (_STDERR_AT_IMPORT, "stderr"), (logging.info, "log(info)"),
               (logging.warning, "log(warning)"), (logging.error, "log(error)")]
    for stream, name in streams:
        if output_stream is stream and stream is not None:
            return name
    levels = {logging.INFO: "log(info)", logging.WARNING: "log(warning)",
              logging.ERROR: "log(error)"}
    if isinstance(output_stream, int) and not isinstance(output_stream, bool) and \
            output_stream in levels:
        return levels[output_stream]
    raise ValueError(f"Unsupported output stream, logging level, or file.{output_stream}. "
                     "Supported streams are sys.stdout, sys.stderr, tf.logging.info, "
                     "tf.logging.warning, tf.logging.error. File needs to be in the form of "
                     "'file://<filepath>'.")


def print(*inputs, output_stream=sys.stderr, summarize=3, sep=" ", end="\n",  # noqa: A001
          name=None) -> Operation:
    """``tf.print``: a PrintV2 op printing the inputs (tensors summarised, others pprinted).

    A lone scalar string tensor prints as is; otherwise the inputs become one
    StringFormat template, Python strings verbatim and other objects via ``pprint``.
    """
    stream = _stream_name(output_stream)
    format_name = None if not name else name + "_format"
    print_name = None if not name else name + "_print"
    if len(inputs) == 1 and isinstance(inputs[0], Tensor) and \
            inputs[0].dtype == dtypes.string and inputs[0].shape.rank == 0:
        formatted = inputs[0]
    else:
        free = " ".join(pprint.pformat(_with_placeholders(x, "", [])) for x in inputs)
        placeholder = _placeholder_for(free)
        tensors: list[Tensor] = []
        templates = [x if isinstance(x, str) else
                     pprint.pformat(_with_placeholders(x, placeholder, tensors)) for x in inputs]
        template = sep.join(templates).replace(f"'{placeholder}'", placeholder)
        formatted = string_format(template, tensors, placeholder=placeholder,
                                  summarize=summarize, name=format_name)
    return apply_op("PrintV2", [formatted], {"output_stream": stream, "end": end},
                    name=print_name)


def Print(input_, data, message=None, first_n=None, summarize=None,  # noqa: N802 (TF's name)
          name=None) -> Tensor:
    """TF1's ``tf.Print``: ``input_`` unchanged, printing ``message`` and ``data`` to stderr.

    Built as StringFormat -> PrintV2 and an Identity of ``input_`` that depends on the
    print (see the module docstring). Scalars print bracketed, as TF1's Print did.
    """
    with name_scope(name, "Print") as scope:
        input_ = convert_to_tensor(input_)
        data = [convert_to_tensor(d) for d in data]
        message = message or ""
        placeholder = _placeholder_for(message)
        template = message + "".join(f"[{placeholder}]" if d.shape.rank == 0 else placeholder
                                     for d in data)
        formatted = string_format(template, data, placeholder=placeholder,
                                  summarize=3 if summarize is None else summarize)
        printed = apply_op("PrintV2", [formatted], {"output_stream": "stderr", "end": "\n"})
        with get_default_graph().control_dependencies([printed]):
            return array_ops.identity(input_, name=scope)


EXPORTS: dict[str, list[str]] = {
    "": ["Assert", "Print", "add_check_numerics_ops", "check_numerics", "print",
         "verify_tensor_all_finite"],
    "debugging": ["Assert", "assert_all_finite", "check_numerics", "is_nan", "is_inf",
                  "is_finite"],
}
