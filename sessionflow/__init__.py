"""sessionflow: a TensorFlow-1-style static-graph runtime. ``import sessionflow as tf``.

The namespaces (``tf``, ``tf.nn``, ``tf.train``, ...) are filled from the ``EXPORTS`` that
each library module declares (see ``_namespaces``); any other TF name raises an
AttributeError saying sessionflow does not implement it yet.
"""
import sys as _sys

from . import _namespaces
from . import compat, raw_ops  # noqa: F401

__version__ = "0.1.0"

_namespaces.export_all(_sys.modules[__name__])
_namespaces.namespace(_sys.modules[__name__], "")
