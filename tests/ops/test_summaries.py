"""Summaries and event files: our ops' Summary protos, and TensorBoard reading our files."""
from __future__ import annotations

import glob
import os

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.ops.io.record_io import read_records
from sessionflow.ops.io.summary_ops import histogram_proto
from sessionflow.proto import event_pb2, summary_pb2


def test_scalar_histogram_merge(graph):
    x = tf.placeholder(tf.float32, [5])
    with tf.name_scope("train"):
        s1 = tf.summary.scalar("loss", tf.reduce_mean(x))
    s2 = tf.summary.histogram("values", x)
    merged = tf.summary.merge_all()
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [s1, s2]
    with tf.Session() as sess:
        blob = sess.run(merged, {x: [1, 2, 3, 4, 5]})
    summary = summary_pb2.Summary.FromString(blob)
    assert [v.tag for v in summary.value] == ["train/loss", "values"]
    assert summary.value[0].simple_value == 3.0
    histo = summary.value[1].histo
    assert (histo.min, histo.max, histo.num, histo.sum, histo.sum_squares) == (1, 5, 5, 15, 55)
    assert sum(histo.bucket) == 5


def test_histogram_buckets_follow_tf():
    h = histogram_proto(np.array([0.0, 1.0, 1.0, -2.5]))
    assert sum(h.bucket) == 4
    assert list(h.bucket_limit) == sorted(h.bucket_limit)
    # 1.0 falls in the bucket whose limit is the first default limit above it.
    idx = [i for i, c in enumerate(h.bucket) if c == 2]
    assert len(idx) == 1 and 1.0 < h.bucket_limit[idx[0]] < 1.1 + 1e-9
    empty = histogram_proto(np.array([]))
    assert list(empty.bucket) == [0.0]


def test_histogram_rejects_nan(graph):
    s = tf.summary.histogram("h", tf.constant([1.0, np.nan]))
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Nan in summary histogram"):
            sess.run(s)


def test_file_writer_event_file_layout(graph, tmp_path):
    loss = tf.placeholder(tf.float32, [])
    s = tf.summary.scalar("loss", loss)
    writer = tf.summary.FileWriter(str(tmp_path), graph=graph)
    with tf.Session() as sess:
        for step in range(3):
            writer.add_summary(sess.run(s, {loss: step * 0.5}), step)
    writer.close()
    files = glob.glob(os.path.join(str(tmp_path), "events.out.tfevents.*"))
    assert len(files) == 1
    events = [event_pb2.Event.FromString(r) for r in read_records(files[0])]
    assert events[0].file_version == "brain.Event:2"
    assert events[1].HasField("graph_def")
    steps = [(e.step, e.summary.value[0].simple_value) for e in events[2:]]
    assert steps == [(0, 0.0), (1, 0.5), (2, 1.0)]


def test_tensorboard_reads_our_event_files(graph, tmp_path):
    accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator")
    x = tf.placeholder(tf.float32, [10])
    merged = tf.summary.merge([tf.summary.scalar("mean", tf.reduce_mean(x)),
                               tf.summary.histogram("x", x)])
    writer = tf.summary.FileWriter(str(tmp_path), graph=graph)
    with tf.Session() as sess:
        for step in range(4):
            writer.add_summary(sess.run(merged, {x: np.arange(10) + step}), step)
    writer.close()
    acc = accumulator.EventAccumulator(str(tmp_path), size_guidance={"histograms": 0})
    acc.Reload()
    scalars = acc.Scalars("mean")
    assert [(e.step, e.value) for e in scalars] == [(i, 4.5 + i) for i in range(4)]
    histos = acc.Histograms("x")
    assert len(histos) == 4 and histos[0].histogram_value.num == 10
    graph_def = acc.Graph()
    assert any(node.op == "Placeholder" for node in graph_def.node)
