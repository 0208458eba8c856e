"""Fixtures and helpers shared across the test packages.

Helpers are plain functions, imported where used: ``from tests.conftest import run``.
``SESSIONFLOW_TEST_RESOURCE_VARIABLES=1`` runs the whole suite with resource variables as
``tf.Variable``'s default (``tf.enable_resource_variables()``) instead of TF1's ref ones.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
from typing import Iterator

import pytest

import sessionflow as tf
from sessionflow.ops.nn.kernels import pool as nn_kernels_pool


_RESOURCE_VARIABLES_MODE = os.environ.get("SESSIONFLOW_TEST_RESOURCE_VARIABLES") == "1"


def pytest_sessionstart(session):
    if _RESOURCE_VARIABLES_MODE:
        tf.enable_resource_variables()


def pytest_report_header(config):
    kind = "resource (SESSIONFLOW_TEST_RESOURCE_VARIABLES=1)" if _RESOURCE_VARIABLES_MODE \
        else "ref, as TF 1.x"
    return f"tf.Variable default: {kind}"


@pytest.fixture(autouse=True)
def _resource_variable_default_unchanged(request):
    """The variable default is process-wide: a test that changes it and does not restore it
    would change what every later test builds. Such a test is reset, and fails."""
    before = tf.resource_variables_enabled()
    yield
    after = tf.resource_variables_enabled()
    if after != before:
        _set_resource_variables(before)
        pytest.fail(f"{request.node.nodeid} left tf.resource_variables_enabled() {after} "
                    f"(it was {before}); use tests.conftest.resource_variables()",
                    pytrace=False)


def _set_resource_variables(enabled: bool) -> None:
    (tf.enable_resource_variables if enabled else tf.disable_resource_variables)()


@contextlib.contextmanager
def resource_variables(enabled: bool) -> Iterator[None]:
    """``tf.Variable`` makes resource (``enabled``) or ref variables by default inside the
    block; the previous default is restored after it."""
    before = tf.resource_variables_enabled()
    _set_resource_variables(enabled)
    try:
        yield
    finally:
        _set_resource_variables(before)


@pytest.fixture
def graph():
    """A fresh graph, the default one while the test runs. Modules whose every test wants
    one say ``pytestmark = pytest.mark.usefixtures("graph")``."""
    with tf.Graph().as_default() as g:
        yield g


def run(fetches, feed=None, graph=None, *, init_variables=False):
    """``Session.run(fetches, feed)`` in a new session on ``graph`` (None: the default
    graph), which is closed afterwards; ``init_variables`` runs the graph's
    ``global_variables_initializer()`` first."""
    with tf.Session(graph=graph) as sess:
        if init_variables:
            with sess.graph.as_default():
                init = tf.global_variables_initializer()
            sess.run(init)
        return sess.run(fetches, feed)


@pytest.fixture
def winner_routings(monkeypatch) -> list:
    """Records each call of ``max_pool_grad_from_winners``: whether a MaxPoolGrad used the
    winners its forward MaxPool kept (kernels bind it by name when a plan is built)."""
    calls: list = []
    orig = nn_kernels_pool.max_pool_grad_from_winners

    @functools.wraps(orig)          # keeps the signature the op binder checks
    def spy(*args, **kwargs):
        calls.append(1)
        return orig(*args, **kwargs)
    monkeypatch.setattr(nn_kernels_pool, "max_pool_grad_from_winners", spy)
    return calls


_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def oracle_tool(name: str):
    """tools/tf_oracle/<name>.py as a module: the program builders and comparisons that
    recorded TensorFlow's answers, replayed on sessionflow by the tests."""
    spec = importlib.util.spec_from_file_location(
        f"tf_oracle_{name}", os.path.join(_ROOT, "tools", "tf_oracle", f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tf1_core_data(filename: str) -> dict:
    """A JSON file of TensorFlow's recorded answers under tests/data/tf1_core/."""
    with open(os.path.join(_ROOT, "tests", "data", "tf1_core", filename), encoding="utf-8") as f:
        return json.load(f)
