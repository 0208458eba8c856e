"""Enumerates the op registry: every registered op has a test row (or a stated exemption),
its OpDef equals TensorFlow's, and each row's kernel, shapes and gradients are checked."""
from __future__ import annotations

import difflib
import importlib
import json
import os
import pkgutil

import pytest
from google.protobuf import text_format

import sessionflow  # noqa: F401  (registers every op)
from sessionflow.graph import op_registry
from sessionflow.proto import op_def_pb2

from . import op_spec

_HERE = os.path.dirname(os.path.abspath(__file__))


def _spec_modules():
    for info in pkgutil.iter_modules([_HERE]):
        if info.name.startswith("specs_"):
            yield importlib.import_module(f"{__package__}.{info.name}")


SPECS = [s for m in _spec_modules() for s in m.SPECS]
EXEMPT = {k: v for m in _spec_modules() for k, v in m.EXEMPT.items()}


def test_every_registered_op_has_a_test_row():
    covered = {s.op_type for s in SPECS} | set(EXEMPT)
    missing = sorted(set(op_registry.KERNELS) - covered)
    assert not missing, f"ops without a test row in tests/ops/specs_*.py: {missing}"


def test_every_registered_op_has_a_gradient_or_mark():
    missing = sorted(t for t in op_registry.KERNELS if t not in op_registry.GRADIENTS)
    assert not missing, f"ops with neither a gradient nor a not-differentiable mark: {missing}"


def test_differentiable_ops_have_gradient_rows():
    rows = {s.op_type for s in SPECS if s.grad}
    unchecked = sorted(t for t, g in op_registry.GRADIENTS.items()
                       if g is not None and t in op_registry.KERNELS and t not in rows
                       and t not in EXEMPT)
    assert not unchecked, f"differentiable ops whose gradient no row checks: {unchecked}"


# TensorFlow's own OpDefs for the op types we register, dumped from TF 2.21's registry by
# tools/tf_oracle/dump_op_defs.py (independent of ops/*.pbtxt, which the registry loads).
TF_OP_DEFS = os.path.join(_HERE, "..", "data", "tf_opdefs", "tf_2_21_op_defs.pbtxt")
# Registered op types TensorFlow does not register (internal or sessionflow-only ops), each
# with the reason: the dump has nothing to compare them with. None so far.
OP_DEF_EXEMPT: dict[str, str] = {}


def test_op_defs_equal_tensorflow():
    with open(TF_OP_DEFS, encoding="utf-8") as f:
        tf_ops = {o.name: o for o in text_format.Parse(f.read(), op_def_pb2.OpList()).op}
    ours = op_registry.OP_DEFS
    assert not set(OP_DEF_EXEMPT) - set(ours), "exempt but not registered"
    assert not set(OP_DEF_EXEMPT) & set(tf_ops), "exempt but TensorFlow has the OpDef"
    undumped = sorted(set(ours) - set(tf_ops) - set(OP_DEF_EXEMPT))
    assert not undumped, (f"registered ops missing from {os.path.basename(TF_OP_DEFS)} "
                          "(rerun tools/tf_oracle/dump_op_defs.py, or exempt them with a "
                          f"reason): {undumped}")
    diffs = {t: "".join(difflib.unified_diff(
        text_format.MessageToString(tf_ops[t]).splitlines(True),
        text_format.MessageToString(ours[t]).splitlines(True), "tensorflow", "sessionflow"))
        for t in sorted(ours) if t in tf_ops and ours[t] != tf_ops[t]}
    assert not diffs, (f"{len(diffs)} OpDefs differ from TensorFlow's: {sorted(diffs)}\n"
                       + "\n".join(diffs.values()))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_forward(spec):
    op_spec.check_forward(spec)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.grad], ids=lambda s: s.id)
def test_gradient(spec):
    op_spec.check_gradient(spec)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.grad2], ids=lambda s: s.id)
def test_second_order_gradient(spec):
    op_spec.check_gradient(spec, order=2)


# TensorFlow's verdict on each op_spec.bad_inputs case, from TF 2.21's own kernels by
# tools/tf_oracle/bad_inputs.py: the tf.errors class raised, or null where TensorFlow accepts
# the input (then it is no bad input, and not tried as one).
TF_BAD_INPUTS = os.path.join(_HERE, "..", "data", "tf_bad_inputs", "tf_2_21_verdicts.json")
with open(TF_BAD_INPUTS, encoding="utf-8") as _f:
    TF_VERDICTS = json.load(_f)["verdicts"]
BAD_INPUTS = [c for s in SPECS if s.check_unknown_shapes for c in op_spec.bad_inputs(s)]
# Bad inputs sessionflow does not reject the way TensorFlow does (library bugs or known
# differences): strict xfails, so they stay visible and fail once fixed.
_NO_DILATED_DEPTHWISE = ("TensorFlow's CPU kernel implements no dilations (UnimplementedError "
                         "for any input); sessionflow does, and rejects the bad rank with "
                         "InvalidArgumentError")
BAD_INPUT_XFAIL = {
    **{f"DepthwiseConv2dNative_nchw_dilated/{i}/{c}": _NO_DILATED_DEPTHWISE
       for i in (0, 1) for c in op_spec.CORRUPTIONS},
}
# Corruptions TensorFlow accepts that sessionflow rejects (strict xfails, as above).
_FUSED_BN_5D = ("TensorFlow takes a 5-D NCHW input as NCDHW; sessionflow: input must be "
                "4-dimensional for data_format NCHW")
ACCEPTED_INPUT_XFAIL = {
    "FusedBatchNormV3_train_NCHW/0/stacked": _FUSED_BN_5D,
    "FusedBatchNormV3_inference_NCHW/0/stacked": _FUSED_BN_5D,
}


def test_bad_input_verdicts_cover_every_case():
    ids = {c.id for c in BAD_INPUTS}
    missing, stale = sorted(ids - set(TF_VERDICTS)), sorted(set(TF_VERDICTS) - ids)
    assert not missing, (f"bad-input cases without TensorFlow's verdict (rerun "
                         f"tools/tf_oracle/bad_inputs.py): {missing}")
    assert not stale, f"verdicts for cases that no longer exist: {stale}"
    assert all(TF_VERDICTS[k]["error"] for k in BAD_INPUT_XFAIL), "xfail for an accepted input"
    assert not any(TF_VERDICTS[k]["error"] for k in ACCEPTED_INPUT_XFAIL), "xfail for a bad one"


def _verdict_params(rejected: bool):
    """The cases TensorFlow rejects (with its error class), or those it accepts; a case
    without a verdict is in neither (test_bad_input_verdicts_cover_every_case fails)."""
    xfails = BAD_INPUT_XFAIL if rejected else ACCEPTED_INPUT_XFAIL
    for case in BAD_INPUTS:
        if case.id not in TF_VERDICTS:
            continue
        error = TF_VERDICTS[case.id]["error"]
        if (error is not None) != rejected:
            continue
        marks = ([pytest.mark.xfail(strict=True, reason=xfails[case.id])]
                 if case.id in xfails else [])
        yield pytest.param(case, *([error] if rejected else []), id=case.id, marks=marks)


@pytest.mark.parametrize("case, error", list(_verdict_params(rejected=True)))
def test_bad_inputs_raise_typed_errors(case, error):
    op_spec.check_bad_input(case, error)


@pytest.mark.parametrize("case", list(_verdict_params(rejected=False)))
def test_inputs_tensorflow_accepts_run(case):
    op_spec.check_accepted_input(case)
