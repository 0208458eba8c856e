"""tf.train.NewCheckpointReader / load_checkpoint read checkpoints without a graph."""
import numpy as np
import pytest

import sessionflow as tf


def _save(tmp_path):
    with tf.Graph().as_default():
        w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
        step = tf.Variable(7, dtype=tf.int64, name="step")
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return saver.save(sess, str(tmp_path / "model"), global_step=3), (w, step)


def test_reader_lists_and_reads_tensors(tmp_path):
    prefix, _ = _save(tmp_path)
    reader = tf.train.NewCheckpointReader(prefix)
    assert reader.get_variable_to_shape_map() == {"w": [2, 3], "step": []}
    assert reader.get_variable_to_dtype_map() == {"w": tf.float32, "step": tf.int64}
    assert reader.has_tensor("w") and not reader.has_tensor("nope")
    np.testing.assert_array_equal(reader.get_tensor("w"), np.arange(6).reshape(2, 3))
    assert reader.get_tensor("step") == 7
    assert reader.debug_string() == b"step (DT_INT64) []\nw (DT_FLOAT) [2,3]\n"


def test_load_checkpoint_takes_a_directory_or_a_prefix(tmp_path):
    prefix, _ = _save(tmp_path)
    from_dir = tf.train.load_checkpoint(str(tmp_path))
    assert from_dir.get_variable_to_shape_map() == \
        tf.train.load_checkpoint(prefix).get_variable_to_shape_map()


def test_missing_checkpoints_and_keys_are_tf_errors(tmp_path):
    prefix, _ = _save(tmp_path)
    with pytest.raises(tf.errors.NotFoundError, match="Failed to find any matching files for"):
        tf.train.NewCheckpointReader(str(tmp_path / "absent"))
    with pytest.raises(tf.errors.NotFoundError, match="Key nope not found in checkpoint"):
        tf.train.NewCheckpointReader(prefix).get_tensor("nope")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="Couldn't find 'checkpoint' file or checkpoints"):
        tf.train.load_checkpoint(str(empty))
