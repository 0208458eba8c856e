"""GraphDef, MetaGraph and TensorProto I/O: attr values, tensors, graph import/export, freezing."""
