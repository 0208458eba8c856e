"""The op library: one declaration per op type (OpDef, shape fn, kernel, gradient).

Importing this package registers every op. Each family module lists the public
constructors it contributes to the facade's namespaces in ``EXPORTS``
(namespace -> names; ``""`` is the top level, ``"nn"`` is ``tf.nn``, ...).
"""
from . import declare  # noqa: F401  (loads TensorFlow's OpDefs first)
from . import (array_ops, array_ops_extra, indexing_ops, logging_ops, math_ops,  # noqa: F401
               matmul_ops, nn_activation_ops, nn_conv_ops, nn_ops, random_ops, reduction_ops,
               state_ops, variables, init_ops, variable_scope, summary_ops,
               summary_writer, layers, losses_impl, sort_scan_ops, training_ops, optimizers,
               training_util, learning_rate_decay, io_ops, saver, meta_graph, composite_ops,
               control_flow_ops, control_flow_v1_ops, list_ops)

FAMILIES = (array_ops_extra, indexing_ops, logging_ops, nn_activation_ops, nn_conv_ops,
            random_ops, variables, init_ops, variable_scope, summary_ops, summary_writer,
            layers, losses_impl, sort_scan_ops, optimizers, training_util, learning_rate_decay,
            saver, meta_graph, composite_ops, control_flow_ops)
