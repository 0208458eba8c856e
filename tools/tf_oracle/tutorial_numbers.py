"""Records TensorFlow's results for the tutorial programs (tests/training/tutorial_programs.py).

Run with a Python that has TensorFlow (never a dependency of sessionflow):
    /path/to/tf-venv/bin/python tools/tf_oracle/tutorial_numbers.py
Writes tests/data/tutorials/expected.json.
"""
import importlib.util
import json
import os
import sys

import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main() -> None:
    path = os.path.join(ROOT, "tests", "training", "tutorial_programs.py")
    spec = importlib.util.spec_from_file_location("tutorial_programs", path)
    programs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(programs)
    results = {}
    for name, run in programs.PROGRAMS.items():
        results[name] = run(tf)
        print(name, results[name], file=sys.stderr)
    out = os.path.join(ROOT, "tests", "data", "tutorials", "expected.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"tensorflow_version": tf.__version__, "results": results}, f, indent=1,
                  sort_keys=True)


if __name__ == "__main__":
    main()
