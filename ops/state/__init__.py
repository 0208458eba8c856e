"""State: resource and ref variables, initializers, variable scopes, scatter updates.
Importing the package registers TensorFlow's OpDefs of the state ops outside ``ops.pbtxt``
(``ops_state_extra.pbtxt``) before its modules declare those ops."""
from ..framework.declare import load_op_defs

load_op_defs("ops_state_extra.pbtxt")
