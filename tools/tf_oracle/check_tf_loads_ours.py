"""Checks that TensorFlow loads the graph-level artifacts sessionflow writes (a manual oracle run).

Two steps, two Pythons (TensorFlow is never a dependency of sessionflow):

    python tools/tf_oracle/check_tf_loads_ours.py write /tmp/artifacts        # sessionflow
    /path/to/tf-venv/bin/python tools/tf_oracle/check_tf_loads_ours.py check /tmp/artifacts

``write`` trains a small MLP (resource variables, one ref variable, a global step) for a
few SGD steps with sessionflow and writes one artifact of each kind: the GraphDef
(``graph.pb`` binary, ``graph.pbtxt`` text; ``tf.train.write_graph`` where sessionflow has
it, else ``graph.as_graph_def()`` serialized), a checkpoint with its MetaGraph
(``tf.train.Saver().save`` -> ``model.ckpt-3.{index,data-*,meta}`` and ``checkpoint``) and
an event file (``tf.summary.FileWriter`` with the graph and a scalar + histogram summary
per step), plus ``expected.npz`` / ``expected.json`` with the values sessionflow computed.

``check`` loads each artifact in TensorFlow 2.21 and prints PASS or FAIL (with the error)
per artifact: the GraphDefs through ``tf.compat.v1.import_graph_def`` (then initializes
and fetches the logits), the MetaGraph through ``tf.compat.v1.train.import_meta_graph``
+ ``restore`` (fetches the logits, runs one more training step), the checkpoint through
``tf.train.load_checkpoint`` / ``list_variables`` / ``latest_checkpoint``, and the event
file through ``tf.compat.v1.train.summary_iterator``, ``tf.data.TFRecordDataset`` (which
checks the record CRCs) and TensorBoard's ``EventAccumulator`` where installed. Exits 1 if
anything failed.
"""
from __future__ import annotations

import glob
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Callable

import numpy as np

X_FEED = ((np.arange(15).reshape(5, 3) * 7 % 11 - 5) / 4).astype(np.float32)
Y_FEED = ((np.arange(10).reshape(5, 2) * 3 % 7 - 3) / 2).astype(np.float32)
W1 = ((np.arange(12).reshape(3, 4) * 5 % 9 - 4) / 8).astype(np.float32)
W2 = ((np.arange(8).reshape(4, 2) * 3 % 7 - 3) / 4).astype(np.float32)
STEPS = 3


# -- write (sessionflow) ------------------------------------------------------------------------

def _mlp(tf):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 2], name="y")
    # Resource variables: TF's one more training step on ref ones races (an update writes
    # into the buffer a pending backward read forwarded) and gives either of two results.
    with tf.variable_scope("mlp", use_resource=True):
        w1 = tf.get_variable("w1", initializer=W1)
        b1 = tf.get_variable("b1", initializer=np.full(4, 0.125, np.float32))
        w2 = tf.get_variable("w2", initializer=W2)
        b2 = tf.Variable(np.zeros(2, np.float32), name="b2", use_resource=False)   # ref
    hidden = tf.nn.relu(tf.matmul(x, w1) + b1)
    logits = tf.identity(tf.matmul(hidden, w2) + b2, name="logits")
    loss = tf.reduce_mean(tf.square(logits - y), name="loss")
    step = tf.train.get_or_create_global_step()
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step,
                                                               name="train")
    tf.summary.scalar("loss", loss)
    tf.summary.histogram("w1", w1)
    return {"x": x, "y": y, "logits": logits, "loss": loss, "train": train_op,
            "variables": [w1, b1, w2, b2, step]}


def _write_graph_def(tf, graph, out: Path) -> str:
    from google.protobuf import text_format

    if hasattr(tf.train, "write_graph"):
        tf.train.write_graph(graph, str(out), "graph.pb", as_text=False)
        tf.train.write_graph(graph, str(out), "graph.pbtxt", as_text=True)
        return "tf.train.write_graph"
    graph_def = graph.as_graph_def()
    (out / "graph.pb").write_bytes(graph_def.SerializeToString())
    (out / "graph.pbtxt").write_text(text_format.MessageToString(graph_def))
    return "graph.as_graph_def() (sessionflow has no tf.train.write_graph)"


def write(out: Path) -> None:
    import sessionflow as tf

    out.mkdir(parents=True, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        m = _mlp(tf)
        init = tf.global_variables_initializer()
        merged = tf.summary.merge_all()
        saver = tf.train.Saver()
        feed = {m["x"]: X_FEED, m["y"]: Y_FEED}
        expected: dict = {}
        losses, histograms = [], []
        with tf.Session() as sess:
            sess.run(init)
            expected["logits_initial"] = sess.run(m["logits"], feed)
            writer = tf.summary.FileWriter(str(out / "logs"), sess.graph)
            for i in range(1, STEPS + 1):                 # summaries of the state, then a step
                summary, w1, loss = sess.run([merged, m["variables"][0], m["loss"]], feed)
                writer.add_summary(summary, i)
                losses.append(float(loss))
                histograms.append({"min": float(w1.min()), "max": float(w1.max()),
                                   "num": float(w1.size), "sum": float(w1.sum())})
                sess.run(m["train"], feed)
            writer.close()
            prefix = saver.save(sess, str(out / "model.ckpt"), global_step=STEPS)
            expected["logits_trained"] = sess.run(m["logits"], feed)
            for v in m["variables"]:
                expected[f"var:{v.op.name}"] = sess.run(v)
            sess.run(m["train"], feed)
            expected["logits_one_more_step"] = sess.run(m["logits"], feed)
        how = _write_graph_def(tf, graph, out)
    np.savez(out / "expected.npz", x=X_FEED, y=Y_FEED, **expected)
    meta = {"prefix": os.path.basename(prefix), "graph_def_written_by": how,
            "variables": [v.op.name for v in m["variables"]],
            "init_op": init.name, "train_op": m["train"].name,
            "losses": losses, "histograms": histograms, "steps": STEPS}
    (out / "expected.json").write_text(json.dumps(meta, indent=1))
    print(f"wrote {sorted(p.name for p in out.iterdir())} ({how})")


# -- check (TensorFlow) -------------------------------------------------------------------------

def _close(got, want, what: str) -> None:
    if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
        raise AssertionError(f"{what}: TensorFlow got {np.asarray(got).tolist()}, sessionflow "
                             f"recorded {np.asarray(want).tolist()}")


def _graph_def_check(tf, out: Path, expected, meta, binary: bool) -> str:
    from google.protobuf import text_format

    graph_def = tf.compat.v1.GraphDef()
    if binary:
        graph_def.ParseFromString((out / "graph.pb").read_bytes())
    else:
        text_format.Parse((out / "graph.pbtxt").read_text(), graph_def)
    with tf.Graph().as_default() as graph:
        tf.compat.v1.import_graph_def(graph_def, name="")
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(meta["init_op"])
            logits = sess.run("logits:0", {"x:0": expected["x"]})
    _close(logits, expected["logits_initial"], "initialized logits")
    return f"{len(graph_def.node)} nodes imported, initialized logits match"


class Skipped(Exception):
    """A check that could not run here (reported as SKIP)."""


def _meta_graph_check(tf, out: Path, expected, meta, clear_version: bool = False) -> str:
    """import_meta_graph of the .meta file (or, with ``clear_version``, of its MetaGraphDef
    with meta_info_def.tensorflow_version emptied: a diagnostic of what else fails)."""
    prefix = str(out / meta["prefix"])
    meta_graph = tf.compat.v1.MetaGraphDef()
    meta_graph.ParseFromString(Path(prefix + ".meta").read_bytes())
    info = meta_graph.meta_info_def
    notes = [f"tensorflow_version={info.tensorflow_version!r}, "
             f"tensorflow_git_version={info.tensorflow_git_version!r}"]
    source = prefix + ".meta"
    if clear_version:
        info.tensorflow_version = ""
        source = meta_graph
    with tf.Graph().as_default() as graph:
        saver = tf.compat.v1.train.import_meta_graph(source)
        with tf.compat.v1.Session(graph=graph) as sess:
            saver.restore(sess, prefix)
            feed = {"x:0": expected["x"], "y:0": expected["y"]}
            _close(sess.run("logits:0", feed), expected["logits_trained"], "restored logits")
            train = tf.compat.v1.get_collection("train_op")
            notes.append(f"train_op collection: {[t.name for t in train]}")
            sess.run(train[0] if train else meta["train_op"], feed)
            _close(sess.run("logits:0", feed), expected["logits_one_more_step"],
                   "logits after one more training step in TensorFlow")
            step = sess.run(tf.compat.v1.train.get_global_step())
            notes.append(f"global_step after the extra step: {step}")
    return "restored logits match, one more TF training step matches; " + "; ".join(notes)


def _checkpoint_check(tf, out: Path, expected, meta) -> str:
    prefix = str(out / meta["prefix"])
    latest = tf.train.latest_checkpoint(str(out))
    if latest != prefix:
        raise AssertionError(f"latest_checkpoint says {latest!r}, not {prefix!r}")
    listed = dict(tf.train.list_variables(prefix))
    reader = tf.train.load_checkpoint(prefix)
    if sorted(listed) != sorted(meta["variables"]):
        raise AssertionError(f"variables {sorted(listed)} vs {sorted(meta['variables'])}")
    for name in meta["variables"]:
        _close(reader.get_tensor(name), expected[f"var:{name}"], name)
        if list(listed[name]) != list(expected[f"var:{name}"].shape):
            raise AssertionError(f"{name}: shape {listed[name]}")
    return f"latest_checkpoint ok, {len(listed)} variables: {listed}"


def _events(out: Path) -> list[str]:
    files = sorted(glob.glob(str(out / "logs" / "events.out.tfevents.*")))
    if len(files) != 1:
        raise AssertionError(f"expected one event file, found {files}")
    return files


def _event_file_check(tf, out: Path, expected, meta) -> str:
    (path,) = _events(out)
    kinds, scalars, histos, graph_nodes = [], [], [], None
    for event in tf.compat.v1.train.summary_iterator(path):
        kind = event.WhichOneof("what")
        kinds.append(kind)
        if kind == "file_version":
            if not event.file_version.startswith("brain.Event:"):
                raise AssertionError(f"file_version {event.file_version!r}")
        elif kind == "graph_def":
            graph_def = tf.compat.v1.GraphDef.FromString(event.graph_def)
            with tf.Graph().as_default():
                tf.compat.v1.import_graph_def(graph_def, name="")
            graph_nodes = len(graph_def.node)
        elif kind == "summary":
            for value in event.summary.value:
                if value.tag == "loss":
                    scalars.append((event.step, value.simple_value))
                elif value.tag == "w1":
                    h = value.histo
                    histos.append((event.step, {"min": h.min, "max": h.max, "num": h.num,
                                                "sum": h.sum}))
    if graph_nodes is None:
        raise AssertionError(f"no graph_def event (events: {kinds})")
    if [s for s, _ in scalars] != list(range(1, meta["steps"] + 1)):
        raise AssertionError(f"loss summaries at steps {[s for s, _ in scalars]}")
    _close([v for _, v in scalars], meta["losses"], "loss scalars")
    for (_, got), want in zip(histos, meta["histograms"]):
        for key in ("min", "max", "num", "sum"):
            _close(got[key], want[key], f"histogram {key}")
    records = sum(1 for _ in tf.data.TFRecordDataset(path))
    if records != len(kinds):
        raise AssertionError(f"TFRecordDataset read {records} records, iterator {len(kinds)}")
    return (f"{len(kinds)} events ({kinds}); graph_def with {graph_nodes} nodes imports; "
            f"loss scalars {[round(v, 6) for _, v in scalars]}; histograms match; "
            f"TFRecordDataset reads all {records} records (CRCs ok)")


def _tensorboard_check(tf, out: Path, expected, meta) -> str:
    try:
        from tensorboard.backend.event_processing import event_accumulator
    except ImportError as e:
        raise Skipped(f"tensorboard not importable ({e})") from e
    acc = event_accumulator.EventAccumulator(str(out / "logs"),
                                             size_guidance={"histograms": 0, "scalars": 0})
    acc.Reload()
    tags = acc.Tags()
    if "loss" not in tags["scalars"] or "w1" not in tags["histograms"] or not tags["graph"]:
        raise AssertionError(f"tags {tags}")
    graph_def = acc.Graph()
    return (f"scalars {tags['scalars']}, histograms {tags['histograms']}, graph with "
            f"{len(graph_def.node)} nodes, loss values "
            f"{[round(e.value, 6) for e in acc.Scalars('loss')]}")


CHECKS: dict[str, Callable] = {
    "GraphDef graph.pb (import_graph_def)":
        lambda tf, out, e, m: _graph_def_check(tf, out, e, m, binary=True),
    "GraphDef graph.pbtxt (import_graph_def)":
        lambda tf, out, e, m: _graph_def_check(tf, out, e, m, binary=False),
    "MetaGraph .meta (import_meta_graph + restore)": _meta_graph_check,
    "MetaGraph .meta, tensorflow_version emptied (diagnostic)":
        lambda tf, out, e, m: _meta_graph_check(tf, out, e, m, clear_version=True),
    "checkpoint (load_checkpoint / list_variables / latest_checkpoint)": _checkpoint_check,
    "event file (summary_iterator / TFRecordDataset)": _event_file_check,
    "event file (TensorBoard EventAccumulator)": _tensorboard_check,
}


def check(out: Path) -> int:
    import tensorflow as tf

    expected = np.load(out / "expected.npz")
    meta = json.loads((out / "expected.json").read_text())
    print(f"TensorFlow {tf.__version__}; GraphDef written by {meta['graph_def_written_by']}")
    failures = 0
    for name, run in CHECKS.items():
        try:
            print(f"PASS {name}: {run(tf, out, expected, meta)}")
        except Skipped as e:
            print(f"SKIP {name}: {e}")
        except Exception as e:  # noqa: BLE001 - reported per artifact
            failures += 1
            lines = [line for line in str(e).strip().splitlines() if line.strip()]
            where = traceback.extract_tb(e.__traceback__)[-1]
            print(f"FAIL {name}: {type(e).__name__}: {' | '.join(lines[:6])}"
                  f"  [{os.path.basename(where.filename)}:{where.lineno}]")
    print("FAILED" if failures else "OK")
    return 1 if failures else 0


if __name__ == "__main__":
    mode, directory = sys.argv[1], Path(sys.argv[2])
    if mode == "write":
        write(directory)
        sys.exit(0)
    sys.exit(check(directory))
