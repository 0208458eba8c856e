"""CRC-32C against published vectors and plain Python references; TFRecord's mask."""
import numpy as np
import pytest

from sessionflow.ops.io.crc32c import crc32c, mask, masked_crc32c, unmask

_POLY = 0x82F63B78   # CRC-32C's reflected polynomial


def _reference(data: bytes, crc: int = 0) -> int:
    """Bit-at-a-time CRC-32C: slow, obviously right."""
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (_POLY if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def _byte_table() -> list[int]:
    """The register after shifting in byte ``i`` (the bit loop above, one byte at a time)."""
    return [_reference(bytes([i]), 0xFFFFFFFF) ^ 0xFFFFFFFF for i in range(256)]


_TABLE = _byte_table()


def _table_reference(data: bytes, crc: int = 0) -> int:
    """Byte-at-a-time CRC-32C from the table: fast enough for the long inputs."""
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


@pytest.mark.parametrize("data,expected", [
    (b"", 0),
    (b"123456789", 0xE3069283),
    (bytes(32), 0x8A9136AA),                 # RFC 3720 B.4 vectors.
    (b"\xff" * 32, 0x62A8AB43),
    (bytes(range(32)), 0x46DD794E),
    (bytes(range(31, -1, -1)), 0x113FDB5C),
])
def test_known_vectors(data, expected):
    assert crc32c(data) == expected


# Short inputs, word- and block-sized ones and ragged tails.
_LENGTHS = list(range(0, 40)) + [1023, 1024, 1025, 4096 + 31, (1 << 18) - 1, (1 << 18) + 7]


@pytest.mark.parametrize("length", _LENGTHS)
def test_matches_reference_and_extends(length):
    rng = np.random.default_rng(length)
    data = rng.integers(0, 256, length, dtype=np.uint8).tobytes()
    init = int(rng.integers(0, 2**32))
    if length <= 5000:
        assert crc32c(data, init) == _reference(data, init)
    else:  # The bit loop is too slow here; the table loop is checked against it.
        assert crc32c(data, init) == _table_reference(data, init)
    cut = length // 3
    assert crc32c(data[cut:], crc32c(data[:cut])) == crc32c(data)


def test_table_reference_matches_bit_reference():
    data = bytes(range(256)) * 3
    assert _table_reference(data, 12345) == _reference(data, 12345)


def test_accepts_any_bytes_like():
    array = np.arange(3000, dtype=np.float32)
    expected = crc32c(array.tobytes())
    assert crc32c(array) == expected
    assert crc32c(array.reshape(30, 100)) == expected
    assert crc32c(memoryview(array)) == expected
    assert crc32c(memoryview(array)[1000:]) == crc32c(array[1000:].tobytes())
    assert crc32c(bytearray(array.tobytes())) == expected
    assert crc32c(memoryview(array.tobytes())) == expected
    assert crc32c(bytearray()) == crc32c(b"") == 0


def test_mask_roundtrip_and_tf_constants():
    crc = crc32c(b"foo")
    assert mask(crc) != crc and mask(mask(crc)) != crc
    assert unmask(mask(crc)) == crc
    assert unmask(unmask(mask(mask(crc)))) == crc
    assert masked_crc32c(b"") == 0xA282EAD8
    for value in (0, 1, 0xFFFFFFFF, 0x80000000, 0x12345678):
        assert unmask(mask(value)) == value
        assert 0 <= mask(value) <= 0xFFFFFFFF
