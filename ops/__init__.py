"""The op library: one declaration per op type (OpDef, shape fn, kernel, gradient).

Importing this package registers every op. Each family module lists the public
constructors it contributes to the facade's namespaces in ``EXPORTS``
(namespace -> names; ``""`` is the top level, ``"nn"`` is ``tf.nn``, ...).
"""
from .framework import declare  # noqa: F401  (loads TensorFlow's OpDefs first)
from .array import array_ops, array_ops_extra, indexing_ops, list_ops  # noqa: F401
from .debug import logging_ops
from .math import math_ops, matmul_ops, reduction_ops, sort_scan_ops, composite_ops
from .nn import nn_activation_ops, nn_conv_ops, nn_ops
from .random import random_ops
from .state import state_ops, variables, init_ops, variable_scope
from .io import summary_ops, summary_writer, io_ops, saver, meta_graph
from .train import (layers, losses_impl, training_ops, optimizers, training_util,
    learning_rate_decay)
from .control_flow import control_flow_ops, control_flow_v1_ops

FAMILIES = (array_ops_extra, indexing_ops, logging_ops, nn_activation_ops, nn_conv_ops,
            random_ops, variables, init_ops, variable_scope, summary_ops, summary_writer,
            layers, losses_impl, sort_scan_ops, optimizers, training_util, learning_rate_decay,
            saver, meta_graph, composite_ops, control_flow_ops)
