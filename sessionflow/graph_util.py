"""``tf.graph_util`` (TF1): subgraph extraction and freezing variables into constants."""
from .graph.graph_util import (  # noqa: F401
    convert_variables_to_constants, extract_sub_graph, remove_training_nodes)
