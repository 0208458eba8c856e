"""timeline.Timeline turns a FULL_TRACE run's step stats into a Chrome trace."""
import json

import numpy as np

import sessionflow as tf
from sessionflow.python.client import timeline


def _traced_run():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        w = tf.constant(np.ones((3, 2), np.float32), name="w")
        y = tf.nn.relu(tf.matmul(x, w, name="mm"), name="act")
        options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        metadata = tf.RunMetadata()
        with tf.Session() as sess:
            sess.run(y, {x: np.ones((4, 3), np.float32)}, options=options,
                     run_metadata=metadata)
    return metadata


def test_chrome_trace_has_a_region_per_op_with_its_type_name_and_inputs():
    trace = json.loads(timeline.Timeline(_traced_run().step_stats)
                       .generate_chrome_trace_format())
    events = trace["traceEvents"]
    regions = {e["args"]["name"]: e for e in events if e["ph"] == "X"}
    assert regions["mm"]["name"] == "MatMul" and regions["mm"]["cat"] == "Op"
    assert regions["mm"]["args"]["input0"] == "x:0" and regions["mm"]["args"]["input1"] == "w:0"
    assert regions["act"]["name"] == "Relu" and regions["act"]["ts"] >= regions["mm"]["ts"]
    assert all(e["dur"] >= 0 for e in regions.values())
    process = [e for e in events if e["ph"] == "M" and e["name"] == "process_name"]
    assert process[0]["args"]["name"] == "/job:localhost/replica:0/task:0/device:CPU:0 Compute"
    arrows = [e for e in events if e.get("cat") == "DataFlow"]
    assert {e["name"] for e in arrows} >= {"mm:0"}   # MatMul's output flows into Relu
    assert {e["ph"] for e in arrows} == {"s", "t"}


def test_without_dataflow_there_are_no_arrows():
    trace = json.loads(timeline.Timeline(_traced_run().step_stats)
                       .generate_chrome_trace_format(show_dataflow=False))
    assert not [e for e in trace["traceEvents"] if e.get("cat") == "DataFlow"]


def test_traced_runs_report_live_and_peak_bytes_per_op():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [256, 256], name="x")
        big = tf.matmul(x, x, name="big")              # 256 KiB
        small = tf.reduce_sum(big, name="small")
        options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
        metadata = tf.RunMetadata()
        with tf.Session() as sess:
            sess.run(small, {x: np.ones((256, 256), np.float32)}, options=options,
                     run_metadata=metadata)
    stats = {n.node_name: n.memory[0] for n in metadata.step_stats.dev_stats[0].node_stats}
    product = 256 * 256 * 4
    assert stats["big"].live_bytes >= product              # the feed is freed after its use
    assert stats["big"].peak_bytes >= 2 * product          # while MatMul ran, both were held
    assert stats["small"].live_bytes < product             # the product is freed by the sum
    assert stats["small"].peak_bytes == stats["big"].peak_bytes
    trace = json.loads(timeline.Timeline(metadata.step_stats)
                       .generate_chrome_trace_format(show_memory=True))
    assert [e for e in trace["traceEvents"] if e["ph"] == "C"]
