"""The facade's namespaces come from the library's EXPORTS declarations."""
import sys
import types

import pytest

import sessionflow as tf
from sessionflow import _namespaces


def test_every_namespace_says_what_is_not_implemented_and_suggests_near_names():
    with pytest.raises(AttributeError, match=r"does not implement tf\.nn\.relu7 yet\. "
                                             r"Did you mean: tf\.nn\.relu, tf\.nn\.relu6"):
        tf.nn.relu7
    with pytest.raises(AttributeError, match=r"does not implement tf\.reduce_summ yet\. "
                                             r"Did you mean: tf\.reduce_sum"):
        tf.reduce_summ
    with pytest.raises(AttributeError, match=r"does not implement tf\.no_such_thing yet\.$"):
        tf.no_such_thing


def test_namespaces_are_importable_modules():
    import sessionflow.nn as nn
    from sessionflow.train import GradientDescentOptimizer
    assert nn is tf.nn and sys.modules["sessionflow.train"] is tf.train
    assert GradientDescentOptimizer is tf.train.GradientDescentOptimizer
    assert tf.compat.v1 is tf


def test_builtin_named_exports_resolve_to_their_trailing_underscore_definitions():
    from sessionflow.ops.array import sequence_ops
    from sessionflow.ops.control_flow import control_flow_ops
    assert tf.range is sequence_ops.range_ and tf.tuple is control_flow_ops.tuple_
    assert tf.bool.name == "bool"


def _fake_library(monkeypatch, modules):
    monkeypatch.setattr(_namespaces, "library_modules", lambda root: iter(modules))


def test_export_all_creates_dotted_namespaces_and_rejects_two_owners(monkeypatch):
    root = types.ModuleType("fakeflow")
    one = types.ModuleType("fakeflow.ops.one")
    one.f = lambda: 1
    one.EXPORTS = {"": ["f"], "io.gfile": ["f"]}
    _fake_library(monkeypatch, [one])
    monkeypatch.setitem(sys.modules, "fakeflow", root)
    _namespaces.export_all(root)
    assert root.f is one.f and root.io.gfile.f is one.f
    assert sys.modules["fakeflow.io.gfile"] is root.io.gfile
    other = types.ModuleType("fakeflow.ops.other")
    other.f = lambda: 2
    other.EXPORTS = {"": ["f"]}
    _fake_library(monkeypatch, [one, other])
    with pytest.raises(ImportError, match="exported by both fakeflow.ops.one and "
                                          "fakeflow.ops.other"):
        _namespaces.export_all(types.ModuleType("fakeflow"))
    for name in [n for n in sys.modules if n.startswith("fakeflow.")]:
        monkeypatch.delitem(sys.modules, name)


def test_an_export_that_names_nothing_is_an_error(monkeypatch):
    broken = types.ModuleType("fakeflow.ops.broken")
    broken.EXPORTS = {"": ["missing"]}
    _fake_library(monkeypatch, [broken])
    with pytest.raises(AttributeError, match="lists 'missing' in EXPORTS but defines neither"):
        _namespaces.export_all(types.ModuleType("fakeflow2"))


def test_train_write_graph_writes_a_graph_def_that_imports(tmp_path, graph):
    tf.constant([1.0, 2.0], name="c")
    path = tf.train.write_graph(graph, str(tmp_path), "g.pb", as_text=False)
    assert tf.io.write_graph is tf.train.write_graph
    graph_def = tf.GraphDef()
    graph_def.ParseFromString(open(path, "rb").read())
    assert [n.name for n in graph_def.node] == ["c"]
