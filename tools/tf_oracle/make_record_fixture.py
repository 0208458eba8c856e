"""Writes a TFRecord file with TensorFlow for tests/ops/test_record_io.py (oracle only).

    /tmp/tfvenv/bin/python tools/tf_oracle/make_record_fixture.py

Output: tests/data/tfrecord/tf_written.tfrecord holding ``RECORDS`` in order.
"""
from __future__ import annotations

from pathlib import Path

import tensorflow as tf

OUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "tfrecord"
RECORDS = [b"", b"hello", bytes(range(256)) * 3]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(OUT / "tf_written.tfrecord")) as writer:
        for record in RECORDS:
            writer.write(record)


if __name__ == "__main__":
    main()
