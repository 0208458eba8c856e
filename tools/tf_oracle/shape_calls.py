"""Describing TF1 calls as JSON and rebuilding them in either framework (TF or sessionflow),
for the static-shape oracle (static_shapes.py records, tests/ops/test_static_shapes_vs_tf.py
replays).

A description is one public TF1 call (``tf.reshape(x, [tf.shape(x)[0], -1])``,
``tf.nn.conv2d(...)``, ``x[:, 1:3]``, ...) on placeholders with partially-known shapes
([None, 4], [None, None, 3], unknown rank, ...), Python values, constants and small shape
expressions (``tf.shape(x)[i]``, ``tf.stack([...])`` of those and ints); ``case`` writes it
from the helper classes below and ``build_call`` rebuilds it:

    {"name": "reshape/dim0_-1",
     "placeholders": {"p0": {"dtype": "float32", "shape": [null, 4]}},   # null: unknown rank
     "call": {"fn": "reshape",                # attribute path under tf. ("nn.conv2d"), or
                                              # "__getitem__" (args[0][args[1]])
              "args": [{"ref": "p0"}, [{"dim": [{"ref": "p0"}, 0]}, -1]], "kwargs": {}}}

Argument forms: JSON scalars, null and lists are passed as they are (lists element-wise);
``{"ref": name}`` a placeholder; ``{"const": value, "dtype": d}`` tf.constant;
``{"dim": [arg, i]}`` tf.shape(arg)[i]; ``{"shape_of": arg}`` tf.shape(arg);
``{"pack": [args]}`` tf.stack; ``{"add": [a, b]}`` a + b; ``{"dtype": name}`` a DType;
``{"call": {"fn": ..., "args": [...], "kwargs": {...}}}`` a nested call;
``{"slice": [start, stop, step]}``, ``{"newaxis": true}``, ``{"ellipsis": true}`` index
items (a ``__getitem__`` index is a list of items, used as a tuple; a single item is used
as it is, so lists of tensors can be indexed too).
"""
from __future__ import annotations

from typing import Any

N = None


# -- describing calls ---------------------------------------------------------------------------

class P:
    """A placeholder; the same object used twice is the same placeholder."""

    def __init__(self, shape, dtype: str = "float32"):
        self.shape, self.dtype = shape, dtype


class Const:
    def __init__(self, value, dtype: str):
        self.value, self.dtype = value, dtype


class Dim:
    """tf.shape(x)[i]"""

    def __init__(self, x, i: int):
        self.x, self.i = x, i


class ShapeOf:
    def __init__(self, x):
        self.x = x


class Pack:
    def __init__(self, *items):
        self.items = items


class Add:
    def __init__(self, a, b):
        self.a, self.b = a, b


class Call:
    """A nested call, e.g. Call("concat", [ShapeOf(x), [2]], 0)."""

    def __init__(self, fn: str, *args, **kwargs):
        self.fn, self.args, self.kwargs = fn, args, kwargs


class DT:
    def __init__(self, name: str):
        self.name = name


class S:
    """A slice in an index: S(1, 3) is 1:3."""

    def __init__(self, start=None, stop=None, step=None):
        self.items = (start, stop, step)


NEWAXIS = object()


def _encode(obj, placeholders: dict, names: dict) -> Any:
    def enc(o):
        return _encode(o, placeholders, names)
    if isinstance(obj, P):
        if id(obj) not in names:
            names[id(obj)] = f"p{len(names)}"
            placeholders[names[id(obj)]] = {"dtype": obj.dtype, "shape": obj.shape}
        return {"ref": names[id(obj)]}
    if isinstance(obj, Const):
        return {"const": obj.value, "dtype": obj.dtype}
    if isinstance(obj, Dim):
        return {"dim": [enc(obj.x), obj.i]}
    if isinstance(obj, ShapeOf):
        return {"shape_of": enc(obj.x)}
    if isinstance(obj, Pack):
        return {"pack": [enc(o) for o in obj.items]}
    if isinstance(obj, Add):
        return {"add": [enc(obj.a), enc(obj.b)]}
    if isinstance(obj, DT):
        return {"dtype": obj.name}
    if isinstance(obj, Call):
        return {"call": {"fn": obj.fn, "args": enc(list(obj.args)),
                         "kwargs": {k: enc(v) for k, v in obj.kwargs.items()}}}
    if isinstance(obj, S):
        return {"slice": [enc(o) for o in obj.items]}
    if obj is NEWAXIS:
        return {"newaxis": True}
    if obj is Ellipsis:
        return {"ellipsis": True}
    if isinstance(obj, (list, tuple)):
        return [enc(o) for o in obj]
    assert obj is None or isinstance(obj, (bool, int, float, str)), obj
    return obj


def case(name: str, fn: str, *args, **kwargs) -> dict:
    placeholders: dict = {}
    names: dict = {}
    call = {"fn": fn, "args": _encode(list(args), placeholders, names),
            "kwargs": {k: _encode(v, placeholders, names) for k, v in kwargs.items()}}
    return {"name": name, "placeholders": placeholders, "call": call}


def getitem(name: str, x, *index) -> dict:
    return case(name, "__getitem__", x, list(index))


# -- rebuilding calls (both frameworks) ---------------------------------------------------------

def _decode(tf, spec, env: dict):
    if isinstance(spec, list):
        return [_decode(tf, s, env) for s in spec]
    if not isinstance(spec, dict):
        return spec
    if "const" in spec:
        return tf.constant(spec["const"], dtype=getattr(tf, spec["dtype"]))
    (key, value), = spec.items()
    if key == "ref":
        return env[value]
    if key == "dim":
        return tf.shape(_decode(tf, value[0], env))[value[1]]
    if key == "shape_of":
        return tf.shape(_decode(tf, value, env))
    if key == "pack":
        return tf.stack(_decode(tf, value, env))
    if key == "add":
        return _decode(tf, value[0], env) + _decode(tf, value[1], env)
    if key == "dtype":
        return getattr(tf, value)
    if key == "call":
        return _call(tf, value, env)
    if key == "slice":
        return slice(*_decode(tf, value, env))
    if key == "newaxis":
        return None
    if key == "ellipsis":
        return Ellipsis
    raise ValueError(f"unknown argument form {spec!r}")


def build_call(tf, description: dict):
    """Builds the described call's placeholders and the call itself in the default graph;
    returns the call's result."""
    env = {name: tf.placeholder(getattr(tf, p["dtype"]), p["shape"], name=name)
           for name, p in description["placeholders"].items()}
    return _call(tf, description["call"], env)


def _call(tf, call: dict, env: dict):
    args = _decode(tf, call["args"], env)
    kwargs = {k: _decode(tf, v, env) for k, v in call["kwargs"].items()}
    if call["fn"] == "__getitem__":          # one item indexes lists too (x[(i,)] is x[i])
        index = args[1]
        return args[0][index[0] if len(index) == 1 else tuple(index)]
    fn = tf
    for part in call["fn"].split("."):
        fn = getattr(fn, part)
    return fn(*args, **kwargs)


def flatten(result) -> list:
    """The tensors of a call's result, nested tuples / lists / namedtuples in order."""
    if isinstance(result, (list, tuple)):
        return [t for r in result for t in flatten(r)]
    return [result]


def static(t) -> list | None:
    return None if t.shape.ndims is None else t.shape.as_list()
