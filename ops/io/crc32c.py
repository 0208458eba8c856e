"""CRC-32C (Castagnoli) as TensorFlow's ``crc32c::Extend``/``Mask`` compute it.

The checksum itself is google-crc32c's C implementation (hardware CRC instructions where
the CPU has them); this module adapts its argument types and adds TFRecord's *masking*:
TFRecord framing and checkpoint bundles store ``((c >> 15 | c << 17) + 0xa282ead8) mod
2**32`` so that a CRC of data holding CRCs stays well distributed.
"""
from __future__ import annotations

import google_crc32c
import numpy as np

_MASK_DELTA = 0xA282EAD8
_U32 = 0xFFFFFFFF


def crc32c(data, crc: int = 0) -> int:
    """CRC-32C of ``data`` (any C-contiguous bytes-like), extending ``crc`` as
    ``crc32c::Extend`` does (``crc32c(b, crc32c(a)) == crc32c(a + b)``)."""
    if not isinstance(data, bytes):
        # google-crc32c reads bytes and numpy buffers but refuses memoryviews and
        # bytearrays; a uint8 view of the same memory copies nothing.
        data = np.frombuffer(data, dtype=np.uint8)
    return google_crc32c.extend(crc & _U32, data)


def mask(crc: int) -> int:
    """TensorFlow's masked CRC: rotate right by 15 bits, then add a constant."""
    crc &= _U32
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & _U32


def unmask(masked: int) -> int:
    """Inverts ``mask``."""
    rot = (masked - _MASK_DELTA) & _U32
    return ((rot >> 17) | (rot << 15)) & _U32


def masked_crc32c(data) -> int:
    """``mask(crc32c(data))``, the form stored in TFRecords and checkpoint bundles."""
    return mask(crc32c(data))
