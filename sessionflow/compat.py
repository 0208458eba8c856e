"""``tf.compat.v1``: sessionflow is the TF1 API, so ``v1`` is the top-level module itself."""
import sys as _sys

v1 = _sys.modules[__name__.rpartition(".")[0]]
