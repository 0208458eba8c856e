"""TensorFlow's V2 checkpoint format ("tensor bundle"), read and written byte-for-byte.

A bundle at ``prefix`` is two kinds of file:

- ``<prefix>.data-0000k-of-0000n``: tensor bytes, little-endian, back to back in the order
  they were added. A string tensor is its varint64 lengths, the masked CRC-32C of those
  lengths taken as uint32 LE, then the bytes of every element.
- ``<prefix>.index``: a LevelDB-format SSTable (``sstable``: TF's ``table::TableBuilder``,
  256 KiB blocks) mapping ``""`` to a ``BundleHeaderProto`` and each tensor name, in
  bytewise order, to a ``BundleEntryProto`` (dtype, shape, shard, offset, size, masked
  CRC-32C of the bytes).

Saving is atomic per file: everything is written to ``*.tempstate<random>`` files beside
the targets, then ``os.replace``d, data first and index last, so a failure while saving
leaves a previous checkpoint at the same prefix intact. (Between those two renames a
crash can still pair new data with the old index; the CRCs then report it on restore.)

Checkpoints are untrusted on read: every varint, offset and size taken from a file is
checked against the file's size before it is used, every block and tensor CRC is
verified, and damage raises ``DataLossError`` naming the file and the fault.
"""
from __future__ import annotations

import os
import secrets
import struct
from typing import Any, Iterable

import numpy as np

from ...graph import dtypes, errors
from ...graph.serialization.tensor_util import _bfloat16_bits
from ...proto import tensor_bundle_pb2
from .crc32c import crc32c, mask, unmask
from .sstable import BLOCK_SIZE, Corrupt, TableWriter, get_varint, table_entries, varint

_HEADER_KEY = b""
# ``EncodeTensorNameSlice`` keys begin with OrderedCode's encoding of 0: one NUL byte.
_SLICE_KEY_START = b"\x00"
# kTensorBundleVersion, kTensorBundleMinProducer (tensor_bundle.h).
_BUNDLE_VERSION = 1
_BUNDLE_MIN_PRODUCER = 0
_U32 = struct.Struct("<I")
_NON_NUMERIC = (dtypes.resource, dtypes.variant)

_Entry = tensor_bundle_pb2.BundleEntryProto
_Header = tensor_bundle_pb2.BundleHeaderProto


def index_filename(prefix: str) -> str:
    """The index file of the bundle at ``prefix``."""
    return f"{prefix}.index"


def data_filename(prefix: str, shard_id: int, num_shards: int) -> str:
    """A data file of the bundle at ``prefix`` (``%s.data-%05d-of-%05d``)."""
    return f"{prefix}.data-{shard_id:05d}-of-{num_shards:05d}"


def _data_loss(path: str, what: str) -> errors.DataLossError:
    return errors.DataLossError(None, None, f"Corrupted checkpoint file {path}: {what}")


def _not_found(path: str) -> errors.NotFoundError:
    return errors.NotFoundError(None, None, f"{path}; No such file or directory")


# ------------------------------------------------------------------ tensor encoding


def _check_writable_dtype(dtype: dtypes.DType) -> None:
    if dtype in _NON_NUMERIC:
        raise errors.UnimplementedError(
            None, None, f"Saving {dtype.name} tensors in a checkpoint is not supported.")


def _as_array(value: Any, dtype: Any) -> tuple[dtypes.DType, np.ndarray]:
    """The tensor's DType and a numpy array of it (object array of bytes for strings)."""
    if dtype is None:
        array = np.asarray(value)
        dtype = dtypes.as_dtype(array.dtype.newbyteorder("="))
    else:
        dtype = dtypes.as_dtype(dtype).base_dtype
        if dtype is dtypes.string:
            array = np.asarray(value, dtype=object)
        elif dtype is dtypes.bfloat16:
            array = np.asarray(value, dtype=np.float32)
        else:
            array = np.asarray(value, dtype=dtype.np_dtype)
    return dtype, array


def _as_bytes(element: Any) -> bytes:
    if isinstance(element, bytes):
        return element
    if isinstance(element, str):
        return element.encode("utf-8")
    raise errors.InvalidArgumentError(
        None, None, f"A string tensor element must be bytes or str, got "
                    f"{type(element).__name__}.")


def _length_crc(lengths: list[int]) -> int:
    """CRC-32C of the lengths as uint32 LE (uint64 for any length beyond 32 bits)."""
    if all(n <= 0xFFFFFFFF for n in lengths):
        return crc32c(np.asarray(lengths, dtype="<u4").tobytes())
    return crc32c(b"".join(struct.pack("<I" if n <= 0xFFFFFFFF else "<Q", n)
                           for n in lengths))


def _encode_strings(array: np.ndarray) -> tuple[list[bytes], int]:
    """TF's ``WriteStringTensor`` layout as chunks, and the unmasked CRC over them."""
    elements = [_as_bytes(e) for e in array.reshape(-1).tolist()]
    lengths = [len(e) for e in elements]
    crc = _length_crc(lengths)
    length_checksum = _U32.pack(mask(crc))
    data = b"".join(elements)
    crc = crc32c(data, crc32c(length_checksum, crc))
    return [b"".join(varint(n) for n in lengths), length_checksum, data], crc


def _encode(dtype: dtypes.DType, array: np.ndarray) -> tuple[list[Any], int]:
    """The bytes a tensor occupies in the data file (as chunks) and their unmasked CRC."""
    if dtype is dtypes.string:
        return _encode_strings(array)
    if dtype is dtypes.bfloat16:
        array = _bfloat16_bits(array)
    raw = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    view = memoryview(raw.reshape(-1).view(np.uint8))
    return [view], crc32c(view)


# --------------------------------------------------------------------------- writing


def _temp_path(path: str) -> str:
    return f"{path}.tempstate{secrets.randbits(64)}"


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _sync_close(stream) -> None:
    stream.flush()
    os.fsync(stream.fileno())
    stream.close()


def _write_index(path: str, header: _Header, entries: Iterable[tuple[bytes, _Entry]],
                 block_size: int) -> None:
    """Writes an index table (header first, then ``entries`` in sorted order) to ``path``."""
    with open(path, "wb") as stream:
        table = TableWriter(stream, block_size)
        table.add(_HEADER_KEY, header.SerializeToString())
        for key, entry in entries:
            table.add(key, entry.SerializeToString())
        table.finish()
        stream.flush()
        os.fsync(stream.fileno())


def _new_header(num_shards: int) -> _Header:
    header = _Header(num_shards=num_shards, endianness=_Header.LITTLE)
    header.version.producer = _BUNDLE_VERSION
    return header


class BundleWriter:
    """Writes one single-shard bundle at ``prefix``; tensors stream to disk as added."""

    def __init__(self, prefix: str | os.PathLike, *, block_size: int = BLOCK_SIZE):
        self._prefix = os.fspath(prefix)
        self._block_size = block_size
        directory = os.path.dirname(self._prefix)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self._data_path = data_filename(self._prefix, 0, 1)
        self._temp_data = _temp_path(self._data_path)
        self._data = open(self._temp_data, "wb")
        self._offset = 0
        self._entries: dict[bytes, _Entry] = {}

    def add(self, name: str, value: Any, dtype: Any = None) -> None:
        """Appends tensor ``name``: any numeric, bool or string array (``dtype`` optional,
        e.g. ``bfloat16`` for float values or a quantized type)."""
        if self._data is None:
            raise ValueError(f"BundleWriter for {self._prefix} is already finished.")
        key = name.encode("utf-8", "surrogateescape")
        if key == _HEADER_KEY:
            raise errors.InvalidArgumentError(None, None, "Tensor names must not be empty.")
        if key in self._entries:
            raise errors.InvalidArgumentError(None, None, f"Adding duplicate key: {name}")
        dtype, array = _as_array(value, dtype)
        _check_writable_dtype(dtype)
        chunks, crc = _encode(dtype, array)
        size = sum(len(chunk) for chunk in chunks)
        try:
            for chunk in chunks:
                self._data.write(chunk)
        except BaseException:  # A partial write would shift every later offset.
            self.abort()
            raise
        entry = _Entry(dtype=dtype.as_datatype_enum, offset=self._offset, size=size,
                       crc32c=mask(crc))
        entry.shape.SetInParent()
        for dim in array.shape:
            entry.shape.dim.add(size=dim)
        self._entries[key] = entry
        self._offset += size

    def finish(self) -> None:
        """Writes the index and moves both files into place, or leaves no trace on error."""
        if self._data is None:
            raise ValueError(f"BundleWriter for {self._prefix} is already finished.")
        index_path = index_filename(self._prefix)
        temp_index = _temp_path(index_path)
        try:
            _sync_close(self._data)
            _write_index(temp_index, _new_header(1), sorted(self._entries.items()),
                         self._block_size)
            os.replace(self._temp_data, self._data_path)
            os.replace(temp_index, index_path)
        except BaseException:
            self._discard(temp_index)
            raise
        self._data = None

    def abort(self) -> None:
        """Drops everything written so far; an existing bundle at the prefix is untouched."""
        if self._data is not None:
            self._discard()

    def _discard(self, *extra_paths: str) -> None:
        self._data.close()
        self._data = None
        for path in (self._temp_data,) + extra_paths:
            _remove_quietly(path)

    def __enter__(self) -> "BundleWriter":
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        if exc_type is not None:
            self.abort()
        elif self._data is not None:
            self.finish()


# --------------------------------------------------------------------------- reading


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except FileNotFoundError:
        raise _not_found(path) from None


def _parse(message: Any, value: bytes, path: str, what: str) -> Any:
    try:
        message.ParseFromString(value)
    except Exception as exc:  # DecodeError, or RuntimeError from some protobuf backends
        raise _data_loss(path, f"cannot parse {what}: {exc}") from None
    return message


def _check_version(header: _Header, path: str) -> None:
    """TF's ``CheckVersions`` for the bundle's ``VersionDef``."""
    version = header.version
    problem = None
    if version.producer < _BUNDLE_MIN_PRODUCER:
        problem = f"producer version {version.producer} below min producer"
    elif version.min_consumer > _BUNDLE_VERSION:
        problem = (f"min consumer version {version.min_consumer} above current version "
                   f"{_BUNDLE_VERSION}")
    elif _BUNDLE_VERSION in version.bad_consumers:
        problem = f"disallows consumer version {_BUNDLE_VERSION}"
    if problem:
        raise errors.InvalidArgumentError(None, None, f"Checkpoint {path} {problem}; "
                                                      "please upgrade.")


def _known_dtype(enum: int) -> dtypes.DType | None:
    try:
        dtype = dtypes.as_dtype(enum)
    except TypeError:
        return None
    return None if dtype.is_ref_dtype else dtype


def _check_entry(key: bytes, entry: _Entry, num_shards: int, path: str) -> None:
    name = key.decode("utf-8", "surrogateescape")
    problem = None
    if _known_dtype(entry.dtype) is None:
        problem = f"unknown dtype {entry.dtype}"
    elif entry.shape.unknown_rank or any(d.size < 0 for d in entry.shape.dim):
        problem = "a shape that is not fully defined"
    elif not 0 <= entry.shard_id < num_shards:
        problem = f"shard {entry.shard_id} outside the bundle's {num_shards} shards"
    elif entry.offset < 0 or entry.size < 0:
        problem = f"negative offset {entry.offset} or size {entry.size}"
    if problem:
        raise _data_loss(path, f"entry for tensor {name} has {problem}")


def _load_index(prefix: str) -> tuple[_Header, list[tuple[bytes, _Entry]]]:
    """The validated header and the (key, entry) pairs of the bundle's index."""
    path = index_filename(prefix)
    try:
        items = table_entries(_read_file(path))
    except Corrupt as exc:
        raise _data_loss(path, str(exc)) from None
    if not items or items[0][0] != _HEADER_KEY:
        raise _data_loss(path, "the header entry (empty key) is missing")
    header = _parse(_Header(), items[0][1], path, "the bundle header")
    _check_version(header, path)
    if header.num_shards < 1:
        raise _data_loss(path, f"the header claims {header.num_shards} shards")
    if header.endianness not in (_Header.LITTLE, _Header.BIG):
        raise _data_loss(path, f"the header has unknown endianness {header.endianness}")
    entries = []
    for key, value in items[1:]:
        entry = _parse(_Entry(), value, path, f"the entry of {key!r}")
        _check_entry(key, entry, header.num_shards, path)
        entries.append((key, entry))
    return header, entries


def _num_elements(entry: _Entry) -> int:
    count = 1
    for dim in entry.shape.dim:
        count *= dim.size
    return count


def _decode_strings(raw: bytes, count: int) -> tuple[np.ndarray, int]:
    """Parses TF's string layout; returns the elements and their unmasked entry CRC
    (over the lengths as uint32, the length checksum and the bytes, as TF computes it)."""
    lengths = []
    pos = 0
    for _ in range(count):
        length, pos = get_varint(raw, pos, len(raw) - 4)
        lengths.append(length)
    if pos + 4 + sum(lengths) != len(raw):
        raise Corrupt(f"string lengths add up to {pos + 4 + sum(lengths)} bytes, "
                      f"entry size is {len(raw)}")
    crc = _length_crc(lengths)
    (stored,) = _U32.unpack_from(raw, pos)
    if unmask(stored) != crc:
        raise Corrupt("the length checksum does not match")
    out = np.empty(count, dtype=object)
    start = pos + 4
    for i, length in enumerate(lengths):
        out[i] = raw[start:start + length]
        start += length
    return out, crc32c(memoryview(raw)[pos + 4:], crc32c(raw[pos:pos + 4], crc))


class BundleReader:
    """Reads tensors from the bundle at ``prefix`` (any number of shards)."""

    def __init__(self, prefix: str | os.PathLike):
        self._prefix = os.fspath(prefix)
        header, entries = _load_index(self._prefix)
        self._num_shards = header.num_shards
        self._big_endian = header.endianness == _Header.BIG
        self._entries = dict(entries)

    def keys(self) -> list[str]:
        """Tensor names in the index's (bytewise sorted) order.

        The pieces of a sliced (partitioned) tensor, stored under TF's encoded slice keys
        (which start with a NUL byte), are left out, as TF's checkpoint reader does.
        """
        return [key.decode("utf-8", "surrogateescape") for key in self._entries
                if not key.startswith(_SLICE_KEY_START)]

    def __contains__(self, name: str) -> bool:
        return name.encode("utf-8", "surrogateescape") in self._entries

    def dtype_and_shape(self, name: str) -> tuple[dtypes.DType, list[int]]:
        """The dtype and full shape of tensor ``name``."""
        entry = self._entry(name)
        return dtypes.as_dtype(entry.dtype), [d.size for d in entry.shape.dim]

    def read(self, name: str) -> np.ndarray:
        """Tensor ``name`` as a numpy array, its size and CRC verified."""
        entry = self._entry(name)
        dtype = self._readable_dtype(name, entry)
        path = data_filename(self._prefix, entry.shard_id, self._num_shards)
        try:
            _check_size(entry, dtype)
            raw = self._read_bytes(path, entry)
            if dtype is dtypes.string:
                value, crc = _decode_strings(bytes(raw), _num_elements(entry))
            else:
                value, crc = _decode_numeric(raw, dtype, self._big_endian)
        except Corrupt as exc:
            raise _data_loss(path, f"tensor {name}: {exc}") from None
        if crc != unmask(entry.crc32c):
            raise _data_loss(path, f"tensor {name} ({entry.size} bytes at offset "
                                   f"{entry.offset}): checksum does not match: stored "
                                   f"{unmask(entry.crc32c):08x}, computed {crc:08x}")
        return value.reshape([d.size for d in entry.shape.dim])

    def _entry(self, name: str) -> _Entry:
        entry = self._entries.get(name.encode("utf-8", "surrogateescape"))
        if entry is None:
            raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint")
        return entry

    def _readable_dtype(self, name: str, entry: _Entry) -> dtypes.DType:
        """The entry's dtype; ``UnimplementedError`` for layouts this reader lacks."""
        dtype = dtypes.as_dtype(entry.dtype)
        problem = None
        if entry.slices:
            problem = (f"is stored as {len(entry.slices)} slices (a partitioned variable); "
                       "reading sliced tensors")
        elif dtype in _NON_NUMERIC:
            problem = f"is a {dtype.name} tensor; reading those"
        elif dtype is dtypes.string and self._big_endian:
            problem = "is a big-endian string tensor; reading those"
        if problem:
            raise errors.UnimplementedError(
                None, None, f"Tensor {name} in checkpoint {self._prefix} {problem} is not "
                            "supported.")
        return dtype

    def _read_bytes(self, path: str, entry: _Entry) -> bytearray:
        try:
            stream = open(path, "rb")
        except FileNotFoundError:
            raise _not_found(path) from None
        with stream:
            file_size = os.fstat(stream.fileno()).st_size
            if entry.offset + entry.size > file_size:
                raise Corrupt(f"{entry.size} bytes at offset {entry.offset} run past the "
                              f"end of the {file_size}-byte file")
            stream.seek(entry.offset)
            raw = bytearray(entry.size)
            if stream.readinto(raw) != entry.size:
                raise Corrupt(f"short read of {entry.size} bytes at offset {entry.offset}")
        return raw


def _stored_dtype(dtype: dtypes.DType) -> np.dtype:
    return np.dtype(np.uint16 if dtype is dtypes.bfloat16 else dtype.np_dtype)


def _check_size(entry: _Entry, dtype: dtypes.DType) -> None:
    """Checks the entry's size against its shape before any byte is read."""
    count = _num_elements(entry)
    if dtype is dtypes.string:
        if count + 4 > entry.size:
            raise Corrupt(f"{entry.size} bytes cannot hold {count} strings")
        return
    expected = count * _stored_dtype(dtype).itemsize
    if expected != entry.size:
        shape = [d.size for d in entry.shape.dim]
        raise Corrupt(f"stored size {entry.size} but shape {shape} of {dtype.name} needs "
                      f"{expected} bytes")


def _decode_numeric(raw: bytearray, dtype: dtypes.DType,
                    big_endian: bool) -> tuple[np.ndarray, int]:
    """A flat array over ``raw`` (no copy unless converted) and the CRC of ``raw``."""
    stored = _stored_dtype(dtype)
    crc = crc32c(raw)
    array = np.frombuffer(raw, dtype=stored.newbyteorder(">" if big_endian else "<"))
    if dtype is dtypes.bfloat16:
        array = (array.astype(np.uint32) << 16).view(np.float32)
    elif dtype is dtypes.bool_:
        array = array.view(np.uint8) != 0
    elif big_endian:
        array = array.astype(stored)
    return array, crc


# --------------------------------------------------------------------------- merging


def _merge_entry(merged: dict[bytes, _Entry], key: bytes, entry: _Entry, prefix: str) -> bool:
    """Merges a sliced tensor's slice list into an existing entry; False if ``key`` is new."""
    existing = merged.get(key)
    if existing is None:
        return False
    name = key.decode("utf-8", "surrogateescape")
    if not existing.slices or not entry.slices:
        raise errors.InvalidArgumentError(
            None, None, f"Duplicate tensor keyed by {name} encountered, when merging "
                        f"prefix: {prefix}")
    if existing.dtype != entry.dtype or existing.shape != entry.shape:
        raise errors.InvalidArgumentError(
            None, None, f"Slices of tensor {name} in {prefix} disagree on dtype or shape.")
    existing.slices.extend(entry.slices)
    return True


def merge_bundles(prefixes: Iterable[str], output_prefix: str, *,
                  allow_missing_files: bool = False,
                  block_size: int = BLOCK_SIZE) -> None:
    """``MergeV2Checkpoints``: one bundle at ``output_prefix`` from several bundles.

    The data files are renamed (not copied) to the output's shard names, numbered in
    order of first use, and the inputs' index files are deleted, as TensorFlow does. One
    deliberate difference: the header counts the data files actually kept. TensorFlow
    sums the inputs' shard counts, so an input holding no tensor (whose data file is not
    moved) makes its merged bundle name data files that do not exist.
    """
    output_prefix = os.fspath(output_prefix)
    merged: dict[bytes, _Entry] = {}
    shard_ids: dict[str, int] = {}
    header = None
    merged_inputs = []
    for prefix in map(os.fspath, prefixes):
        if not os.path.exists(index_filename(prefix)):
            if allow_missing_files:
                continue
            raise errors.InvalidArgumentError(
                None, None, f"allow_missing_files was set to false and {prefix} did not "
                            "exist.")
        bundle_header, entries = _load_index(prefix)
        header = _merge_header(header, bundle_header, prefix)
        merged_inputs.append(prefix)
        for key, entry in entries:
            if _merge_entry(merged, key, entry, prefix):
                continue
            source = data_filename(prefix, entry.shard_id, bundle_header.num_shards)
            entry.shard_id = shard_ids.setdefault(source, len(shard_ids))
            merged[key] = entry
    if header is None:
        raise errors.InvalidArgumentError(
            None, None, "At least one prefix checkpoint file must exist, but none existed.")
    header.num_shards = max(len(shard_ids), 1)
    for source in shard_ids:
        if not os.path.exists(source):
            raise _not_found(source)
    directory = os.path.dirname(output_prefix)
    if directory:
        os.makedirs(directory, exist_ok=True)
    _commit_merge(header, merged, shard_ids, output_prefix, block_size)
    for prefix in merged_inputs:
        if prefix != output_prefix:
            _remove_quietly(index_filename(prefix))


def _merge_header(merged: _Header | None, header: _Header, prefix: str) -> _Header:
    """Checks one bundle's header against the first one's (endianness and version)."""
    if merged is None:
        return _Header(endianness=header.endianness, version=header.version)
    if merged.endianness != header.endianness:
        raise errors.InvalidArgumentError(
            None, None, f"Merging bundles with conflicting endianness; inputs corrupted? "
                        f"({prefix})")
    if merged.version.SerializeToString() != header.version.SerializeToString():
        raise errors.InvalidArgumentError(
            None, None, f"Merging bundles with different format versions: merged "
                        f"{merged.version} vs. curr {header.version} ({prefix})")
    return merged


def _commit_merge(header: _Header, merged: dict[bytes, _Entry], shard_ids: dict[str, int],
                  output_prefix: str, block_size: int) -> None:
    """Writes the merged index to a temp file, renames the data files, then the index."""
    index_path = index_filename(output_prefix)
    temp_index = _temp_path(index_path)
    try:
        _write_index(temp_index, header, sorted(merged.items()), block_size)
        for source, shard_id in shard_ids.items():
            os.replace(source, data_filename(output_prefix, shard_id, len(shard_ids)))
        os.replace(temp_index, index_path)
    except BaseException:
        _remove_quietly(temp_index)
        raise
