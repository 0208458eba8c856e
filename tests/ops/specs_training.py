"""Test rows for the training ops: ``Unique`` has a row; the update ops are stateful and
update variables, so each is exempt here and checked step by step, on resource and on ref
variables, in test_optimizers.py (FTRL's in tests/training/test_ftrl.py)."""
from __future__ import annotations

import numpy as np

from sessionflow.graph.op_builder import apply_op
from sessionflow.ops.train import training_ops  # noqa: F401  (registers the update ops)

from .op_spec import Arg, OpSpec


def _unique_ref(x):
    """Unique values in order of first occurrence, and each element's position in them."""
    _, first = np.unique(x, return_index=True)
    y = x[np.sort(first)]
    return [y, np.array([int(np.flatnonzero(y == v)[0]) for v in x], np.int32)]


SPECS = [
    OpSpec("Unique", lambda x: apply_op("Unique", [x]),
           [Arg([9], "int32", value=[4, 1, 4, 7, 1, 0, 7, 7, 2], diff=False)], _unique_ref,
           grad=False),
    OpSpec("Unique", lambda x: apply_op("Unique", [x], {"out_idx": "int64"}),
           [Arg([6], "float32", value=[0.5, -1.0, 0.5, 3.0, -1.0, 2.0], diff=False)],
           lambda x: [_unique_ref(x)[0], _unique_ref(x)[1].astype(np.int64)], grad=False,
           name="Unique_float_int64"),
]

_TESTS = "tests/ops/test_optimizers.py"
_DENSE = "test_dense_updates_match_tf_formulas"
_SPARSE = "test_sparse_updates_match_tf_formulas"
EXEMPT = {
    **{f"{prefix}Apply{name}": f"{_TESTS} ({_DENSE}[*-{kind}])"
       for prefix, kind in (("Resource", "resource"), ("", "ref"))
       for name in ("GradientDescent", "Momentum", "Adam", "Adagrad", "RMSProp",
                    "CenteredRMSProp", "Adadelta")},
    **{f"{prefix}SparseApply{name}": f"{_TESTS} ({_SPARSE}[*-{kind}])"
       for prefix, kind in (("Resource", "resource"), ("", "ref"))
       for name in ("Momentum", "Adagrad", "RMSProp", "CenteredRMSProp", "Adadelta")},
}
_FTRL = "tests/training/test_ftrl.py"
EXEMPT.update({
    **{t: f"{_FTRL} (test_update_ops_match_tensorflow, test_dense_kernel_formula)"
       for t in ("ResourceApplyFtrl", "ResourceApplyFtrlV2")},
    **{t: f"{_FTRL} (test_update_ops_match_tensorflow, test_sparse_kernel_formula)"
       for t in ("ResourceSparseApplyFtrl", "ResourceSparseApplyFtrlV2")},
    **{t: f"{_FTRL} (test_optimizer_matches_tensorflow, ref_* programs)"
       for t in ("ApplyFtrl", "ApplyFtrlV2", "SparseApplyFtrl", "SparseApplyFtrlV2")},
})
