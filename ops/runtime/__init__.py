"""Process-wide machinery kernels use: the intra-op thread pool, BLAS threads, the heap setting."""
