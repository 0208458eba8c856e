"""CRC-32C (Castagnoli), as TensorFlow's ``crc32c::Extend``/``Mask`` compute it.

The polynomial is the reflected 0x82F63B78, with initial value and final XOR 0xFFFFFFFF
(``crc32c(b"123456789") == 0xE3069283``). TFRecord framing and checkpoint bundles store
*masked* CRCs: ``((c >> 15 | c << 17) + 0xa282ead8) mod 2**32``.

Pure Python plus numpy. Small inputs use slicing-by-8 tables in a Python loop. Large inputs
are cut into ``n`` equal chunks whose CRC registers advance together, four bytes per numpy
step through two 65,536-entry tables; the chunk registers are then folded pairwise (a CRC
register is linear over GF(2), so appending ``k`` bytes to a chunk maps its register by a
fixed 32x32 bit matrix, applied through four byte tables).
"""
from __future__ import annotations

import functools
import struct

import numpy as np

_POLY = 0x82F63B78
_MASK_DELTA = 0xA282EAD8
_U32 = 0xFFFFFFFF
# Inputs at least this long take the numpy path; below it the Python loop is faster.
_NUMPY_MIN_BYTES = 1024
# Bytes per chunk on the numpy path (measured): short chunks mean few numpy steps, which
# suits inputs up to a few hundred KB; longer ones keep the lane arrays in cache beyond.
_SHORT_CHUNK, _LONG_CHUNK, _LONG_FROM = 32, 128, 1 << 18
_PAIRS = struct.Struct("<II")


def _byte_table() -> list[int]:
    """The classic one-byte table: the register after shifting in byte ``i``."""
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (_POLY if c & 1 else 0)
        table.append(c)
    return table


def _slicing_tables() -> list[list[int]]:
    """Tables ``T[k][i]``: byte ``i`` followed by ``k`` zero bytes (slicing-by-8)."""
    tables = [_byte_table()]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(c >> 8) ^ tables[0][c & 0xFF] for c in prev])
    return tables


_TABLES = _slicing_tables()
_NP_TABLES = [np.array(t, dtype=np.uint32) for t in _TABLES[:4]]


def _word_tables() -> tuple[np.ndarray, np.ndarray]:
    """Tables for the low and high 16 bits of a 32-bit word XORed into the register."""
    t0, t1, t2, t3 = _NP_TABLES
    idx = np.arange(65536, dtype=np.uint32)
    low = t3[idx & 0xFF] ^ t2[idx >> 8]
    high = t1[idx & 0xFF] ^ t0[idx >> 8]
    return low, high


_LOW16, _HIGH16 = _word_tables()


def _update_python(state: int, data: memoryview) -> int:
    """Advances the raw register ``state`` over ``data`` eight bytes per Python step."""
    t0, t1, t2, t3, t4, t5, t6, t7 = _TABLES
    n8 = len(data) & ~7
    for lo, hi in _PAIRS.iter_unpack(data[:n8]):
        x = state ^ lo
        state = (t7[x & 0xFF] ^ t6[(x >> 8) & 0xFF] ^ t5[(x >> 16) & 0xFF] ^ t4[x >> 24]
                 ^ t3[hi & 0xFF] ^ t2[(hi >> 8) & 0xFF] ^ t1[(hi >> 16) & 0xFF] ^ t0[hi >> 24])
    for b in data[n8:]:
        state = t0[(state ^ b) & 0xFF] ^ (state >> 8)
    return state


# ----------------------------------------------------------------- GF(2) register shifts

def _apply(matrix: tuple[int, ...], value: int) -> int:
    """Applies a 32x32 bit matrix (the images of the 32 unit registers) to ``value``."""
    out = 0
    bit = 0
    while value:
        if value & 1:
            out ^= matrix[bit]
        value >>= 1
        bit += 1
    return out


@functools.lru_cache(maxsize=None)
def _zeros_matrix(nbytes: int) -> tuple[int, ...]:
    """The linear map on the register of appending ``nbytes`` zero bytes."""
    if nbytes == 1:
        t0 = _TABLES[0]
        return tuple(t0[(1 << i) & 0xFF] ^ ((1 << i) >> 8) for i in range(32))
    half = _zeros_matrix(nbytes // 2)
    square = tuple(_apply(half, col) for col in half)
    if nbytes & 1:
        one = _zeros_matrix(1)
        square = tuple(_apply(one, col) for col in square)
    return square


@functools.lru_cache(maxsize=64)
def _zeros_byte_tables(nbytes: int) -> tuple[np.ndarray, ...]:
    """``_zeros_matrix(nbytes)`` as four 256-entry tables, one per register byte."""
    cols = np.array(_zeros_matrix(nbytes), dtype=np.uint32).reshape(4, 8)
    bits = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(bool)
    return tuple(np.bitwise_xor.reduce(np.where(bits, cols[k], np.uint32(0)), axis=1)
                 for k in range(4))


def _shift(registers: np.ndarray, nbytes: int) -> np.ndarray:
    """Advances every register over ``nbytes`` zero bytes."""
    s0, s1, s2, s3 = _zeros_byte_tables(nbytes)
    return (s0[registers & 0xFF] ^ s1[(registers >> 8) & 0xFF]
            ^ s2[(registers >> 16) & 0xFF] ^ s3[registers >> 24])


def _fold(registers: np.ndarray, chunk: int) -> int:
    """Combines the registers of consecutive ``chunk``-byte pieces into one register.

    A zero register in front of a piece stands for zero bytes read from state 0, which
    leave the register at 0, so padding to an even count changes nothing.
    """
    while len(registers) > 1:
        if len(registers) & 1:
            registers = np.concatenate((np.zeros(1, np.uint32), registers))
        registers = _shift(registers[0::2], chunk) ^ registers[1::2]
        chunk *= 2
    return int(registers[0])


def _update_numpy(state: int, data: memoryview) -> int:
    """Advances the raw register over ``data`` with all chunks in lock step."""
    chunk = _LONG_CHUNK if len(data) >= _LONG_FROM else _SHORT_CHUNK
    lanes = len(data) // chunk
    head = lanes * chunk
    words = np.frombuffer(data, dtype="<u4", count=head // 4).reshape(lanes, chunk // 4)
    columns = np.ascontiguousarray(words.T)
    registers = np.zeros(lanes, dtype=np.uint32)
    registers[0] = state
    scratch = np.empty(lanes, dtype=np.uint32)
    for column in columns:
        np.bitwise_xor(registers, column, out=registers)
        np.bitwise_and(registers, 0xFFFF, out=scratch)
        np.right_shift(registers, 16, out=registers)
        registers = _LOW16[scratch] ^ _HIGH16[registers]
    return _update_python(_fold(registers, chunk), data[head:])


def _as_bytes_view(data) -> memoryview:
    view = memoryview(data)
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    return view


def crc32c(data, crc: int = 0) -> int:
    """CRC-32C of ``data`` (any bytes-like), extending ``crc`` as ``crc32c::Extend`` does."""
    view = _as_bytes_view(data)
    state = (crc & _U32) ^ _U32
    if len(view) >= _NUMPY_MIN_BYTES:
        state = _update_numpy(state, view)
    else:
        state = _update_python(state, view)
    return state ^ _U32


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
