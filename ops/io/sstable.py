"""LevelDB-format SSTables, as TensorFlow's ``table::TableBuilder`` writes the tensor
bundle index and ``table::Table`` reads it: no compression, blocks of prefix-compressed
entries with a restart point every 16 keys (the index block: every key), each block
followed by its type byte and masked CRC-32C, and a 48-byte footer (metaindex and index
block handles, magic number).

Tables are untrusted on read: every varint, handle and length is checked against the
bytes that hold it, and damage raises ``Corrupt`` (the caller names the file).
"""
from __future__ import annotations

import struct

from .crc32c import crc32c, mask, unmask

BLOCK_SIZE = 262144
_RESTART_INTERVAL = 16
_TABLE_MAGIC = 0xDB4775248B80FB57
_FOOTER_BYTES = 48
_HANDLES_BYTES = 40  # Two BlockHandles of at most 10 + 10 varint bytes each.
_TRAILER_BYTES = 5
_NO_COMPRESSION = 0
_SNAPPY_COMPRESSION = 1
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


class Corrupt(Exception):
    """A malformed table or entry; the caller turns it into an error naming the file."""


# --------------------------------------------------------------------------- varints


def varint(value: int) -> bytes:
    """``value`` (>= 0) as a LevelDB varint: 7 bits per byte, low bits first."""
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def get_varint(buf: bytes, pos: int, limit: int, max_bytes: int = 10) -> tuple[int, int]:
    """Decodes a varint at ``pos`` that must end before ``limit``; returns (value, end)."""
    value = 0
    for i in range(max_bytes):
        if pos >= limit:
            raise Corrupt(f"varint runs past its bounds at byte {pos}")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << (7 * i)
        if byte < 0x80:
            return value, pos
    raise Corrupt(f"varint longer than {max_bytes} bytes at byte {pos - max_bytes}")


# ------------------------------------------------------------------- SSTable writing


def _shortest_separator(start: bytes, limit: bytes) -> bytes:
    """LevelDB's bytewise ``FindShortestSeparator``: a short key in [start, limit)."""
    common = 0
    while common < min(len(start), len(limit)) and start[common] == limit[common]:
        common += 1
    if common >= min(len(start), len(limit)):
        return start
    byte = start[common]
    if byte < 0xFF and byte + 1 < limit[common]:
        return start[:common] + bytes([byte + 1])
    return start


def _short_successor(key: bytes) -> bytes:
    """LevelDB's bytewise ``FindShortSuccessor``: a short key >= ``key``."""
    for i, byte in enumerate(key):
        if byte != 0xFF:
            return key[:i] + bytes([byte + 1])
    return key


class _BlockBuilder:
    """A LevelDB block: prefix-compressed entries, restart offsets, restart count."""

    def __init__(self, restart_interval: int):
        self._interval = restart_interval
        self._buffer = bytearray()
        self._restarts = [0]
        self._counter = 0
        self._last_key = b""

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self._counter < self._interval:
            limit = min(len(key), len(self._last_key))
            while shared < limit and key[shared] == self._last_key[shared]:
                shared += 1
        else:
            self._restarts.append(len(self._buffer))
            self._counter = 0
        self._buffer += varint(shared) + varint(len(key) - shared) + varint(len(value))
        self._buffer += key[shared:]
        self._buffer += value
        self._last_key = key
        self._counter += 1

    def empty(self) -> bool:
        return not self._buffer

    def size_estimate(self) -> int:
        return len(self._buffer) + 4 * len(self._restarts) + 4

    def finish(self) -> bytes:
        restarts = struct.pack(f"<{len(self._restarts)}I", *self._restarts)
        return bytes(self._buffer) + restarts + _U32.pack(len(self._restarts))


class TableWriter:
    """TF's ``table::TableBuilder`` without compression, writing to a binary stream."""

    def __init__(self, stream, block_size: int):
        self._stream = stream
        self._block_size = block_size
        self._offset = 0
        self._data = _BlockBuilder(_RESTART_INTERVAL)
        self._index = _BlockBuilder(1)
        self._last_key = b""
        self._pending_handle: tuple[int, int] | None = None

    def add(self, key: bytes, value: bytes) -> None:
        """Appends an entry; keys must come in ascending bytewise order."""
        if self._pending_handle is not None:
            self._add_index_entry(_shortest_separator(self._last_key, key))
        self._last_key = key
        self._data.add(key, value)
        if self._data.size_estimate() >= self._block_size:
            self._flush()

    def finish(self) -> None:
        """Writes the last data block, an empty metaindex block, the index block, the footer."""
        self._flush()
        meta_handle = self._write_block(_BlockBuilder(_RESTART_INTERVAL))
        if self._pending_handle is not None:
            self._add_index_entry(_short_successor(self._last_key))
        index_handle = self._write_block(self._index)
        handles = _encode_handle(meta_handle) + _encode_handle(index_handle)
        self._stream.write(handles.ljust(_HANDLES_BYTES, b"\0") + _U64.pack(_TABLE_MAGIC))

    def _add_index_entry(self, key: bytes) -> None:
        self._index.add(key, _encode_handle(self._pending_handle))
        self._pending_handle = None

    def _flush(self) -> None:
        if self._data.empty():
            return
        self._pending_handle = self._write_block(self._data)
        self._data = _BlockBuilder(_RESTART_INTERVAL)

    def _write_block(self, block: _BlockBuilder) -> tuple[int, int]:
        contents = block.finish()
        kind = bytes([_NO_COMPRESSION])
        trailer = kind + _U32.pack(mask(crc32c(kind, crc32c(contents))))
        self._stream.write(contents + trailer)
        handle = (self._offset, len(contents))
        self._offset += len(contents) + _TRAILER_BYTES
        return handle


def _encode_handle(handle: tuple[int, int]) -> bytes:
    return varint(handle[0]) + varint(handle[1])


# ------------------------------------------------------------------- SSTable reading


def _decode_handle(buf: bytes, pos: int, limit: int) -> tuple[tuple[int, int], int]:
    offset, pos = get_varint(buf, pos, limit)
    size, pos = get_varint(buf, pos, limit)
    return (offset, size), pos


def _read_block(buf: bytes, handle: tuple[int, int], end: int, what: str) -> bytes:
    """The contents of the block at ``handle``, its trailer checked, inside ``buf[:end]``."""
    offset, size = handle
    if offset + size + _TRAILER_BYTES > end:
        raise Corrupt(f"{what} block at offset {offset} with {size} bytes runs past the "
                      f"{end} bytes of table data")
    contents = buf[offset:offset + size]
    kind = buf[offset + size]
    (stored,) = _U32.unpack_from(buf, offset + size + 1)
    if unmask(stored) != crc32c(bytes([kind]), crc32c(contents)):
        raise Corrupt(f"{what} block at offset {offset}: block checksum mismatch")
    if kind == _SNAPPY_COMPRESSION:
        raise Corrupt(f"{what} block at offset {offset} is Snappy-compressed, which "
                      "tensor bundles never use and this reader does not support")
    if kind != _NO_COMPRESSION:
        raise Corrupt(f"{what} block at offset {offset} has unknown block type {kind}")
    return contents


def _block_entries(block: bytes, what: str) -> list[tuple[bytes, bytes]]:
    """Every (key, value) of a block, undoing the shared-prefix compression."""
    if len(block) < 4:
        raise Corrupt(f"{what} block of {len(block)} bytes is too short")
    (num_restarts,) = _U32.unpack_from(block, len(block) - 4)
    if num_restarts > (len(block) - 4) // 4:
        raise Corrupt(f"{what} block claims {num_restarts} restart points in "
                      f"{len(block)} bytes")
    limit = len(block) - 4 - 4 * num_restarts
    entries = []
    key = b""
    pos = 0
    while pos < limit:
        shared, pos = get_varint(block, pos, limit, 5)
        non_shared, pos = get_varint(block, pos, limit, 5)
        value_len, pos = get_varint(block, pos, limit, 5)
        if shared > len(key) or pos + non_shared + value_len > limit:
            raise Corrupt(f"{what} block has a bad entry at byte {pos}")
        key = key[:shared] + block[pos:pos + non_shared]
        pos += non_shared
        entries.append((key, block[pos:pos + value_len]))
        pos += value_len
    return entries


def table_entries(buf: bytes) -> list[tuple[bytes, bytes]]:
    """Every (key, value) of an SSTable held in ``buf``, keys checked to be ascending."""
    if len(buf) < _FOOTER_BYTES:
        raise Corrupt(f"file is too short ({len(buf)} bytes) to be an sstable")
    end = len(buf) - _FOOTER_BYTES
    (magic,) = _U64.unpack_from(buf, end + _HANDLES_BYTES)
    if magic != _TABLE_MAGIC:
        raise Corrupt(f"not an sstable (bad magic number {magic:#018x})")
    meta_handle, pos = _decode_handle(buf, end, end + _HANDLES_BYTES)
    index_handle, _ = _decode_handle(buf, pos, end + _HANDLES_BYTES)
    _read_block(buf, meta_handle, end, "metaindex")
    entries = []
    for _, value in _block_entries(_read_block(buf, index_handle, end, "index"), "index"):
        handle, _ = _decode_handle(value, 0, len(value))
        entries += _block_entries(_read_block(buf, handle, end, "data"), "data")
    for (before, _), (after, _) in zip(entries, entries[1:]):
        if before >= after:
            raise Corrupt(f"keys out of order: {before!r} then {after!r}")
    return entries
