"""TensorFlow's shape-function checks (``WithRank``, ``WithRankAtLeast``, ``Merge``) on
static shapes, raising ValueError in the wording of TF's C++ shape functions."""
from __future__ import annotations

from ...graph.tensor_shape import TensorShape


def with_rank(shape: TensorShape, rank: int) -> TensorShape:
    """``shape`` if its rank is ``rank`` (an unknown rank becomes ``rank`` unknown dims)."""
    if shape.rank is not None and shape.rank != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {shape.rank}")
    return shape if shape.rank is not None else TensorShape([None] * rank)


def with_rank_at_least(shape: TensorShape, rank: int) -> TensorShape:
    """``shape`` if its rank is unknown or at least ``rank``."""
    if shape.rank is not None and shape.rank < rank:
        raise ValueError(f"Shape must be at least rank {rank} but is rank {shape.rank}")
    return shape


def merge_dim(a: int | None, b: int | None) -> int | None:
    """The dimension both ``a`` and ``b`` describe (``None`` = unknown)."""
    if a is not None and b is not None and a != b:
        raise ValueError(f"Dimensions must be equal, but are {a} and {b}")
    return a if a is not None else b
