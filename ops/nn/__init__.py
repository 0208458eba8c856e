"""Neural-network op families: activations, losses, bias add, convolution, pooling, batch
norm, dropout, and the fused ops the plan remapper uses. Importing the package registers
TensorFlow's OpDefs of the nn ops outside ``ops.pbtxt`` (``ops_nn_extra.pbtxt``) before
its modules declare those ops."""
from ..framework.declare import load_op_defs

load_op_defs("ops_nn_extra.pbtxt")
