"""The graph data model and graph-level algorithms (gradients, GraphDef I/O)."""
