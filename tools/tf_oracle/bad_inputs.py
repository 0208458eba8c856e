"""Records which malformed inputs TensorFlow rejects, for tests/ops/test_op_registry.py.

The op table's rows (tests/ops/specs_*.py) are built with sessionflow's API, so the cases
travel to TensorFlow as GraphDefs. Two steps, two Pythons (TensorFlow is never a
dependency of sessionflow):

    python tools/tf_oracle/bad_inputs.py write /tmp/bad_inputs                  # sessionflow
    /path/to/tf-venv/bin/python tools/tf_oracle/bad_inputs.py record /tmp/bad_inputs

``write`` builds every case of ``op_spec.bad_inputs`` (each row on unknown-shape
placeholders, one fed input corrupted) and saves ``<n>.pb`` (the GraphDef), ``<n>.npz``
(the feeds) and ``cases.json`` (case ids, feed and fetch names, and sessionflow's own
outcome, for the record step's summary). ``record`` imports each GraphDef into a fresh
TensorFlow graph, runs the fetches with the feeds (one thread, Grappler and the graph
optimizer off: plain op-by-op execution, as for tests/data/tf_compat; and oneDNN off,
``TF_ENABLE_ONEDNN_OPTS=0``: its rewritten x86 kernels skip the rank checks of TF's own,
accepting rank-5 MaxPool/Conv2D inputs or failing with AbortedError) and writes
tests/data/tf_bad_inputs/tf_<major>_<minor>_verdicts.json: case id -> ``error``, the
``tf.errors`` class TensorFlow raised (null where it accepts the input: no bad input after
all), and ``message``, the kernel's message (for reading; the test checks the class).
Cases run in a child process that is restarted after a TensorFlow CHECK failure, which
costs only the case that failed (recorded as ``"crash"``). A case that names ``xs`` (as
unknown_rank_grads.py writes them) also builds and runs TensorFlow's gradients of its
fetches with respect to those placeholders.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "tests", "data", "tf_bad_inputs")


def _outcome(exc: BaseException | None, op_error) -> str | None:
    if exc is None:
        return None
    if isinstance(exc, op_error):
        return type(exc).__name__
    return f"not an OpError: {type(exc).__name__}: {_message(exc)}"


def _message(exc: BaseException | None) -> str | None:
    """The kernel's own line of an error (TensorFlow's follows ``Node: '<name>'``)."""
    if exc is None:
        return None
    lines = [line for line in str(exc).splitlines() if line.strip()]
    for k, line in enumerate(lines[:-1]):
        if line.startswith("Node: '"):
            return lines[k + 1].strip()[:300]
    return lines[0][:300] if lines else ""


def specs() -> list:
    """The op table's rows, as tests/ops/test_op_registry.py finds them."""
    sys.path.insert(0, ROOT)
    import importlib
    import pkgutil

    specs_dir = os.path.join(ROOT, "tests", "ops")
    return [s for info in pkgutil.iter_modules([specs_dir]) if info.name.startswith("specs_")
            for s in importlib.import_module(f"tests.ops.{info.name}").SPECS]


def save_case(directory: str, n: int, graph, feed: dict, fetches: list,
              xs: list | None = None) -> dict:
    """Saves case ``n`` (``<n>.pb``, ``<n>.npz``) and runs it in sessionflow; returns its
    entry for cases.json. ``xs``: placeholders to differentiate the fetches by (in both
    frameworks)."""
    import numpy as np

    import sessionflow as tf

    with open(os.path.join(directory, f"{n}.pb"), "wb") as f:
        f.write(graph.as_graph_def().SerializeToString())
    np.savez(os.path.join(directory, f"{n}.npz"),
             **{f"feed:{k}": v for k, v in enumerate(feed.values())})
    try:
        run = list(fetches)
        if xs:
            with graph.as_default():
                run += [tf.convert_to_tensor(g) for g in tf.gradients(fetches, xs)
                        if g is not None]      # (IndexedSlices densified)
        with tf.Session(graph=graph) as sess:
            sess.run(run, feed)
        exc = None
    except Exception as e:          # noqa: BLE001  (recorded, not judged here)
        exc = e
    entry = {"feeds": [p.name for p in feed], "fetches": [t.name for t in fetches]}
    if xs:
        entry["xs"] = [x.name for x in xs]
    return {**entry, "sessionflow": _outcome(exc, tf.errors.OpError),
            "sessionflow_message": _message(exc)}


def write_cases(directory: str, cases: list) -> None:
    with open(os.path.join(directory, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(cases, f, indent=1)
    print(f"wrote {len(cases)} cases to {directory}", file=sys.stderr)


def write(directory: str) -> None:
    rows = specs()                      # (puts the repository on sys.path for tests.ops)
    from tests.ops import op_spec

    os.makedirs(directory, exist_ok=True)
    cases = []
    for spec in rows:
        if not spec.check_unknown_shapes or spec.op_type in op_spec.OURS_ONLY:
            continue
        for case in op_spec.bad_inputs(spec):
            graph, outs, feed = case.build()
            cases.append({"id": case.id, **save_case(directory, len(cases), graph, feed, outs)})
    write_cases(directory, cases)


def run_from(directory: str, start: int) -> None:
    """Child process: runs cases ``start``, ``start + 1``, ... in TensorFlow, printing each
    outcome as a JSON line as soon as it is known."""
    import numpy as np
    import tensorflow.compat.v1 as tf
    from tensorflow.core.protobuf import config_pb2, rewriter_config_pb2

    config = config_pb2.ConfigProto(
        inter_op_parallelism_threads=1, intra_op_parallelism_threads=1,
        graph_options=config_pb2.GraphOptions(
            optimizer_options=config_pb2.OptimizerOptions(
                opt_level=config_pb2.OptimizerOptions.L0, do_constant_folding=False,
                do_common_subexpression_elimination=False, do_function_inlining=False),
            rewrite_options=rewriter_config_pb2.RewriterConfig(
                disable_meta_optimizer=True)))
    cases = json.load(open(os.path.join(directory, "cases.json"), encoding="utf-8"))
    for n in range(start, len(cases)):
        case = cases[n]
        with open(os.path.join(directory, f"{n}.pb"), "rb") as f:
            graph_def = tf.GraphDef.FromString(f.read())
        feeds = np.load(os.path.join(directory, f"{n}.npz"))
        feed = {name: feeds[f"feed:{k}"] for k, name in enumerate(case["feeds"])}
        try:
            graph = tf.Graph()
            with graph.as_default():
                tf.import_graph_def(graph_def, name="")
                fetches = list(case["fetches"])
                if case.get("xs"):      # also TensorFlow's gradients of the fetches
                    grads = tf.gradients([graph.get_tensor_by_name(n) for n in fetches],
                                         [graph.get_tensor_by_name(n) for n in case["xs"]])
                    fetches += [g for g in grads if g is not None]
            with tf.Session(graph=graph, config=config) as sess:
                sess.run(fetches, feed)
            exc = None
        except Exception as e:              # noqa: BLE001
            exc = e
        print(json.dumps({"n": n, "tensorflow": _outcome(exc, tf.errors.OpError),
                          "message": _message(exc)}), flush=True)


def record(directory: str, out_dir: str = OUT_DIR) -> None:
    """Runs the cases ``write`` saved in ``directory`` in TensorFlow and writes its verdicts
    to ``out_dir``/tf_<major>_<minor>_verdicts.json."""
    import tensorflow as tf

    cases = json.load(open(os.path.join(directory, "cases.json"), encoding="utf-8"))
    verdicts, report = {}, []
    outcomes: dict[int, dict] = {}
    while len(outcomes) < len(cases):
        start = len(outcomes)
        child = subprocess.run([sys.executable, os.path.abspath(__file__), "_run_from",
                                directory, str(start)], capture_output=True, text=True,
                               check=False, env=dict(os.environ, TF_ENABLE_ONEDNN_OPTS="0"))
        for line in child.stdout.splitlines():
            if line.startswith("{"):
                got = json.loads(line)
                outcomes[got["n"]] = got
        if len(outcomes) < len(cases):      # the child died on the next case
            tail = child.stderr.strip().splitlines()[-1:] or [f"exit {child.returncode}"]
            outcomes[len(outcomes)] = {"tensorflow": "crash", "message": tail[0][:300]}
    for n, case in enumerate(cases):
        got = outcomes[n]
        verdicts[case["id"]] = {"error": got["tensorflow"], "message": got["message"]}
        if got["tensorflow"] != case["sessionflow"]:
            report.append(f"{case['id']}: tensorflow {got['tensorflow']} "
                          f"({got['message']}); sessionflow {case['sessionflow']} "
                          f"({case['sessionflow_message']})")
    major, minor = tf.__version__.split(".")[:2]
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, f"tf_{major}_{minor}_verdicts.json")
    rows = ",\n".join(f"  {json.dumps(k)}: {json.dumps(verdicts[k])}" for k in sorted(verdicts))
    with open(out, "w", encoding="utf-8") as f:     # one case a line
        f.write(f'{{"tensorflow_version": {json.dumps(tf.__version__)},\n "verdicts": {{\n'
                f"{rows}\n}}}}\n")
    print(f"wrote {len(verdicts)} verdicts to {out}", file=sys.stderr)
    print("\n".join(["cases where the frameworks differ:"] + report if report else
                    ["the frameworks agree on every case"]), file=sys.stderr)


if __name__ == "__main__":
    command, directory = sys.argv[1], sys.argv[2]
    if command == "write":
        write(directory)
    elif command == "record":
        record(directory)
    elif command == "_run_from":
        run_from(directory, int(sys.argv[3]))
    else:
        sys.exit(f"usage: {sys.argv[0]} write|record DIR")
