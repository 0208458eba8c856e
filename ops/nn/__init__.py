"""Neural-network op families: activations, softmax losses, convolution, pooling, batch norm."""
