"""``tf.graph_util`` (TF1): subgraph extraction and freezing variables into constants."""
from .graph.serialization.graph_util import (convert_variables_to_constants,  # noqa: F401
    extract_sub_graph, remove_training_nodes)
