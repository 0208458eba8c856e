"""``tf.nn.embedding_lookup``: rows of an embedding (a tensor or variable) by id, with TF's
optional ``max_norm`` clipping, built from GatherV2 (ResourceGather for variables)."""
from __future__ import annotations

from ...graph.core import Tensor
from ...graph.graph import name_scope
from ...graph.op_builder import convert_to_tensor
from ..array import array_ops
from ..array.gather_ops import gather
from ..math import math_ops, reduction_ops


def embedding_lookup(params, ids, partition_strategy: str = "mod", name: str | None = None,
                     validate_indices: bool = True, max_norm: float | None = None) -> Tensor:
    """Rows ``ids`` of ``params`` (one tensor or variable; sharded lists need one shard)."""
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise NotImplementedError("embedding_lookup over several shards is not supported; "
                                      "pass a single tensor or variable")
        params = params[0]
    with name_scope(name, "embedding_lookup", [ids]) as scope:
        result = gather(params, ids)
        if max_norm is not None:
            norms = math_ops.sqrt(reduction_ops.reduce_sum(math_ops.square(result), -1,
                                                           keepdims=True))
            scale = math_ops.minimum(math_ops.div_no_nan(
                convert_to_tensor(max_norm, dtype=result.dtype), norms),
                convert_to_tensor(1.0, dtype=result.dtype))
            result = math_ops.multiply(result, scale)
        return array_ops.identity(result, name=scope)


EXPORTS = {"nn": ["embedding_lookup"]}
