"""Checkpoint V2 bundles: TensorFlow's files, round trips, damage, atomic saves, merging.

The fixtures in tests/data/checkpoints/tf_v2 were written by TensorFlow 2.21
(tools/tf_oracle/make_checkpoint_fixtures.py); tools/tf_oracle/check_tf_reads_ours.py
checks by hand that TensorFlow reads what this module writes.
"""
import os
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from sessionflow.graph import dtypes, errors
from sessionflow.ops.io import sstable
from sessionflow.ops.io import tensor_bundle as tb
from sessionflow.ops.io.crc32c import crc32c, mask
from sessionflow.ops.io.tensor_bundle import BundleReader, BundleWriter, merge_bundles

TF_DIR = Path(__file__).resolve().parents[1] / "data" / "checkpoints" / "tf_v2"
NUMERIC = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
           "uint16", "uint32", "uint64", "complex64", "complex128", "bool"]
SHAPES = [(), (0,), (3, 0, 2), (5,), (2, 3), (2, 1, 3)]


def _expected(name):
    with np.load(TF_DIR / name) as data:
        return {key: data[key] for key in data.files}


def _assert_same(got, want):
    if got.dtype == object:
        got = got.astype("S") if got.size else np.zeros(got.shape, "S1")
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def _save(prefix, tensors, **kwargs):
    with BundleWriter(prefix, **kwargs) as writer:
        for name, value in tensors.items():
            writer.add(name, value)
    return str(prefix)


def _files(prefix):
    prefix = str(prefix)
    return {name: Path(os.path.dirname(prefix), name).read_bytes()
            for name in os.listdir(os.path.dirname(prefix))
            if name.startswith(os.path.basename(prefix) + ".")}


# ----------------------------------------------------------------- TensorFlow's files


def test_reads_tf1_saver_checkpoint():
    reader = BundleReader(TF_DIR / "saver" / "model.ckpt")
    expected = _expected("saver_expected.npz")
    assert reader.keys() == ["counts", "mask", "partitioned", "scale", "vocab", "weights"]
    for name, want in expected.items():
        _assert_same(reader.read(name), want)
    assert reader.read("weights").dtype == np.float32
    assert reader.dtype_and_shape("vocab") == (dtypes.string, [4])
    assert reader.dtype_and_shape("partitioned") == (dtypes.float32, [4, 2])
    with pytest.raises(errors.UnimplementedError, match="partitioned.*2 slices"):
        reader.read("partitioned")


def test_reads_every_dtype_tf_saves():
    reader = BundleReader(TF_DIR / "all_dtypes" / "ckpt")
    expected = _expected("all_dtypes_expected.npz")
    assert reader.keys() == sorted(expected)
    for name, want in expected.items():
        got = reader.read(name)
        _assert_same(got, want)
        if want.dtype.kind != "S" and name != "d_bfloat16":
            assert got.dtype == want.dtype
    assert reader.dtype_and_shape("d_bfloat16") == (dtypes.bfloat16, [2, 3])
    assert reader.read("d_bfloat16").dtype == np.float32


def test_writes_tensorflow_bytes(tmp_path):
    reader = BundleReader(TF_DIR / "all_dtypes" / "ckpt")
    with BundleWriter(tmp_path / "ckpt") as writer:
        for name in reader.keys():
            writer.add(name, reader.read(name), dtype=reader.dtype_and_shape(name)[0])
    assert _files(tmp_path / "ckpt") == _files(TF_DIR / "all_dtypes" / "ckpt")


def test_merge_writes_tensorflow_bytes(tmp_path):
    for name in ("in0", "in1"):
        for path in (TF_DIR / "merge").glob(name + ".*"):
            shutil.copy(path, tmp_path)
    merge_bundles([tmp_path / "in0", tmp_path / "in1"], tmp_path / "merged")
    assert _files(tmp_path / "merged") == _files(TF_DIR / "merge" / "merged")
    assert not (tmp_path / "in0.index").exists() and not (tmp_path / "in1.index").exists()
    reader = BundleReader(tmp_path / "merged")
    for name, want in _expected("merge_expected.npz").items():
        _assert_same(reader.read(name), want)


# ------------------------------------------------------------------------ round trips


@pytest.mark.parametrize("dtype", NUMERIC)
def test_roundtrip_numeric(tmp_path, dtype):
    rng = np.random.default_rng(0)
    tensors = {f"t{i}": (rng.standard_normal(shape) * 50).astype(dtype)
               for i, shape in enumerate(SHAPES)}
    tensors["fortran"] = np.asfortranarray(np.arange(6).reshape(2, 3).astype(dtype))
    reader = BundleReader(_save(tmp_path / "ckpt", tensors))
    for name, value in tensors.items():
        got = reader.read(name)
        assert got.dtype == value.dtype and got.shape == value.shape
        np.testing.assert_array_equal(got, value)
        assert reader.dtype_and_shape(name) == (dtypes.as_dtype(dtype), list(value.shape))


def test_roundtrip_strings(tmp_path):
    tensors = {
        "scalar": np.array(b"one", dtype=object),
        "empty": np.zeros((0, 2), dtype=object),
        "mixed": np.array([[b"", b"\x00\xff"], [b"x" * 200, "naïve"]], dtype=object),
        "fixed": np.array([b"ab", b"c"]),
        "unicode": np.array(["é", "z"]),
        "long": np.array([b"y" * 70000], dtype=object),
    }
    reader = BundleReader(_save(tmp_path / "ckpt", tensors))
    assert reader.read("mixed")[1, 1] == "naïve".encode()
    for name, value in tensors.items():
        got = reader.read(name)
        assert got.dtype == object and got.shape == value.shape
        want = [v.encode() if isinstance(v, str) else v for v in value.reshape(-1).tolist()]
        assert got.reshape(-1).tolist() == want


def test_bfloat16_and_quantized(tmp_path):
    values = np.array([1.0, -2.5, 3.015625, np.inf], np.float32)
    with BundleWriter(tmp_path / "ckpt") as writer:
        writer.add("bf", values, dtype=dtypes.bfloat16)
        writer.add("q", np.array([-3, 4], np.int8), dtype="qint8")
    reader = BundleReader(tmp_path / "ckpt")
    np.testing.assert_array_equal(reader.read("bf"), values)
    assert reader.dtype_and_shape("bf")[0] is dtypes.bfloat16
    assert reader.dtype_and_shape("q")[0] is dtypes.qint8
    np.testing.assert_array_equal(reader.read("q"), [-3, 4])


def test_large_arrays(tmp_path):
    rng = np.random.default_rng(1)
    tensors = {"big": rng.standard_normal((1024, 1024)).astype(np.float32),
               "ids": np.arange(1 << 18, dtype=np.int64)}
    reader = BundleReader(_save(tmp_path / "ckpt", tensors))
    for name, value in tensors.items():
        np.testing.assert_array_equal(reader.read(name), value)
    assert os.path.getsize(tb.data_filename(str(tmp_path / "ckpt"), 0, 1)) == 6 << 20


def _index_blocks(prefix):
    """(key, entry count, restart count) of each data block of a bundle's index."""
    buf = Path(tb.index_filename(str(prefix))).read_bytes()
    end = len(buf) - 48
    _, pos = sstable._decode_handle(buf, end, end + 40)
    index_handle, _ = sstable._decode_handle(buf, pos, end + 40)
    blocks = []
    for key, value in sstable._block_entries(sstable._read_block(buf, index_handle, end, "i"), "i"):
        block = sstable._read_block(buf, sstable._decode_handle(value, 0, len(value))[0], end, "d")
        restarts = struct.unpack_from("<I", block, len(block) - 4)[0]
        blocks.append((key, len(sstable._block_entries(block, "d")), restarts))
    return blocks


def test_many_keys_span_blocks_and_restarts(tmp_path):
    tensors = {f"scope_{i // 7:03d}/var_{i:04d}": np.array([i], np.int32) for i in range(400)}
    reader = BundleReader(_save(tmp_path / "ckpt", tensors, block_size=1024))
    assert reader.keys() == sorted(tensors)
    for name, value in tensors.items():
        np.testing.assert_array_equal(reader.read(name), value)
    blocks = _index_blocks(tmp_path / "ckpt")
    assert len(blocks) >= 8
    assert sum(count for _, count, _ in blocks) == len(tensors) + 1  # + the header entry
    assert all(restarts == -(-count // 16) for _, count, restarts in blocks)
    # Index keys are TF's shortened separators: between the blocks they divide.
    assert all(len(key) <= len("scope_000/var_0000") for key, _, _ in blocks)


def test_many_keys_with_default_block_size(tmp_path):
    # Rank-40 shapes make ~190-byte entries, so 2000 of them need two 256 KiB blocks.
    tensors = {f"layer_{i:04d}/kernel": np.full((1,) * 40, i, np.int16) for i in range(2000)}
    reader = BundleReader(_save(tmp_path / "ckpt", tensors))
    assert len(_index_blocks(tmp_path / "ckpt")) == 2
    assert reader.keys() == sorted(tensors)
    for name in ("layer_0000/kernel", "layer_1999/kernel"):
        np.testing.assert_array_equal(reader.read(name), tensors[name])


def test_empty_bundle(tmp_path):
    _save(tmp_path / "ckpt", {})
    assert BundleReader(tmp_path / "ckpt").keys() == []
    assert Path(tb.data_filename(str(tmp_path / "ckpt"), 0, 1)).read_bytes() == b""


def test_creates_directories_and_accepts_paths(tmp_path):
    prefix = tmp_path / "a" / "b" / "model.ckpt-10"
    _save(prefix, {"v": np.ones(2)})
    assert "v" in BundleReader(prefix)


# ------------------------------------------------------------------------ API errors


def test_writer_errors(tmp_path):
    writer = BundleWriter(tmp_path / "ckpt")
    writer.add("a", np.ones(2))
    with pytest.raises(errors.InvalidArgumentError, match="Adding duplicate key: a"):
        writer.add("a", np.ones(2))
    with pytest.raises(errors.InvalidArgumentError, match="empty"):
        writer.add("", np.ones(2))
    with pytest.raises(errors.UnimplementedError, match="resource"):
        writer.add("r", np.array([1], object), dtype=dtypes.resource)
    with pytest.raises(errors.InvalidArgumentError, match="bytes or str"):
        writer.add("s", np.array([1, b"x"], object))
    writer.finish()
    with pytest.raises(ValueError, match="finished"):
        writer.add("b", np.ones(2))
    with pytest.raises(ValueError, match="finished"):
        writer.finish()
    np.testing.assert_array_equal(BundleReader(tmp_path / "ckpt").read("a"), [1.0, 1.0])


def test_missing_key_and_files(tmp_path):
    prefix = _save(tmp_path / "ckpt", {"a": np.ones(2)})
    reader = BundleReader(prefix)
    with pytest.raises(errors.NotFoundError, match="Key nope not found in checkpoint"):
        reader.read("nope")
    with pytest.raises(errors.NotFoundError, match="Key nope not found in checkpoint"):
        reader.dtype_and_shape("nope")
    with pytest.raises(errors.NotFoundError, match=r"other\.index"):
        BundleReader(tmp_path / "other")
    os.remove(tb.data_filename(prefix, 0, 1))
    with pytest.raises(errors.NotFoundError, match=r"data-00000-of-00001"):
        reader.read("a")


# ------------------------------------------------------------------------ damage


@pytest.fixture
def saved(tmp_path):
    tensors = {"a": np.arange(10, dtype=np.float32), "s": np.array([b"xy", b"z"], object),
               "b": np.arange(4, dtype=np.int64)}
    return _save(tmp_path / "ckpt", tensors), tensors


def _edit(path, edit):
    data = bytearray(Path(path).read_bytes())
    Path(path).write_bytes(bytes(edit(data)))


def test_flipped_data_byte(saved):
    prefix, tensors = saved
    _edit(tb.data_filename(prefix, 0, 1), lambda d: d[:3] + bytes([d[3] ^ 1]) + d[4:])
    reader = BundleReader(prefix)
    with pytest.raises(errors.DataLossError, match=r"data-00000-of-00001.*tensor a.*checksum"):
        reader.read("a")
    np.testing.assert_array_equal(reader.read("b"), tensors["b"])


def test_flipped_string_length_byte(saved):
    prefix, _ = saved
    entry = BundleReader(prefix)._entries[b"s"]
    at = entry.offset
    _edit(tb.data_filename(prefix, 0, 1), lambda d: d[:at] + bytes([1]) + d[at + 1:])
    with pytest.raises(errors.DataLossError, match="tensor s"):
        BundleReader(prefix).read("s")


def test_truncated_data_file(saved):
    prefix, _ = saved
    _edit(tb.data_filename(prefix, 0, 1), lambda d: d[:-2])
    reader = BundleReader(prefix)
    with pytest.raises(errors.DataLossError, match="run past the end"):
        reader.read("b")  # The last tensor written.
    assert reader.read("s").tolist() == [b"xy", b"z"]


@pytest.mark.parametrize("cut", [0, 1, 20, 47, 48, 60, -1, -5, -48])
def test_truncated_index(saved, cut):
    prefix, _ = saved
    _edit(tb.index_filename(prefix), lambda d: d[:cut])
    with pytest.raises(errors.DataLossError, match=r"ckpt\.index"):
        BundleReader(prefix)


def test_bad_magic(saved):
    prefix, _ = saved
    _edit(tb.index_filename(prefix), lambda d: d[:-1] + b"\x00")
    with pytest.raises(errors.DataLossError, match="bad magic number"):
        BundleReader(prefix)


def test_flipped_index_byte(saved):
    prefix, _ = saved
    _edit(tb.index_filename(prefix), lambda d: d[:5] + bytes([d[5] ^ 4]) + d[6:])
    with pytest.raises(errors.DataLossError, match="checksum mismatch"):
        BundleReader(prefix)


def test_footer_handle_beyond_file(saved):
    prefix, _ = saved

    def forge(data):
        end = len(data) - 48
        meta, _ = sstable._decode_handle(bytes(data), end, end + 40)
        footer = sstable._encode_handle(meta) + sstable._encode_handle((1 << 40, 100))
        return data[:-48] + footer.ljust(40, b"\0") + data[-8:]
    _edit(tb.index_filename(prefix), forge)
    with pytest.raises(errors.DataLossError, match="runs past"):
        BundleReader(prefix)


def _rewrite_index(prefix, header=None, **changes):
    """Rewrites a bundle's index with entry fields replaced: ``{key: {field: value}}``."""
    header_, entries = tb._load_index(prefix)
    for key, fields in changes.items():
        entry = dict(entries)[key.encode()]
        for field, value in fields.items():
            if field == "shape":
                del entry.shape.dim[:]
                for size in value:
                    entry.shape.dim.add(size=size)
            else:
                setattr(entry, field, value)
    tb._write_index(tb.index_filename(prefix), header or header_, entries, 1 << 18)


@pytest.mark.parametrize("fields,message", [
    ({"size": 1 << 50}, "stored size"),
    ({"shape": [1 << 40]}, "stored size"),
    ({"offset": 1 << 40}, "run past the end"),
    ({"shape": [-1]}, "not fully defined"),
    ({"shard_id": 3}, "shard 3 outside"),
    ({"dtype": 99}, "unknown dtype 99"),
    ({"dtype": 101}, "unknown dtype 101"),
])
def test_forged_entries(saved, fields, message):
    prefix, _ = saved
    _rewrite_index(prefix, a=fields)
    with pytest.raises(errors.DataLossError, match=message):
        BundleReader(prefix).read("a")


def test_forged_string_count(saved):
    prefix, _ = saved
    _rewrite_index(prefix, s={"shape": [1 << 40]})
    with pytest.raises(errors.DataLossError, match="cannot hold"):
        BundleReader(prefix).read("s")


def test_version_and_missing_header(saved):
    prefix, _ = saved
    header = tb._new_header(1)
    header.version.min_consumer = 2
    _rewrite_index(prefix, header=header)
    with pytest.raises(errors.InvalidArgumentError, match="min consumer version 2"):
        BundleReader(prefix)
    with open(tb.index_filename(prefix), "wb") as stream:
        table = sstable.TableWriter(stream, 1024)
        table.add(b"a", b"")
        table.finish()
    with pytest.raises(errors.DataLossError, match="header entry"):
        BundleReader(prefix)


def test_big_endian_bundle(saved):
    prefix, _ = saved
    values = np.array([1.5, -2.0, 3.25], ">f8")
    data = tb.data_filename(prefix, 0, 1)
    _edit(data, lambda d: values.tobytes())
    header = tb._new_header(1)
    header.endianness = header.BIG
    _rewrite_index(prefix, header=header,
                   a={"dtype": 2, "shape": [3], "offset": 0, "size": 24,
                      "crc32c": mask(crc32c(values.tobytes()))})
    got = BundleReader(prefix).read("a")
    assert got.dtype == np.float64 and got.dtype.isnative
    np.testing.assert_array_equal(got, values)


def _reseal(block_bytes):
    trailer = b"\0" + struct.pack("<I", mask(crc32c(b"\0", crc32c(block_bytes))))
    return block_bytes + trailer


def test_fuzzed_indexes_only_raise_typed_errors(saved):
    """Random damage to the index, with block CRCs recomputed so the parsers see it."""
    prefix, _ = saved
    original = Path(tb.index_filename(prefix)).read_bytes()
    end = len(original) - 48
    _, pos = sstable._decode_handle(original, end, end + 40)
    index_handle, _ = sstable._decode_handle(original, pos, end + 40)
    first = sstable._block_entries(sstable._read_block(original, index_handle, end, "i"), "i")[0][1]
    (offset, size), _ = sstable._decode_handle(first, 0, len(first))
    rng = np.random.default_rng(5)
    outcomes = set()
    for _ in range(300):
        block = bytearray(original[offset:offset + size])
        for _ in range(rng.integers(1, 4)):
            block[rng.integers(len(block))] = rng.integers(256)
        Path(tb.index_filename(prefix)).write_bytes(
            original[:offset] + _reseal(bytes(block)) + original[offset + size + 5:])
        try:
            reader = BundleReader(prefix)
            for name in reader.keys():
                reader.read(name)
            outcomes.add("ok")
        except (errors.DataLossError, errors.InvalidArgumentError, errors.NotFoundError,
                errors.UnimplementedError) as exc:
            outcomes.add(type(exc).__name__)
    assert "DataLossError" in outcomes


# ------------------------------------------------------------------------ atomic saves


def test_failed_finish_keeps_previous_checkpoint(tmp_path, monkeypatch):
    prefix = _save(tmp_path / "ckpt", {"v": np.arange(3.0)})
    before = _files(prefix)

    def broken(*args, **kwargs):
        raise OSError("disk full")
    writer = BundleWriter(prefix)
    writer.add("v", np.zeros(1000))
    writer.add("w", np.ones(5))
    monkeypatch.setattr(tb, "_write_index", broken)
    with pytest.raises(OSError, match="disk full"):
        writer.finish()
    assert _files(prefix) == before
    assert sorted(os.listdir(tmp_path)) == sorted(before)  # No temp files left behind.
    np.testing.assert_array_equal(BundleReader(prefix).read("v"), np.arange(3.0))


def test_failure_while_renaming_keeps_previous_checkpoint(tmp_path, monkeypatch):
    prefix = _save(tmp_path / "ckpt", {"v": np.arange(3.0)})
    before = _files(prefix)

    def broken(src, dst):
        raise OSError("rename failed")
    writer = BundleWriter(prefix)
    writer.add("v", np.zeros(4))
    monkeypatch.setattr(tb.os, "replace", broken)
    with pytest.raises(OSError, match="rename failed"):
        writer.finish()
    monkeypatch.undo()
    assert _files(prefix) == before
    assert len(os.listdir(tmp_path)) == 2


def test_abandoned_or_failed_save_keeps_previous_checkpoint(tmp_path):
    prefix = _save(tmp_path / "ckpt", {"v": np.arange(3.0)})
    abandoned = BundleWriter(prefix)  # As if the process died mid-save.
    abandoned.add("v", np.zeros(7))
    with pytest.raises(RuntimeError):
        with BundleWriter(prefix) as writer:
            writer.add("v", np.zeros(9))
            raise RuntimeError("training crashed")
    np.testing.assert_array_equal(BundleReader(prefix).read("v"), np.arange(3.0))
    abandoned.abort()
    assert len(os.listdir(tmp_path)) == 2


def test_overwrite_replaces_checkpoint(tmp_path):
    prefix = _save(tmp_path / "ckpt", {"v": np.arange(3.0)})
    _save(prefix, {"w": np.ones(2, np.int32)})
    reader = BundleReader(prefix)
    assert reader.keys() == ["w"]
    assert len(os.listdir(tmp_path)) == 2


# ------------------------------------------------------------------------ merging


def test_merge_renumbers_shards(tmp_path):
    parts = [{"x": np.arange(3), "s": np.array([b"q"], object)}, {}, {"a": np.ones((2, 2))}]
    prefixes = [_save(tmp_path / "tmp" / f"part-{i}", part) for i, part in enumerate(parts)]
    merge_bundles(prefixes, tmp_path / "out" / "model")
    reader = BundleReader(tmp_path / "out" / "model")
    assert reader.keys() == ["a", "s", "x"]
    for part in parts:
        for name, value in part.items():
            np.testing.assert_array_equal(reader.read(name), value)
    assert sorted(os.listdir(tmp_path / "out")) == [
        "model.data-00000-of-00002", "model.data-00001-of-00002", "model.index"]
    header, entries = tb._load_index(str(tmp_path / "out" / "model"))
    assert header.num_shards == 2  # The data files kept (TF's sum, 3, names a missing one).
    assert {k: e.shard_id for k, e in entries} == {b"a": 1, b"s": 0, b"x": 0}
    # The empty part's data file is not moved (TF renames only files holding tensors).
    assert sorted(os.listdir(tmp_path / "tmp")) == ["part-1.data-00000-of-00001"]


def test_merge_errors(tmp_path):
    first = _save(tmp_path / "p0", {"x": np.arange(3)})
    second = _save(tmp_path / "p1", {"x": np.arange(2)})
    with pytest.raises(errors.InvalidArgumentError, match="Duplicate tensor keyed by x"):
        merge_bundles([first, second], tmp_path / "out")
    with pytest.raises(errors.InvalidArgumentError, match="missing did not exist"):
        merge_bundles([first, str(tmp_path / "missing")], tmp_path / "out")
    with pytest.raises(errors.InvalidArgumentError, match="none existed"):
        merge_bundles([str(tmp_path / "missing")], tmp_path / "out", allow_missing_files=True)
    assert not (tmp_path / "out.index").exists()
    merge_bundles([first, str(tmp_path / "missing")], tmp_path / "out",
                  allow_missing_files=True)
    np.testing.assert_array_equal(BundleReader(tmp_path / "out").read("x"), np.arange(3))
