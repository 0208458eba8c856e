"""The global step: ``tf.train.get_or_create_global_step`` and friends (TF1 semantics).

The global step is the int64 scalar variable ``global_step`` made by ``get_variable``
(so a resource variable unless the variable scope says otherwise), non-trainable, zero
initialized, in the GLOBAL_VARIABLES and GLOBAL_STEP collections. Lookups follow TF:
the GLOBAL_STEP collection first, then a tensor named ``global_step:0``.
"""
from __future__ import annotations

import logging
from typing import Any

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import get_default_graph
from ...graph.graph_keys import GraphKeys
from ..state import init_ops
from ..state.variable_scope import get_variable
from ..state.variables import Variable


def assert_global_step(global_step_tensor: Any) -> None:
    """Raises TypeError unless ``global_step_tensor`` is an integer scalar variable/tensor."""
    if not isinstance(global_step_tensor, (Variable, Tensor)):
        raise TypeError(f'Existing "global_step" must be a Variable or Tensor: '
                        f'{global_step_tensor}.')
    if not global_step_tensor.dtype.base_dtype.is_integer:
        raise TypeError(f'Existing "global_step" does not have integer type: '
                        f'{global_step_tensor.dtype}')
    shape = global_step_tensor.get_shape()
    if shape.rank != 0 and shape.is_fully_defined():
        raise TypeError(f'Existing "global_step" is not scalar: {shape}')


def get_global_step(graph: Any = None) -> Any:
    """The global step variable or tensor of ``graph``, or None when there is none."""
    graph = graph or get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) == 1:
        global_step_tensor = found[0]
    elif not found:
        try:
            global_step_tensor = graph.get_tensor_by_name("global_step:0")
        except (KeyError, ValueError):
            return None
    else:
        logging.error("Multiple tensors in global_step collection.")
        return None
    assert_global_step(global_step_tensor)
    return global_step_tensor


def create_global_step(graph: Any = None) -> Variable:
    """Creates ``global_step``; ValueError if the graph already has one."""
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    with graph.as_default(), graph.name_scope(None):
        return get_variable(GraphKeys.GLOBAL_STEP, shape=[], dtype=dtypes.int64,
                            initializer=init_ops.Zeros(), trainable=False,
                            collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph: Any = None) -> Any:
    """The graph's global step, created first if missing."""
    graph = graph or get_default_graph()
    global_step_tensor = get_global_step(graph)
    if global_step_tensor is None:
        global_step_tensor = create_global_step(graph)
    return global_step_tensor


def global_step(sess: Any, global_step_tensor: Any) -> int:
    """The global step's current value as a Python int."""
    return int(sess.run(global_step_tensor))


EXPORTS = {"train": ["get_global_step", "create_global_step", "get_or_create_global_step",
                     "global_step", "assert_global_step"]}
