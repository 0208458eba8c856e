"""Protocol buffer schemas (TensorFlow-compatible, package ``sessionflow``) and generated modules."""
