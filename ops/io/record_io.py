"""TFRecord files: the framing of ``tf.io.TFRecordWriter`` and TensorBoard event files.

Each record is ``uint64 length (LE) | uint32 masked_crc32c(length bytes) | data |
uint32 masked_crc32c(data)``. Files are untrusted on read: both checksums are checked, and
a length read from the file is never trusted beyond the bytes the file still holds.
"""
from __future__ import annotations

import os
import struct
from typing import Iterator

from ...graph import errors
from .crc32c import masked_crc32c

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")
_HEADER_BYTES = _LENGTH.size + _CRC.size


def encode_record(data: bytes) -> bytes:
    """One framed record: header, payload and footer."""
    length = _LENGTH.pack(len(data))
    return b"".join((length, _CRC.pack(masked_crc32c(length)), data,
                     _CRC.pack(masked_crc32c(data))))


class RecordWriter:
    """Writes framed records to a new file at ``path`` (truncating an existing one)."""

    def __init__(self, path: str | os.PathLike):
        self._path = os.fspath(path)
        self._file = open(self._path, "wb")

    def write(self, record: bytes) -> None:
        """Appends one record."""
        if self._file is None:
            raise ValueError(f"RecordWriter for {self._path} is closed.")
        self._file.write(encode_record(bytes(record)))

    def flush(self) -> None:
        """Pushes buffered records to the operating system."""
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        """Flushes and closes the file; further writes raise."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> "RecordWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _data_loss(path: str, offset: int, what: str) -> errors.DataLossError:
    return errors.DataLossError(None, None, f"{path}: {what} in the record at offset {offset}.")


def _read_exact(stream, count: int, path: str, offset: int, what: str) -> bytes:
    data = stream.read(count)
    if len(data) != count:
        raise _data_loss(path, offset, f"truncated {what} ({len(data)} of {count} bytes)")
    return data


def read_records(path: str | os.PathLike) -> Iterator[bytes]:
    """Yields the payload of every record, raising ``DataLossError`` on damage."""
    path = os.fspath(path)
    try:
        stream = open(path, "rb")
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    with stream:
        size = os.fstat(stream.fileno()).st_size
        offset = 0
        while True:
            header = stream.read(_HEADER_BYTES)
            if not header:
                return
            if len(header) != _HEADER_BYTES:
                raise _data_loss(path, offset, f"truncated header ({len(header)} of "
                                               f"{_HEADER_BYTES} bytes)")
            (length,) = _LENGTH.unpack_from(header)
            (length_crc,) = _CRC.unpack_from(header, _LENGTH.size)
            if masked_crc32c(header[:_LENGTH.size]) != length_crc:
                raise _data_loss(path, offset, "corrupted length (checksum mismatch)")
            remaining = size - offset - _HEADER_BYTES
            if length + _CRC.size > remaining:
                raise _data_loss(path, offset, f"truncated data (length {length} but only "
                                               f"{max(remaining - _CRC.size, 0)} bytes left)")
            data = _read_exact(stream, length, path, offset, "data")
            (data_crc,) = _CRC.unpack(_read_exact(stream, _CRC.size, path, offset, "footer"))
            if masked_crc32c(data) != data_crc:
                raise _data_loss(path, offset, "corrupted data (checksum mismatch)")
            yield data
            offset += _HEADER_BYTES + length + _CRC.size
