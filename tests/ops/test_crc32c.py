"""CRC-32C against published vectors and a bit-at-a-time reference, on both code paths."""
import numpy as np
import pytest

from sessionflow.ops.io import crc32c as crc_mod
from sessionflow.ops.io.crc32c import crc32c, mask, masked_crc32c, unmask


def _reference(data: bytes, crc: int = 0) -> int:
    """Bit-at-a-time CRC-32C: slow, obviously right."""
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
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


# Lengths around the Python/numpy switch, both chunk sizes and ragged tails.
_LENGTHS = list(range(0, 40)) + [1023, 1024, 1025, 4096 + 31, (1 << 18) - 1, (1 << 18) + 7]


@pytest.mark.parametrize("length", _LENGTHS)
def test_matches_reference_and_extends(length):
    rng = np.random.default_rng(length)
    data = rng.integers(0, 256, length, dtype=np.uint8).tobytes()
    init = int(rng.integers(0, 2**32))
    if length <= 5000:
        assert crc32c(data, init) == _reference(data, init)
    else:  # The reference is too slow here; the fast Python path is checked above.
        assert crc32c(data, init) == crc_mod._update_python(
            init ^ 0xFFFFFFFF, memoryview(data)) ^ 0xFFFFFFFF
    cut = length // 3
    assert crc32c(data[cut:], crc32c(data[:cut])) == crc32c(data)


def test_accepts_any_bytes_like():
    array = np.arange(3000, dtype=np.float32)
    expected = crc32c(array.tobytes())
    assert crc32c(array) == expected
    assert crc32c(memoryview(array)) == expected
    assert crc32c(bytearray(array.tobytes())) == expected


def test_mask_roundtrip_and_tf_constants():
    crc = crc32c(b"foo")
    assert mask(crc) != crc and mask(mask(crc)) != crc
    assert unmask(mask(crc)) == crc
    assert unmask(unmask(mask(mask(crc)))) == crc
    assert masked_crc32c(b"") == 0xA282EAD8
    for value in (0, 1, 0xFFFFFFFF, 0x80000000, 0x12345678):
        assert unmask(mask(value)) == value
        assert 0 <= mask(value) <= 0xFFFFFFFF
