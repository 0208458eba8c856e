"""TFRecord framing: round trips, TensorFlow's bytes, and damaged files."""
import struct
from pathlib import Path

import pytest

from sessionflow.graph import errors
from sessionflow.ops.io.crc32c import masked_crc32c
from sessionflow.ops.io.record_io import RecordWriter, encode_record, read_records

TF_FILE = Path(__file__).resolve().parents[1] / "data" / "tfrecord" / "tf_written.tfrecord"
TF_RECORDS = [b"", b"hello", bytes(range(256)) * 3]  # See tools/tf_oracle/make_record_fixture.py


def _write(path, records):
    with RecordWriter(path) as writer:
        for record in records:
            writer.write(record)
    return path


def test_roundtrip(tmp_path):
    records = [b"", b"a", b"\x00" * 1000, bytes(range(256)) * 4096]
    path = _write(tmp_path / "r.tfrecord", records)
    assert list(read_records(path)) == records


def test_empty_file_has_no_records(tmp_path):
    assert list(read_records(_write(tmp_path / "empty", []))) == []


def test_reads_and_writes_tensorflow_bytes(tmp_path):
    assert list(read_records(TF_FILE)) == TF_RECORDS
    assert _write(tmp_path / "ours", TF_RECORDS).read_bytes() == TF_FILE.read_bytes()


def test_framing_layout():
    framed = encode_record(b"abc")
    assert framed[:8] == struct.pack("<Q", 3)
    assert framed[8:12] == struct.pack("<I", masked_crc32c(framed[:8]))
    assert framed[12:15] == b"abc"
    assert framed[15:] == struct.pack("<I", masked_crc32c(b"abc"))


def test_flush_makes_records_visible_and_close_stops_writes(tmp_path):
    path = tmp_path / "r"
    writer = RecordWriter(path)
    writer.write(b"one")
    writer.flush()
    assert list(read_records(path)) == [b"one"]
    writer.close()
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"two")


def _damaged(tmp_path, edit):
    path = _write(tmp_path / "r", [b"first", b"second record"])
    data = bytearray(path.read_bytes())
    path.write_bytes(edit(data))
    return path


@pytest.mark.parametrize("edit,message", [
    (lambda d: d[:-1], "truncated"),
    (lambda d: d[:len(encode_record(b"first")) + 5], "truncated header"),
    (lambda d: d[:len(encode_record(b"first")) + 14], "truncated data"),
    (lambda d: d[:2] + bytes([d[2] ^ 1]) + d[3:], "corrupted length"),
    (lambda d: d[:14] + bytes([d[14] ^ 0x40]) + d[15:], "corrupted data"),
    (lambda d: d[:-1] + bytes([d[-1] ^ 1]), "corrupted data"),
])
def test_damage_raises_data_loss(tmp_path, edit, message):
    path = _damaged(tmp_path, edit)
    with pytest.raises(errors.DataLossError, match=message):
        list(read_records(path))


def test_forged_huge_length_is_not_allocated(tmp_path):
    length = struct.pack("<Q", 1 << 60)
    path = tmp_path / "forged"
    path.write_bytes(length + struct.pack("<I", masked_crc32c(length)) + b"tiny")
    with pytest.raises(errors.DataLossError, match="length 1152921504606846976"):
        list(read_records(path))


def test_records_before_damage_are_yielded(tmp_path):
    path = _damaged(tmp_path, lambda d: d[:-3])
    records = read_records(path)
    assert next(records) == b"first"
    with pytest.raises(errors.DataLossError):
        next(records)


def test_missing_file(tmp_path):
    with pytest.raises(errors.NotFoundError, match="No such file"):
        list(read_records(tmp_path / "nope"))
