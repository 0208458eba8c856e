"""Saved-graph serving: the model server's loader, version manager, batching and its
TensorFlow Serving gRPC and REST front ends (not built yet). Models will load through
ops/io (MetaGraph, Saver, SavedModel) and run on the thread-safe Session."""
