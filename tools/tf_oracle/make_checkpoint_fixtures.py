"""Writes TensorFlow-made checkpoint fixtures for tests/ops/test_tensor_bundle.py.

Run with a Python that has TensorFlow (it is an oracle only, never a dependency):

    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorflow-cpu==2.21.0
    /tmp/tfvenv/bin/python tools/tf_oracle/make_checkpoint_fixtures.py

Output in tests/data/checkpoints/tf_v2/ (a few KB):
  saver/       a TF1 ``tf.compat.v1.train.Saver`` checkpoint (float32 matrix, int64 vector,
               float64 scalar, string vector, bool matrix, a 2-way partitioned variable)
  all_dtypes/  one ``SaveV2`` bundle with a tensor of every savable dtype
  merge/       two ``SaveV2`` bundles (in0, in1) and TF's ``MergeV2Checkpoints`` of them
  *.npz        the expected values (strings as fixed-width bytes, bfloat16 as float32)
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import tensorflow as tf

OUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "checkpoints" / "tf_v2"
STRINGS = np.array([b"alpha", b"", b"\xc3\xa9t\xc3\xa9", b"x" * 130], dtype=object)


def saver_values() -> dict[str, np.ndarray]:
    return {
        "weights": np.arange(12, dtype=np.float32).reshape(3, 4) / 7,
        "counts": np.array([1, -2, 3 << 40, 0, 7], dtype=np.int64),
        "scale": np.float64(2.5),
        "vocab": STRINGS,
        "mask": np.array([[True, False, True], [False, False, True]]),
    }


def all_dtype_values() -> dict[str, tuple[np.ndarray, tf.DType]]:
    rng = np.random.default_rng(7)
    f = rng.standard_normal((2, 3))
    bf16 = (f.astype(np.float32).view(np.uint32) & 0xFFFF0000).view(np.float32)
    return {
        "a_float16": (f.astype(np.float16), tf.float16),
        "b_float32": (f.astype(np.float32), tf.float32),
        "c_float64": (f, tf.float64),
        "d_bfloat16": (bf16, tf.bfloat16),
        "e_int8": (np.array([-128, 0, 127], np.int8), tf.int8),
        "f_int16": (np.array([-30000, 5], np.int16), tf.int16),
        "g_int32": (np.array([[1, -2], [3, 2**31 - 1]], np.int32), tf.int32),
        "h_int64": (np.array([-(2**63), 2**62], np.int64), tf.int64),
        "i_uint8": (np.array([0, 255], np.uint8), tf.uint8),
        "j_uint16": (np.array([65535, 1], np.uint16), tf.uint16),
        "k_uint32": (np.array([2**32 - 1], np.uint32), tf.uint32),
        "l_uint64": (np.array([2**64 - 1, 3], np.uint64), tf.uint64),
        "m_bool": (np.array([True, False, True]), tf.bool),
        "n_complex64": ((f + 1j * f[::-1]).astype(np.complex64), tf.complex64),
        "o_complex128": (f[0] - 2j * f[1], tf.complex128),
        "p_string": (STRINGS.reshape(2, 2), tf.string),
        "q_scalar": (np.int32(-7), tf.int32),
        "r_empty": (np.zeros((0, 3), np.float32), tf.float32),
        "s_empty_string": (np.zeros((2, 0), dtype=object), tf.string),
    }


def npz_ready(value: np.ndarray) -> np.ndarray:
    value = np.asarray(value)
    return value.astype("S") if value.dtype == object else value


def save_v2(prefix: Path, values: dict[str, tuple[np.ndarray, tf.DType]]) -> None:
    names = sorted(values)
    tensors = [tf.constant(values[n][0], dtype=values[n][1]) for n in names]
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names,
                      shape_and_slices=[""] * len(names), tensors=tensors)


def write_saver_checkpoint() -> None:
    out = OUT / "saver"
    values = saver_values()
    with tf.Graph().as_default():
        for name, value in values.items():
            tf.compat.v1.Variable(value, name=name)
        tf.compat.v1.get_variable(
            "partitioned", shape=[4, 2], dtype=tf.float32,
            initializer=tf.compat.v1.constant_initializer(1.5),
            partitioner=tf.compat.v1.fixed_size_partitioner(2))
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            saver.save(sess, str(out / "model.ckpt"), write_meta_graph=False)
    (out / "checkpoint").unlink()  # Holds absolute paths of this machine.
    np.savez(OUT / "saver_expected.npz", **{k: npz_ready(v) for k, v in values.items()})


def write_all_dtypes() -> None:
    values = all_dtype_values()
    save_v2(OUT / "all_dtypes" / "ckpt", values)
    np.savez(OUT / "all_dtypes_expected.npz", **{k: npz_ready(v) for k, (v, _) in values.items()})


def write_merge() -> None:
    out = OUT / "merge"
    work = OUT / "merge_work"
    parts = [{"w0": (np.arange(4, dtype=np.float32), tf.float32),
              "names": (STRINGS[:2], tf.string)},
             {"b1": (np.array([5, 6], np.int64), tf.int64),
              "z1": (np.ones((2, 2), np.float64), tf.float64)}]
    for i, part in enumerate(parts):
        save_v2(work / f"in{i}", part)
    for path in work.iterdir():
        shutil.copy(path, out / path.name)
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=[str(work / "in0"), str(work / "in1")],
                                  destination_prefix=str(out / "merged"))
    shutil.rmtree(work, ignore_errors=True)  # MergeV2Checkpoints already deletes it.
    merged = {k: npz_ready(v) for part in parts for k, (v, _) in part.items()}
    np.savez(OUT / "merge_expected.npz", **merged)


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    for sub in ("saver", "all_dtypes", "merge"):
        (OUT / sub).mkdir(parents=True)
    write_saver_checkpoint()
    write_all_dtypes()
    write_merge()
    with open(OUT / "README.md", "w") as readme:
        readme.write(f"Made by TensorFlow {tf.__version__} with "
                     "tools/tf_oracle/make_checkpoint_fixtures.py; do not edit by hand.\n")
    for path in sorted(OUT.rglob("*")):
        if path.is_file():
            print(f"{path.stat().st_size:6d}  {path.relative_to(OUT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
