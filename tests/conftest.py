"""Fixtures and helpers shared across the test packages.

Helpers are plain functions, imported where used: ``from tests.conftest import run``.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os

import pytest

import sessionflow as tf
from sessionflow.ops.nn.kernels import pool as nn_kernels_pool


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
