"""Lists the tf.compat.v1 names sessionflow lacks (tests/data/tf1_core/missing_names.json).

Two steps, two Pythons (TensorFlow is never a dependency of sessionflow):

    TF_USE_LEGACY_KERAS=1 /path/to/tf-venv/bin/python tools/tf_oracle/list_missing_names.py dump
    python tools/tf_oracle/list_missing_names.py diff                                # sessionflow

``dump`` writes every public name (``dir()`` without leading underscores) of TensorFlow's
``tf.compat.v1`` and its ``nn``, ``train``, ``math``, ``debugging``, ``layers`` and
``losses`` namespaces to tests/data/tf1_core/tf_names.json (``tf.compat.v1.layers`` needs
tf-keras under Keras 3, hence TF_USE_LEGACY_KERAS=1). ``diff`` keeps the names for which
``hasattr`` is false on the matching sessionflow module (sessionflow raises AttributeError
for what it does not implement) and writes missing_names.json: per namespace, TF's count,
the missing count and the missing names, sorted. No classification.
"""
from __future__ import annotations

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "data", "tf1_core")
NAMESPACES = ["", "nn", "train", "math", "debugging", "layers", "losses"]


def _label(namespace: str) -> str:
    return "tf" if not namespace else f"tf.{namespace}"


def _module(root, namespace: str):
    return root if not namespace else getattr(root, namespace, None)


def dump() -> None:
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow as tf

    v1 = tf.compat.v1
    names = {_label(ns): sorted(n for n in dir(_module(v1, ns)) if not n.startswith("_"))
             for ns in NAMESPACES}
    with open(os.path.join(DATA, "tf_names.json"), "w", encoding="utf-8") as f:
        json.dump({"tensorflow_version": tf.__version__, "source": "tf.compat.v1",
                   "names": names}, f, indent=1)
        f.write("\n")
    for label, listed in names.items():
        print(f"{label}: {len(listed)} names")


def diff() -> None:
    import sessionflow

    with open(os.path.join(DATA, "tf_names.json"), encoding="utf-8") as f:
        recorded = json.load(f)
    result = {}
    for ns in NAMESPACES:
        label = _label(ns)
        module = _module(sessionflow, ns)
        names = recorded["names"][label]
        missing = [n for n in names if module is None or not hasattr(module, n)]
        result[label] = {"tf_count": len(names), "missing_count": len(missing),
                         "missing": missing}
        print(f"{label}: {len(missing)} of {len(names)} missing")
    with open(os.path.join(DATA, "missing_names.json"), "w", encoding="utf-8") as f:
        json.dump({"tensorflow_version": recorded["tensorflow_version"],
                   "sessionflow_version": sessionflow.__version__,
                   "namespaces": result}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    {"dump": dump, "diff": diff}[sys.argv[1]]()
