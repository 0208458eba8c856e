"""Pure-numpy kernels of the nn ops (convolutions, DFT convolutions, pooling, normalisation)."""
