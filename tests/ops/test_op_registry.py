"""Enumerates the op registry: every registered op has a test row (or a stated exemption),
its OpDef equals TensorFlow's, and each row's kernel, shapes and gradients are checked,
the gradients also on unknown-rank placeholders fed rank-0 and empty inputs."""
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
OP_DEF_EXEMPT: dict[str, str] = {
    "_FusedMaxPoolGradReluGrad": "sessionflow-internal fusion of MaxPoolGrad + ReluGrad; TF has no such op",
}


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
BAD_INPUTS = [c for s in SPECS if s.check_unknown_shapes and s.op_type not in op_spec.OURS_ONLY
              for c in op_spec.bad_inputs(s)]
# Bad inputs sessionflow does not reject the way TensorFlow does (library bugs or known
# differences): strict xfails, so they stay visible and fail once fixed.
_NO_DILATED_DEPTHWISE = ("TensorFlow's CPU kernel implements no dilations (UnimplementedError "
                         "for any input); sessionflow does, and rejects the bad rank with "
                         "InvalidArgumentError")
_NO_NCHW_FUSED_CONV = ("TensorFlow's CPU _FusedConv2D implements only NHWC (UnimplementedError "
                       "before checking the fused args); sessionflow runs NCHW and rejects "
                       "the bad args with InvalidArgumentError")
BAD_INPUT_XFAIL = {
    **{f"DepthwiseConv2dNative_nchw_dilated/{i}/{c}": _NO_DILATED_DEPTHWISE
       for i in (0, 1) for c in op_spec.CORRUPTIONS},
    **{f"_FusedConv2D_nchw_{fused}/{i}/{c}": _NO_NCHW_FUSED_CONV
       for fused, args in (("relu6", (2,)), ("batch_norm", (2, 3, 4, 5)))
       for i in args for c in op_spec.CORRUPTIONS},
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


# TensorFlow's verdict on each row's rank-0 and empty inputs (op_spec.unknown_rank_case),
# from TF 2.21 by tools/tf_oracle/unknown_rank_grads.py: the error class its forward ops or
# gradients raise, or null where it accepts them.
TF_UNKNOWN_RANK = os.path.join(_HERE, "..", "data", "tf_unknown_rank_grads",
                               "tf_2_21_verdicts.json")
with open(TF_UNKNOWN_RANK, encoding="utf-8") as _f:
    TF_RANK_VERDICTS = json.load(_f)["verdicts"]
UNKNOWN_RANK_ORACLE = {f"{s.id}/{v}": (s, v) for s in SPECS for v in op_spec.ORACLE_VARIANTS
                       if op_spec.has_unknown_rank_case(s, v)}
# Inputs TensorFlow's CPU kernels cannot run for reasons of their own (no NCHW or dilated
# kernels), legal elsewhere: sessionflow runs them in the sweep all the same.
_CPU_NCHW = "TensorFlow's CPU kernels implement no NCHW gradient for this op"
_CPU_DILATED = "TensorFlow's CPU kernels implement no dilated convolution"
_CPU_STRIDES = "TensorFlow's CPU depthwise kernels need equal row and column strides"
TF_CPU_LIMITS = {
    **{f"{op}_nchw/empty": _CPU_NCHW for op in (
        "Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MaxPool", "MaxPoolGrad",
        "MaxPoolGradGrad", "AvgPool", "AvgPoolGrad")},
    **{f"{op}_dilated/empty": _CPU_DILATED for op in (
        "Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter")},
    **{f"DepthwiseConv2dNative{op}_explicit/empty": _CPU_STRIDES for op in (
        "", "BackpropInput", "BackpropFilter")},
    **{f"DepthwiseConv2dNative{op}_nchw_dilated/empty": _NO_DILATED_DEPTHWISE for op in (
        "", "BackpropInput", "BackpropFilter")},
}


def test_unknown_rank_verdicts_cover_every_case():
    missing = sorted(set(UNKNOWN_RANK_ORACLE) - set(TF_RANK_VERDICTS))
    stale = sorted(set(TF_RANK_VERDICTS) - set(UNKNOWN_RANK_ORACLE))
    assert not missing, (f"rank-0 / empty cases without TensorFlow's verdict (rerun "
                         f"tools/tf_oracle/unknown_rank_grads.py): {missing}")
    assert not stale, f"verdicts for cases that no longer exist: {stale}"
    assert not set(TF_CPU_LIMITS) - set(UNKNOWN_RANK_ORACLE), "CPU limit for no case"


def test_rank0_and_empty_inputs_are_legal_or_exempt():
    """A row runs on rank-0 / empty inputs TensorFlow accepts; it is exempt (saying why)
    only from inputs TensorFlow rejects, or contradicting the row's own constants."""
    rejected = [f"{k}: TF {TF_RANK_VERDICTS[k]['error']}: {TF_RANK_VERDICTS[k]['message']}"
                for k, (s, v) in UNKNOWN_RANK_ORACLE.items()
                if not op_spec.is_exempt(s, v) and k not in TF_CPU_LIMITS
                and TF_RANK_VERDICTS.get(k, {}).get("error")]
    assert not rejected, ("inputs TensorFlow rejects: give the row rank0= / empty= inputs "
                          "it accepts, or exempt it with the reason:\n" + "\n".join(rejected))
    pointless = [f"{s.id}/{v}" for s in SPECS for v in op_spec.ORACLE_VARIANTS
                 if op_spec.is_exempt(s, v) and op_spec.derived_inputs(s, v) is None]
    assert not pointless, f"exempt from derived inputs that change nothing: {pointless}"


# Sweep cases sessionflow fails (strict xfails: fixed, they fail).
UNKNOWN_RANK_XFAIL: dict[str, str] = {}
UNKNOWN_RANK_CASES = [
    pytest.param(s, v, id=f"{s.id}/{v}",
                 marks=[pytest.mark.xfail(strict=True, reason=UNKNOWN_RANK_XFAIL[f"{s.id}/{v}"])]
                 if f"{s.id}/{v}" in UNKNOWN_RANK_XFAIL else [])
    for s in SPECS if s.grad and s.check_unknown_shapes for v in op_spec.VARIANTS
    if op_spec.variant_inputs(s, v) is not None]


@pytest.mark.parametrize("spec, variant", UNKNOWN_RANK_CASES)
def test_gradient_on_unknown_rank(spec, variant):
    op_spec.check_unknown_rank_gradient(spec, variant)


# Exempt cases TensorFlow rejects that sessionflow does not reject the same way (strict
# xfails: fixed, they fail).
UNKNOWN_RANK_REJECT_XFAIL = {
    f"DepthwiseConv2dNative{op}_nchw_dilated/rank0": _NO_DILATED_DEPTHWISE
    for op in ("", "BackpropInput", "BackpropFilter")}


def _rejected_params():
    for key, (spec, variant) in UNKNOWN_RANK_ORACLE.items():
        error = TF_RANK_VERDICTS.get(key, {}).get("error")
        if not op_spec.is_exempt(spec, variant) or not error:
            continue
        marks = ([pytest.mark.xfail(strict=True, reason=UNKNOWN_RANK_REJECT_XFAIL[key])]
                 if key in UNKNOWN_RANK_REJECT_XFAIL else [])
        yield pytest.param(spec, variant, error, id=key, marks=marks)


@pytest.mark.parametrize("spec, variant, error", list(_rejected_params()))
def test_rank0_and_empty_inputs_tensorflow_rejects_raise(spec, variant, error):
    op_spec.check_unknown_rank_rejected(spec, variant, error)
