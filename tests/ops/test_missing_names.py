"""TF1 names over existing ops: present, with TensorFlow's signatures and values.

tests/data/tf1_core/missing_names_classified.json (tools/tf_oracle/classify_missing_names.py)
sorts every tf.compat.v1 name sessionflow lacked; its ``alias`` class lists the aliases and
thin wrappers of existing ops sessionflow now provides. tf_name_facts.json records each
TensorFlow name's parameters and defaults; alias_values.json (tools/tf_oracle/alias_values.py)
TensorFlow's values for calls of a few dozen of them.
"""
from __future__ import annotations

import inspect
import json
import os

import numpy as np
import pytest

import sessionflow as tf
from tests.conftest import oracle_tool

_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
_DATA = os.path.join(_ROOT, "tests", "data", "tf1_core")


def _load(name: str) -> dict:
    with open(os.path.join(_DATA, name), encoding="utf-8") as f:
        return json.load(f)


CLASSIFIED = _load("missing_names_classified.json")
FACTS = _load("tf_name_facts.json")["names"]
TF_NAMES = _load("tf_names.json")["names"]
VALUES = _load("alias_values.json")["cases"]
shape_calls = oracle_tool("shape_calls")

_MISSING = object()


def _resolve(path: str):
    obj = tf
    for part in path.split(".")[1:]:
        obj = getattr(obj, part, _MISSING)
        if obj is _MISSING:
            return _MISSING
    return obj


@pytest.mark.parametrize("path", sorted(CLASSIFIED["alias"]))
def test_alias_exists(path):
    assert _resolve(path) is not _MISSING, f"{path} ({CLASSIFIED['alias'][path]})"


def _default(value):
    """A default as the facts record it (DTypes by name; other objects are not compared)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tf.DType):
        return {"dtype": value.name}
    return None


def _signature(obj) -> list:
    out = []
    for p in inspect.signature(obj).parameters.values():
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        out.append([prefix + p.name] + ([] if p.default is p.empty else [_default(p.default)]))
    return out


def _comparable(signature: list) -> list:
    return [[entry[0]] + ([None if isinstance(entry[1], dict) and "repr" in entry[1]
                           else entry[1]] if len(entry) > 1 else []) for entry in signature]


_WITH_SIGNATURE = sorted(p for p in CLASSIFIED["alias"]
                         if p in FACTS and FACTS[p]["signature"] is not None)


@pytest.mark.parametrize("path", _WITH_SIGNATURE)
def test_alias_signature_is_tensorflows(path):
    """Parameter names in order, and defaults, as TensorFlow 2.21's compat.v1 has them."""
    assert _signature(_resolve(path)) == _comparable(FACTS[path]["signature"])


def test_every_missing_name_is_classified():
    classified = {p for c in ("alias", "alias_elsewhere", "new_op", "namespace", "framework")
                  for p in CLASSIFIED[c]}
    classified |= {p for names in CLASSIFIED["subsystem"].values() for p in names}
    missing = {f"{label}.{n}" for label, names in TF_NAMES.items() for n in names
               if _resolve(f"{label}.{n}") is _MISSING}
    assert not missing - classified, sorted(missing - classified)


def _as_array(value, dtype: str) -> np.ndarray:
    if isinstance(value, dict):
        return np.asarray(value["re"]) + 1j * np.asarray(value["im"])
    return np.asarray(value, dtype=np.float64 if dtype in ("float16", "bfloat16") else dtype)


@pytest.mark.parametrize("case", VALUES, ids=[c["name"] for c in VALUES])
def test_alias_values_are_tensorflows(case):
    with tf.Graph().as_default():
        outputs = shape_calls.flatten(shape_calls.build_call(tf, case))
        with tf.Session() as sess:
            values = sess.run(outputs)
    assert len(values) == len(case["outputs"])
    for got, tensor, want in zip(values, outputs, case["outputs"]):
        assert tensor.dtype.base_dtype.name == want["dtype"]
        expected = _as_array(want["value"], want["dtype"])
        assert np.shape(got) == expected.shape
        np.testing.assert_allclose(np.asarray(got, dtype=expected.dtype), expected, rtol=1e-6,
                                   atol=1e-7)
