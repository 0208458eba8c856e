"""Saver: V2 checkpoints, the checkpoint state file, max_to_keep, meta graphs, errors."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import sessionflow as tf
from sessionflow.ops.io import tensor_bundle

_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "checkpoints",
                     "tf_v2")


def _model():
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
    step = tf.Variable(7, dtype=tf.int64, name="step", trainable=False)
    return w, step


def test_save_restore_round_trip_and_graph_names(tmp_path):
    with tf.Graph().as_default() as g:
        w, step = _model()
        saver = tf.train.Saver()
        names = {op.name for op in g.get_operations()}
        assert {"save/Const", "save/SaveV2", "save/control_dependency", "save/RestoreV2",
                "save/restore_all"} <= names
        assert saver.saver_def.filename_tensor_name == "save/Const:0"
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            path = saver.save(sess, str(tmp_path / "model"), global_step=3)
            assert path == str(tmp_path / "model-3")
            sess.run(w.assign(tf.zeros([2, 3])))
            saver.restore(sess, path)
            np.testing.assert_array_equal(sess.run(w), np.arange(6).reshape(2, 3))
            assert sess.run(step) == 7
    reader = tensor_bundle.BundleReader(path)
    assert sorted(reader.keys()) == ["step", "w"]
    assert tf.train.latest_checkpoint(str(tmp_path)) == path
    state = (tmp_path / "checkpoint").read_text()
    assert 'model_checkpoint_path: "model-3"' in state


def test_max_to_keep_deletes_old_files(tmp_path):
    with tf.Graph().as_default():
        _model()
        saver = tf.train.Saver(max_to_keep=2)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for step in range(4):
                saver.save(sess, str(tmp_path / "m"), global_step=step)
    assert saver.last_checkpoints == [str(tmp_path / "m-2"), str(tmp_path / "m-3")]
    assert not (tmp_path / "m-0.index").exists() and not (tmp_path / "m-1.meta").exists()
    assert (tmp_path / "m-2.index").exists() and (tmp_path / "m-3.index").exists()
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert list(state.all_model_checkpoint_paths) == saver.last_checkpoints


def test_restore_errors_name_the_variable(tmp_path):
    with tf.Graph().as_default():
        _model()
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            path = saver.save(sess, str(tmp_path / "m"))
    with tf.Graph().as_default():
        tf.Variable(np.zeros([2, 3], np.float32), name="w")
        tf.Variable(np.zeros([4], np.float32), name="other")
        with tf.Session() as sess:
            with pytest.raises(tf.errors.NotFoundError, match="other"):
                tf.train.Saver().restore(sess, path)
    with tf.Graph().as_default():
        tf.Variable(np.zeros([3, 3], np.float32), name="w")
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="w"):
                tf.train.Saver().restore(sess, path)
    with tf.Graph().as_default():
        tf.Variable(np.zeros([2, 3], np.int32), name="w")
        with tf.Session() as sess:
            with pytest.raises(tf.errors.InvalidArgumentError, match="w; expected dtype int32"):
                tf.train.Saver().restore(sess, path)
    with tf.Graph().as_default():
        _model()
        with tf.Session() as sess:
            with pytest.raises(tf.errors.NotFoundError, match="not a valid checkpoint"):
                tf.train.Saver().restore(sess, str(tmp_path / "missing"))


def test_restores_a_checkpoint_written_by_tensorflow():
    """A TF1 ``tf.train.Saver`` checkpoint (tools/tf_oracle/make_checkpoint_fixtures.py)."""
    expected = np.load(os.path.join(_DATA, "saver_expected.npz"), allow_pickle=False)
    prefix = os.path.join(_DATA, "saver", "model.ckpt")
    names = dict(tf.train.list_variables(prefix))
    with tf.Graph().as_default():
        variables = {k: tf.Variable(np.zeros_like(expected[k]), name=k)
                     for k in expected.files if expected[k].dtype.kind in "biuf"}
        assert set(variables) <= set(names)
        with tf.Session() as sess:
            tf.train.Saver(list(variables.values())).restore(sess, prefix)
            for key, var in variables.items():
                np.testing.assert_array_equal(sess.run(var), expected[key], err_msg=key)


def test_meta_graph_round_trip(tmp_path):
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        w = tf.Variable(np.ones([3, 1], np.float32), name="w")
        y = tf.identity(tf.matmul(x, w), name="y")
        tf.add_to_collection("outputs", y)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(w.assign(2 * w))
            path = saver.save(sess, str(tmp_path / "model"))
    with tf.Graph().as_default() as g:
        restorer = tf.train.import_meta_graph(path + ".meta")
        assert [v.name for v in tf.global_variables()] == ["w:0"]
        assert tf.get_collection("outputs")[0].name == "y:0"
        with tf.Session() as sess:
            restorer.restore(sess, path)
            out = sess.run("y:0", {"x:0": np.ones([1, 3], np.float32)})
        np.testing.assert_array_equal(out, [[6.0]])
        assert g.get_tensor_by_name("y:0") is tf.get_collection("outputs")[0]


def test_killed_save_leaves_previous_checkpoint_loadable(tmp_path):
    """A process killed in the middle of writing must not corrupt the earlier checkpoint."""
    prefix = str(tmp_path / "model")
    script = textwrap.dedent(f"""
        import os, numpy as np, sessionflow as tf
        from sessionflow.ops.io import tensor_bundle
        w = tf.Variable(np.full([256, 256], float(os.environ["VALUE"]), np.float32), name="w")
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            if os.environ.get("KILL"):
                original = tensor_bundle.BundleWriter.finish
                def finish(self):
                    os._exit(9)   # the process dies while the checkpoint is being written
                tensor_bundle.BundleWriter.finish = finish
            saver.save(sess, {prefix!r})
    """)
    env = dict(os.environ, VALUE="1")
    subprocess.run([sys.executable, "-c", script], env=env, check=True)
    killed = subprocess.run([sys.executable, "-c", script], env=dict(env, VALUE="2", KILL="1"))
    assert killed.returncode == 9
    with tf.Graph().as_default():
        w = tf.Variable(np.zeros([256, 256], np.float32), name="w")
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, prefix)
            assert float(sess.run(w)[0, 0]) == 1.0


def test_cross_process_round_trip(tmp_path):
    prefix = str(tmp_path / "xp")
    writer = textwrap.dedent(f"""
        import numpy as np, sessionflow as tf
        v = tf.Variable(np.arange(10, dtype=np.float64), name="v")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            tf.train.Saver().save(sess, {prefix!r})
    """)
    subprocess.run([sys.executable, "-c", writer], check=True)
    with tf.Graph().as_default():
        v = tf.Variable(np.zeros(10), name="v")
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, prefix)
            np.testing.assert_array_equal(sess.run(v), np.arange(10))


def test_meta_graph_names_a_tensorflow_version_tensorflow_can_parse(tmp_path):
    """TensorFlow parses tensorflow_version as a PEP 440 version on import_meta_graph."""
    import re
    with tf.Graph().as_default():
        tf.Variable(1.0, name="v")
        meta = tf.train.export_meta_graph(str(tmp_path / "m.meta"))
    info = meta.meta_info_def
    assert re.fullmatch(r"\d+\.\d+\.\d+", info.tensorflow_version)
    assert info.tensorflow_git_version.startswith("sessionflow-")
