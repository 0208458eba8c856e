"""Records which rank-0 and empty inputs TensorFlow accepts for each gradient row of the op
table, for the unknown-rank gradient sweep of tests/ops/test_op_registry.py.

Each gradient row (tests/ops/specs_*.py) is built on unknown-rank placeholders and fed its
"rank0" and "empty" inputs (tests/ops/op_spec.py ``oracle_inputs``: the row's own variant,
or for a row exempt from it the derived inputs it is exempt from); TensorFlow runs the
forward ops and its own gradients of them. Two steps, two Pythons, as for bad_inputs.py:

    python tools/tf_oracle/unknown_rank_grads.py write /tmp/unknown_rank        # sessionflow
    /path/to/tf-venv/bin/python tools/tf_oracle/unknown_rank_grads.py record /tmp/unknown_rank

``record`` writes tests/data/tf_unknown_rank_grads/tf_<major>_<minor>_verdicts.json: case id
("<row id>/<variant>") -> ``error``, the ``tf.errors`` class TensorFlow raised (null where it
accepts the inputs) and its ``message``.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bad_inputs  # noqa: E402  (the sibling tool whose TensorFlow runner this reuses)

OUT_DIR = os.path.join(bad_inputs.ROOT, "tests", "data", "tf_unknown_rank_grads")


def write(directory: str) -> None:
    rows = bad_inputs.specs()           # (puts the repository on sys.path for tests.ops)
    from tests.ops import op_spec

    os.makedirs(directory, exist_ok=True)
    cases = []
    for spec in rows:
        for variant in op_spec.ORACLE_VARIANTS:
            built = op_spec.unknown_rank_case(spec, variant)
            if built is None:
                continue
            graph, ys, feed, xs = built
            cases.append({"id": f"{spec.id}/{variant}",
                          **bad_inputs.save_case(directory, len(cases), graph, feed, ys, xs)})
    bad_inputs.write_cases(directory, cases)


if __name__ == "__main__":
    command, directory = sys.argv[1], sys.argv[2]
    if command == "write":
        write(directory)
    elif command == "record":
        bad_inputs.record(directory, OUT_DIR)
    else:
        sys.exit(f"usage: {sys.argv[0]} write|record DIR")
