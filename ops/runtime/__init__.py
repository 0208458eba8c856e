"""Process-wide machinery kernels use: the intra-op thread pool, BLAS threads, the heap
setting, and the one configuration object that holds their settings (config)."""
