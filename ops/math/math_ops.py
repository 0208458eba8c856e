"""Elementwise math: unary and broadcasting binary ops, comparisons, logic, Cast, Select.

Each elementwise op is one row, ``sqrt = _unary("Sqrt", kernel, gradient)``, which declares
the op (numpy kernel, gradient rule or none) and returns its TF1 constructor. Kernels keep
the input dtype; gradients follow TensorFlow's ``math_grad.py`` and use TF's helper ops
(``TanhGrad``, ``SqrtGrad``, ...) so backward graphs look like TF's. Broadcast reduction
lives once, in ``grad_util``.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ...graph import dtypes, errors
from ...graph.core import Tensor
from ...graph.op_builder import apply_op, convert_to_tensor
from ..array import array_ops
from ..framework import grad_util, raw_ops, shape_fns
from ..framework.declare import declare, load_op_defs
from ..framework.grad_util import constant_like
from ..runtime.parallel import elementwise

load_op_defs("ops_math_extra.pbtxt")  # TensorFlow's OpDefs for Cumprod, TruncateDiv/Mod

# -- kernels that need more than a bare ufunc ----------------------------------------------


def _quiet(fn):
    """Runs ``fn`` without numpy's divide/overflow warnings (TF returns inf/nan silently)."""
    def kernel(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    return kernel


def _check_int_divisor(x, y) -> None:
    """TF divides integers elementwise and fails on the first zero divisor it meets: when
    the broadcast result has no elements (an empty operand), nothing divides by zero."""
    y = np.asarray(y)
    if y.dtype.kind in "iu" and np.size(x) and np.any(y == 0):
        np.broadcast_shapes(np.shape(x), y.shape)   # incompatible shapes are reported first
        raise errors.InvalidArgumentError(None, None, "Integer division by zero")


def _integer_division(on_ints: Callable, on_floats: Callable) -> Callable:
    """A division kernel: ``on_ints`` for integer operands, after TF's zero-divisor check,
    ``on_floats`` otherwise."""
    def kernel(x, y):
        if np.asarray(x).dtype.kind in "iu":
            _check_int_divisor(x, y)
            return on_ints(x, y)
        return on_floats(x, y)
    return kernel


def _truncated_int_quotient(x, y):
    """C++ integer ``/``: the quotient rounded toward zero."""
    q = np.floor_divide(x, y)
    fix = (np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0))
    return (q + fix).astype(np.result_type(x, y))


# RealDiv/Div: C++ ``/`` (true division for floats); FloorDiv/FloorMod: Python's rounding;
# TruncateDiv/TruncateMod: rounded toward zero and C's remainder, for floats too.
_truncate_div = _integer_division(_truncated_int_quotient, np.true_divide)
_floor_div = _integer_division(np.floor_divide, lambda x, y: np.floor(np.true_divide(x, y)))
_floor_mod = _integer_division(np.mod, np.mod)
_truncate_quotient = _integer_division(_truncated_int_quotient,
                                       lambda x, y: np.trunc(np.true_divide(x, y)))
_truncate_mod = _integer_division(np.fmod, np.fmod)


def _div_no_nan(x, y):
    safe = np.where(y == 0, np.ones_like(y), y)
    return np.where(y == 0, np.zeros_like(np.true_divide(x, safe)), np.true_divide(x, safe))


def _pow(x, y):
    if np.asarray(y).dtype.kind in "iu" and np.any(np.asarray(y) < 0):
        raise errors.InvalidArgumentError(
            None, None, "Integers to negative integer powers are not allowed")
    return np.power(x, y)


def _sigmoid(x):
    return (np.tanh(x * 0.5) + 1) * 0.5 if x.dtype.kind == "f" else 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.logaddexp(x, np.zeros((), dtype=x.dtype))


def _softsign(x):
    return x / (1 + np.abs(x))


_erf_scalar = np.frompyfunc(math.erf, 1, 1)


def _erf(x):
    x = np.asarray(x)
    return np.asarray(_erf_scalar(x)).astype(x.dtype)    # a 0-d input gives a Python float


def _rsqrt(x):
    return 1 / np.sqrt(x)


def _round(x):
    return np.round(x) if np.asarray(x).dtype.kind in "fc" else x


def _sign(x):
    return np.sign(x)


def _reciprocal(x):
    return 1 / x if x.dtype.kind in "fc" else np.floor_divide(1, x)


def _abs(x):
    return np.abs(x)


# -- declaring an elementwise op: one call gives its kernel, gradient and constructor -------

def _unary(op_type: str, kernel, grad=None):
    """Declares the elementwise unary op ``op_type`` with numpy ``kernel`` and gradient rule
    ``grad(op, dy) -> [dx]`` (None: not differentiable); returns ``fn(x, name=None)``."""
    facts = {"grad": grad} if grad is not None else {"not_differentiable": True}
    declare(op_type, shape=shape_fns.unchanged, make_kernel=elementwise(kernel), **facts)

    def fn(x, name: str | None = None):
        return apply_op(op_type, [x], name=name)
    fn.__name__ = op_type
    fn.__doc__ = f"Elementwise ``{op_type}``."
    return fn


def _declare_binary(op_type: str, kernel, grad=None, shape_arithmetic: bool = False,
                    chunked: bool = True) -> None:
    """Declares the broadcasting binary op ``op_type`` with numpy ``kernel`` and gradient rule
    ``grad(op, dz) -> [dx, dy]`` (None: not differentiable). ``shape_arithmetic``: inputs
    known statically give a static value (``tf.shape(x)[1] // 2``); ``chunked=False``: the
    kernel always runs whole instead of in chunks on the intra-op pool."""
    facts = {"grad": grad} if grad is not None else {"not_differentiable": True}
    if shape_arithmetic:
        facts["constant_value"] = shape_fns.kernel_value
    if chunked:
        facts["make_kernel"] = elementwise(kernel)
    else:
        facts["kernel"] = kernel
    declare(op_type, shape=shape_fns.broadcast, **facts)


def _binary(op_type: str, kernel, grad=None, **facts):
    """``_declare_binary`` and the op's constructor ``fn(x, y, name=None)``."""
    _declare_binary(op_type, kernel, grad, **facts)

    def fn(x, y, name: str | None = None):
        return apply_op(op_type, [x, y], name=name)
    fn.__name__ = op_type
    fn.__doc__ = f"Elementwise ``{op_type}`` with numpy broadcasting."
    return fn


# -- unary ops (gradients: TF's math_grad.py, through its y-form helper ops) ---------------

def _y_form(helper: str):
    """TF's gradient in terms of the output: its helper op ``helper(y, dy)``."""
    return lambda op, g: [apply_op(helper, [op.outputs[0], g])]


def _SquareGrad(op, g):
    x = op.inputs[0]
    return [multiply(g, multiply(constant_like(2, x), x))]


def _Log1pGrad(op, g):
    x = op.inputs[0]
    return [multiply(g, reciprocal(add(constant_like(1, x), x)))]


def _ErfGrad(op, g):
    x = op.inputs[0]
    return [multiply(g, multiply(constant_like(2 / np.sqrt(np.pi), g), exp(negative(square(x)))))]


def _SoftsignGrad(op, g):
    x = op.inputs[0]
    return [realdiv(g, square(add(constant_like(1, x), abs(x))))]


negative = _unary("Neg", np.negative, lambda op, g: [negative(g)])
abs = _unary("Abs", _abs, lambda op, g: [multiply(g, sign(op.inputs[0]))])  # noqa: A001 (TF's)
sign = _unary("Sign", _sign, lambda op, g: [raw_ops.ZerosLike(x=op.inputs[0])])
square = _unary("Square", np.square, _SquareGrad)
sqrt = _unary("Sqrt", _quiet(np.sqrt), _y_form("SqrtGrad"))
rsqrt = _unary("Rsqrt", _quiet(_rsqrt), _y_form("RsqrtGrad"))
exp = _unary("Exp", _quiet(np.exp), lambda op, g: [multiply(g, op.outputs[0])])
log = _unary("Log", _quiet(np.log), lambda op, g: [multiply(g, reciprocal(op.inputs[0]))])
log1p = _unary("Log1p", _quiet(np.log1p), _Log1pGrad)
expm1 = _unary("Expm1", _quiet(np.expm1), lambda op, g: [multiply(g, exp(op.inputs[0]))])
sin = _unary("Sin", np.sin, lambda op, g: [multiply(g, cos(op.inputs[0]))])
cos = _unary("Cos", np.cos, lambda op, g: [negative(multiply(g, sin(op.inputs[0])))])
tan = _unary("Tan", np.tan, lambda op, g: [multiply(g, square(reciprocal(cos(op.inputs[0]))))])
tanh = _unary("Tanh", np.tanh, _y_form("TanhGrad"))
sigmoid = _unary("Sigmoid", _quiet(_sigmoid), _y_form("SigmoidGrad"))
reciprocal = _unary("Reciprocal", _quiet(_reciprocal), _y_form("ReciprocalGrad"))
floor = _unary("Floor", np.floor)
ceil = _unary("Ceil", np.ceil)
round = _unary("Round", _round)  # noqa: A001 (TF's name)
erf = _unary("Erf", _erf, _ErfGrad)
softplus = _unary("Softplus", _quiet(_softplus),
                  lambda op, g: [apply_op("SoftplusGrad", [g, op.inputs[0]])])
softsign = _unary("Softsign", _softsign, _SoftsignGrad)
is_nan = _unary("IsNan", np.isnan)
is_finite = _unary("IsFinite", np.isfinite)
is_inf = _unary("IsInf", np.isinf)
logical_not = _unary("LogicalNot", np.logical_not)


# TF's y-form helper ops: f(y, dy) for the unary ops above, and their own gradients.
def _TanhGradGrad(op, grad):
    y, dy = op.inputs
    return [multiply(multiply(multiply(grad, constant_like(-2.0, y)), y), dy),
            apply_op("TanhGrad", [y, grad])]


def _SigmoidGradGrad(op, grad):
    a, b = op.inputs
    gb = multiply(grad, b)
    return [subtract(gb, multiply(multiply(constant_like(2.0, gb), gb), a)),
            apply_op("SigmoidGrad", [a, grad])]


def _SqrtGradGrad(op, grad):
    a = op.inputs[0]
    y = op.outputs[0]
    ga = realdiv(grad, a)
    return [multiply(negative(ga), y), multiply(constant_like(0.5, ga), ga)]


def _RsqrtGradGrad(op, grad):
    a, b = op.inputs
    grad_a = multiply(multiply(multiply(constant_like(-1.5, grad), grad), b), square(a))
    return [grad_a, apply_op("RsqrtGrad", [a, grad])]


def _ReciprocalGradGrad(op, grad):
    a, b = op.inputs
    return [multiply(multiply(multiply(grad, constant_like(-2.0, b)), b), a),
            apply_op("ReciprocalGrad", [a, grad])]


def _SoftplusGradGrad(op, grad):
    dy, x = op.inputs
    ddy = apply_op("SoftplusGrad", [grad, x])
    denom = add(add(exp(negative(x)), constant_like(2.0, x)), exp(x))
    return [ddy, realdiv(multiply(grad, dy), denom)]


declare("TanhGrad", shape=shape_fns.unchanged,
        make_kernel=elementwise(lambda y, dy: dy * (1 - y * y)), grad=_TanhGradGrad)
declare("SigmoidGrad", shape=shape_fns.unchanged,
        make_kernel=elementwise(lambda y, dy: dy * y * (1 - y)), grad=_SigmoidGradGrad)
declare("SqrtGrad", shape=shape_fns.unchanged,
        make_kernel=elementwise(_quiet(lambda y, dy: dy * np.asarray(0.5, y.dtype) / y)),
        grad=_SqrtGradGrad)
declare("RsqrtGrad", shape=shape_fns.unchanged,
        make_kernel=elementwise(lambda y, dy: dy * (y * y * y) * np.asarray(-0.5, y.dtype)),
        grad=_RsqrtGradGrad)
declare("ReciprocalGrad", shape=shape_fns.unchanged,
        make_kernel=elementwise(lambda y, dy: -dy * y * y), grad=_ReciprocalGradGrad)
declare("SoftplusGrad", shape=shape_fns.unchanged,
        make_kernel=elementwise(_quiet(lambda dy, x: dy * _sigmoid(x))), grad=_SoftplusGradGrad)


# -- binary ops (gradients: TF's math_grad.py; broadcasting undone by grad_util) ------------

def _AddGrad(op, grad):
    return list(grad_util.unbroadcast(grad, op.inputs[0], op.inputs[1]))


def _SubGrad(op, grad):
    return list(grad_util.unbroadcast_pair(grad, negative(grad), op.inputs[0], op.inputs[1]))


def _MulGrad(op, grad):
    x, y = op.inputs
    return list(grad_util.unbroadcast_pair(multiply(grad, y), multiply(x, grad), x, y))


def _RealDivGrad(op, grad):
    x, y = op.inputs
    gx = realdiv(grad, y)
    gy = multiply(grad, realdiv(realdiv(negative(x), y), y))
    return list(grad_util.unbroadcast_pair(gx, gy, x, y))


def _DivNoNanGrad(op, grad):
    x, y = op.inputs
    gx = div_no_nan(grad, y)
    gy = multiply(grad, div_no_nan(div_no_nan(negative(x), y), y))
    return list(grad_util.unbroadcast_pair(gx, gy, x, y))


def _FloorModGrad(op, grad):
    x, y = op.inputs
    gy = multiply(grad, negative(floordiv(x, y)))
    return list(grad_util.unbroadcast_pair(grad, gy, x, y))


def _MaximumMinimumGrad(op, grad, selector):
    x, y = op.inputs
    xmask = selector(x, y)
    zeros = raw_ops.ZerosLike(x=convert_to_tensor(grad))
    return list(grad_util.unbroadcast_pair(select_v2(xmask, grad, zeros),
                                           select_v2(xmask, zeros, grad), x, y))


def _PowGrad(op, grad):
    x, y = op.inputs
    z = op.outputs[0]
    gx = multiply(multiply(grad, y), pow(x, subtract(y, constant_like(1, y))))
    safe_x = select_v2(greater(x, constant_like(0, x)), x, raw_ops.OnesLike(x=x))
    log_x = select_v2(greater(x, constant_like(0, x)), log(safe_x), raw_ops.ZerosLike(x=x))
    gy = multiply(multiply(grad, z), log_x)
    return list(grad_util.unbroadcast_pair(gx, gy, x, y))


def _SquaredDifferenceGrad(op, grad):
    x, y = op.inputs
    x_grad = multiply(multiply(constant_like(2, grad), grad), subtract(x, y))
    return list(grad_util.unbroadcast_pair(x_grad, negative(x_grad), x, y))


def _Atan2Grad(op, grad):
    y, x = op.inputs
    grad_inv = realdiv(grad, add(square(x), square(y)))
    return list(grad_util.unbroadcast_pair(multiply(x, grad_inv),
                                           multiply(negative(y), grad_inv), y, x))


add_v1 = _binary("Add", np.add, _AddGrad, shape_arithmetic=True)
add = _binary("AddV2", np.add, _AddGrad, shape_arithmetic=True)
subtract = _binary("Sub", np.subtract, _SubGrad, shape_arithmetic=True)
multiply = _binary("Mul", np.multiply, _MulGrad, shape_arithmetic=True)
realdiv = _binary("RealDiv", _quiet(_truncate_div), _RealDivGrad, shape_arithmetic=True)
_declare_binary("Div", _quiet(_truncate_div), _RealDivGrad, shape_arithmetic=True)


def div(x, y, name: str | None = None):
    """TF1 ``tf.div``: Python-2 division (floor for ints, true for floats)."""
    return apply_op("Div", [x, y], name=name)


div_no_nan = _binary("DivNoNan", _quiet(_div_no_nan), _DivNoNanGrad)
floordiv = _binary("FloorDiv", _quiet(_floor_div), shape_arithmetic=True)
floormod = _binary("FloorMod", _quiet(_floor_mod), _FloorModGrad, shape_arithmetic=True)
truncatediv = _binary("TruncateDiv", _quiet(_truncate_quotient), shape_arithmetic=True)
truncatemod = _binary("TruncateMod", _quiet(_truncate_mod), shape_arithmetic=True)
maximum = _binary("Maximum", np.maximum, lambda op, g: _MaximumMinimumGrad(op, g, greater_equal),
                  shape_arithmetic=True)
minimum = _binary("Minimum", np.minimum, lambda op, g: _MaximumMinimumGrad(op, g, less_equal),
                  shape_arithmetic=True)
_declare_binary("Pow", _quiet(_pow), _PowGrad)


def pow(x, y, name: str | None = None):  # noqa: A001 (TF's name)
    return apply_op("Pow", [x, y], name=name)


squared_difference = _binary("SquaredDifference", lambda x, y: np.square(x - y),
                             _SquaredDifferenceGrad)
atan2 = _binary("Atan2", np.arctan2, _Atan2Grad)


# -- comparisons and logic (not differentiable) ---------------------------------------------

less = _binary("Less", np.less, chunked=False)
less_equal = _binary("LessEqual", np.less_equal, chunked=False)
greater = _binary("Greater", np.greater, chunked=False)
greater_equal = _binary("GreaterEqual", np.greater_equal, chunked=False)
logical_and = _binary("LogicalAnd", np.logical_and, chunked=False)
logical_or = _binary("LogicalOr", np.logical_or, chunked=False)


def _equality_kernel(ufunc):
    def make(op, ctx):
        strict = op.attrs.get("incompatible_shape_error", True)

        def kernel(x, y):
            try:
                np.broadcast_shapes(np.shape(x), np.shape(y))
            except ValueError:
                if strict:
                    raise errors.InvalidArgumentError(
                        None, None, f"Incompatible shapes: {list(np.shape(x))} vs. "
                                    f"{list(np.shape(y))}") from None
                return np.asarray(ufunc is np.not_equal)
            return ufunc(x, y)
        return kernel
    return make


declare("Equal", shape=shape_fns.broadcast, make_kernel=_equality_kernel(np.equal),
        not_differentiable=True)
declare("NotEqual", shape=shape_fns.broadcast, make_kernel=_equality_kernel(np.not_equal),
        not_differentiable=True)


def equal(x, y, name: str | None = None):
    return apply_op("Equal", [x, y], name=name)


def not_equal(x, y, name: str | None = None):
    return apply_op("NotEqual", [x, y], name=name)


# -- Cast, Select, AddN --------------------------------------------------------------------

def _cast_kernel(op, ctx):
    dst = op.attrs["DstT"]
    src = op.attrs["SrcT"]
    if dst.base_dtype == dtypes.string or (src.base_dtype == dtypes.string):
        def kernel(x):
            if src.base_dtype == dst.base_dtype:
                return x
            raise errors.UnimplementedError(None, None, f"Cast {src.name} to {dst.name} is not "
                                                        "supported")
        return kernel
    np_dst = dst.np_dtype

    def kernel(x):
        if np_dst.kind == "b":
            return np.not_equal(x, 0)
        with np.errstate(all="ignore"):
            return np.asarray(x).astype(np_dst)
    return kernel


def _CastGrad(op, grad):
    src, dst = op.attrs["SrcT"], op.attrs["DstT"]
    if src.is_differentiable and dst.is_differentiable and src.base_dtype != dtypes.resource:
        return [cast(grad, src)]
    return [None]


def _cast_value(op):
    v = shape_fns.constant_value(op.inputs[0])
    return None if v is None else np.asarray(v).astype(op.attrs["DstT"].np_dtype)


def _cast_elements(op):
    """An int-to-int cast keeps a shape vector's elements (``tf.cast(tf.shape(x), tf.int64)``)."""
    if not (op.attrs["DstT"].is_integer and op.inputs[0].dtype.is_integer):
        return None
    return shape_fns.partial_value(op.inputs[0])


declare("Cast", shape=shape_fns.unchanged, make_kernel=_cast_kernel, grad=_CastGrad,
        constant_value=_cast_value, partial_value=_cast_elements)


def cast(x, dtype, name: str | None = None) -> Tensor:
    """``tf.cast``; a no-op (returns ``x``) when the dtype already matches, as in TF."""
    dtype = dtypes.as_dtype(dtype)
    if hasattr(x, "_as_graph_element") and not isinstance(x, Tensor):
        x = convert_to_tensor(x)
    if not isinstance(x, Tensor):
        return convert_to_tensor(np.asarray(x).astype(dtype.np_dtype), name=name or "Cast")
    if x.dtype.base_dtype == dtype:
        return x
    return apply_op("Cast", [x], {"DstT": dtype, "Truncate": False}, name=name)


def _select_shape(op):
    c, x, y = (t.shape for t in op.inputs)
    shape = x.merge_with(y)
    if c.rank is not None and shape.rank is not None and c.rank not in (shape.rank, 1, 0):
        raise ValueError(f"Shape must be rank {shape.rank} or 1, but is rank {c.rank}")
    return [shape]


def _select_kernel(c, x, y):
    c = np.asarray(c)
    if c.ndim == 1 and np.ndim(x) > 1:
        if c.shape[0] != np.shape(x)[0]:
            raise errors.InvalidArgumentError(
                None, None, f"Condition vector's length {c.shape[0]} must match the first "
                            f"dimension of 'then' ({np.shape(x)[0]})")
        c = c.reshape((-1,) + (1,) * (np.ndim(x) - 1))
    elif c.ndim and c.shape != np.shape(x):
        raise errors.InvalidArgumentError(
            None, None, f"'then' and 'else' must have the same size. but received: "
                        f"{list(np.shape(x))} vs. {list(c.shape)}")
    if np.shape(x) != np.shape(y):
        raise errors.InvalidArgumentError(
            None, None, f"'then' and 'else' must have the same size. but received: "
                        f"{list(np.shape(x))} vs. {list(np.shape(y))}")
    return np.where(c, x, y)


def _SelectGrad(op, grad):
    c = op.inputs[0]
    zeros = raw_ops.ZerosLike(x=op.inputs[1])
    return [None, apply_op("Select", [c, grad, zeros]), apply_op("Select", [c, zeros, grad])]


def _SelectV2Grad(op, grad):
    c, x, y = op.inputs
    zeros = raw_ops.ZerosLike(x=convert_to_tensor(grad))
    gx = select_v2(c, grad, zeros)
    gy = select_v2(c, zeros, grad)
    return [None] + list(grad_util.unbroadcast_pair(gx, gy, x, y))


declare("Select", shape=_select_shape, kernel=_select_kernel, grad=_SelectGrad)
declare("SelectV2", shape=shape_fns.broadcast, kernel=np.where, grad=_SelectV2Grad)


def select(condition, x, y, name: str | None = None):
    return apply_op("Select", [condition, x, y], name=name)


def select_v2(condition, x, y, name: str | None = None):
    return apply_op("SelectV2", [condition, x, y], name=name)


def _add_n_kernel(*xs):
    if len(xs) == 1:
        return xs[0]
    total = np.asarray(np.add(xs[0], xs[1]))
    for x in xs[2:]:
        np.add(total, x, out=total)
    return total


declare("AddN", shape=shape_fns.merge_all, kernel=_add_n_kernel,
        grad=lambda op, grad: [grad] * len(op.inputs))


def add_n(inputs, name: str | None = None):
    inputs = list(inputs)
    if not inputs:
        raise ValueError("inputs must be a list of at least one Tensor/IndexedSlices with "
                         "the same dtype and shape")
    if len(inputs) == 1:
        return array_ops.identity(inputs[0], name=name) if name else convert_to_tensor(inputs[0])
    return apply_op("AddN", [inputs], name=name)


# -- composites (no op types of their own) ------------------------------------------------

def truediv(x, y, name: str | None = None) -> Tensor:
    """``x / y``: integers are cast to float (int32 → float64, as in TF) first."""
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype)
    if x.dtype.is_integer:
        target = dtypes.float32 if x.dtype.size <= 2 else dtypes.float64
        x, y = cast(x, target), cast(y, target)
    return apply_op("RealDiv", [x, y], name=name or "truediv")


divide = truediv


def logical_xor(x, y, name: str = "LogicalXor"):
    """``tf.math.logical_xor``: ``(x or y) and not (x and y)``."""
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)), name=name)


# -- operator overloading ----------------------------------------------------------------

def binary_operator(fn, op_name: str, reverse: bool = False):
    """``Tensor.__add__`` etc. from ``fn(x, y, name)``; ops are named "add", "mul", ... as
    TF's wrappers name them, and an operand that is no tensor value gives NotImplemented."""

    def method(self, other):
        try:
            if reverse:
                other = convert_to_tensor(other, dtype=self.dtype.base_dtype)
                return fn(other, self, name=op_name)
            return fn(self, other, name=op_name)
        except (TypeError, ValueError):
            if not isinstance(other, Tensor) and not hasattr(other, "dtype"):
                return NotImplemented
            raise
    return method


def _div_operator(x, y, name=None):
    x = convert_to_tensor(x)
    y = convert_to_tensor(y, dtype=x.dtype.base_dtype)
    return truediv(x, y, name=name)


_OPERATORS = {
    "__add__": (add, "add"), "__sub__": (subtract, "sub"), "__mul__": (multiply, "mul"),
    "__truediv__": (_div_operator, "truediv"), "__floordiv__": (floordiv, "floordiv"),
    "__mod__": (floormod, "mod"), "__pow__": (pow, "pow"),
    "__and__": (logical_and, "and"), "__or__": (logical_or, "or"),
    "__xor__": (logical_xor, "xor"),
}
for _name, (_fn, _op_name) in _OPERATORS.items():
    Tensor._override_operator(_name, binary_operator(_fn, _op_name))
    Tensor._override_operator("__r" + _name[2:], binary_operator(_fn, _op_name, reverse=True))
for _name, _fn in {"__lt__": less, "__le__": less_equal, "__gt__": greater,
                   "__ge__": greater_equal}.items():
    Tensor._override_operator(_name, binary_operator(_fn, None))
Tensor._override_operator("__neg__", lambda self: negative(self))
Tensor._override_operator("__abs__", lambda self: abs(self))
Tensor._override_operator("__invert__", lambda self: logical_not(self))


mod = floormod
floor_div = floordiv        # TF1's generated FloorDiv wrapper, same signature
divide_no_nan = div_no_nan
sub = subtract
mul = multiply
neg = negative

_ELEMENTWISE = [
    "abs", "add", "add_n", "atan2", "ceil", "cos", "div_no_nan", "divide", "equal", "erf", "exp",
    "expm1", "floor", "floordiv", "floormod", "greater", "greater_equal", "is_finite", "is_inf",
    "is_nan", "less", "less_equal", "log", "log1p", "logical_and", "logical_not", "logical_or",
    "logical_xor", "maximum", "minimum", "mod", "multiply", "negative", "not_equal", "pow",
    "realdiv", "reciprocal", "round", "rsqrt", "sigmoid", "sign", "sin", "sqrt", "square",
    "squared_difference", "subtract", "tan", "tanh", "truediv", "truncatediv", "truncatemod"]
EXPORTS = {
    "": _ELEMENTWISE + ["cast", "div", "floor_div", "mul", "neg", "select", "select_v2", "sub"],
    "math": _ELEMENTWISE + ["divide_no_nan", "softplus", "softsign"],
    "nn": ["sigmoid", "softplus", "softsign", "tanh"],
}
