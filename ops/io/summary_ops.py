"""TensorBoard summaries: ScalarSummary, HistogramSummary, MergeSummary and ``tf.summary``.

Each op outputs a serialized ``Summary`` proto (a string scalar), exactly as TensorFlow's
kernels do, so ``FileWriter`` (``summary_writer``) can write it into an event file.
Histograms use TensorFlow's default bucket limits (±1e-12 growing by 10% to ±1e20).
"""
from __future__ import annotations

import sys

import numpy as np

from ...proto.event_pb2 import Event, LogMessage, SessionLog  # noqa: F401  (EXPORTS)
from ...proto import summary_pb2
from ...proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata  # noqa: F401
from ...graph import errors
from ...graph.graph import get_default_graph
from ...graph.graph_keys import GraphKeys
from ...graph.op_builder import apply_op, convert_to_tensor
from ..framework import shape_fns
from ..framework.declare import declare


def _default_bucket_limits() -> list[float]:
    positive, v = [], 1.0e-12
    while v < 1.0e20:
        positive.append(v)
        v *= 1.1
    positive.append(sys.float_info.max)
    return [-x for x in reversed(positive)] + [0.0] + positive


_BUCKET_LIMITS = _default_bucket_limits()


def _text(value) -> str:
    value = value.item() if isinstance(value, np.ndarray) else value
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _summary_bytes(summary) -> np.ndarray:
    return np.array(summary.SerializeToString(), dtype=object)


def _scalar_summary_kernel(tags, values):
    tags, values = np.asarray(tags), np.asarray(values)
    if tags.shape != values.shape:
        raise errors.InvalidArgumentError(
            None, None, f"tags and values are not the same shape: {list(tags.shape)} != "
                        f"{list(values.shape)}")
    summary = summary_pb2.Summary()
    for tag, value in zip(tags.ravel(), values.ravel()):
        summary.value.add(tag=_text(tag), simple_value=float(value))
    return _summary_bytes(summary)


declare("ScalarSummary", shape=shape_fns.scalar, kernel=_scalar_summary_kernel,
        not_differentiable=True)


def histogram_proto(values: np.ndarray):
    """TF's ``Histogram::EncodeToProto`` of ``values`` (empty buckets collapsed)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    limits = _BUCKET_LIMITS
    counts = np.bincount(np.searchsorted(limits, values, side="right"),
                         minlength=len(limits))[:len(limits)].astype(np.float64)
    proto = summary_pb2.HistogramProto(
        min=float(values.min()) if values.size else sys.float_info.max,
        max=float(values.max()) if values.size else -sys.float_info.max,
        num=float(values.size), sum=float(values.sum()),
        sum_squares=float(np.dot(values, values)))
    i, n = 0, len(limits)
    while i < n:
        end, count = limits[i], counts[i]
        i += 1
        if count <= 0.0:
            while i < n and counts[i] <= 0.0:
                end, count = limits[i], counts[i]
                i += 1
        proto.bucket_limit.append(end)
        proto.bucket.append(count)
    if not proto.bucket:
        proto.bucket_limit.append(sys.float_info.max)
        proto.bucket.append(0.0)
    return proto


def _histogram_summary_kernel(tag, values):
    values = np.asarray(values)
    tag = _text(tag)
    if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
        kind = "Nan" if np.any(np.isnan(values)) else "Infinity"
        raise errors.InvalidArgumentError(None, None, f"{kind} in summary histogram for: {tag}")
    summary = summary_pb2.Summary()
    summary.value.add(tag=tag, histo=histogram_proto(values))
    return _summary_bytes(summary)


declare("HistogramSummary", shape=shape_fns.scalar, kernel=_histogram_summary_kernel,
        not_differentiable=True)


def _merge_summary_kernel(*inputs):
    merged, seen = summary_pb2.Summary(), set()
    for blob in inputs:
        part = summary_pb2.Summary()
        try:
            part.ParseFromString(_as_bytes(blob))
        except Exception as e:  # protobuf raises DecodeError (a message.Error subclass)
            raise errors.InvalidArgumentError(
                None, None, f"Could not parse one of the summary inputs: {e}") from None
        for value in part.value:
            if value.tag in seen:
                raise errors.InvalidArgumentError(
                    None, None, f"Duplicate tag {value.tag} found in summary inputs")
            seen.add(value.tag)
            merged.value.add().CopyFrom(value)
    return _summary_bytes(merged)


def _as_bytes(blob) -> bytes:
    blob = blob.item() if isinstance(blob, np.ndarray) else blob
    return blob if isinstance(blob, bytes) else bytes(blob)


declare("MergeSummary", shape=shape_fns.scalar, kernel=_merge_summary_kernel,
        not_differentiable=True)


# -- tf.summary (TF1) ---------------------------------------------------------------------------

def _tag_and_scope(name: str, family: str | None):
    graph = get_default_graph()
    scope = graph.get_name_scope()
    tag = f"{scope}/{name}" if scope else name
    if family:
        tag = f"{family}/{tag}"
    return graph, tag


def _collect(graph, op, collections) -> None:
    for key in (collections if collections is not None else [GraphKeys.SUMMARIES]):
        graph.add_to_collection(key, op)


def scalar(name: str, tensor, collections=None, family=None):
    """A ScalarSummary of a scalar tensor, tagged with the current name scope."""
    graph, tag = _tag_and_scope(name, family)
    tensor = convert_to_tensor(tensor)
    if tensor.shape.rank not in (None, 0):
        raise ValueError(f"tf.summary.scalar expects a scalar tensor, got shape {tensor.shape}")
    out = apply_op("ScalarSummary", [np.array(tag.encode(), dtype=object), tensor], name=name)
    _collect(graph, out, collections)
    return out


def histogram(name: str, values, collections=None, family=None):
    graph, tag = _tag_and_scope(name, family)
    out = apply_op("HistogramSummary", [np.array(tag.encode(), dtype=object), values], name=name)
    _collect(graph, out, collections)
    return out


def merge(inputs, collections=None, name=None):
    graph = get_default_graph()
    out = apply_op("MergeSummary", [list(inputs)], name=name)
    if collections:
        _collect(graph, out, collections)
    return out


def merge_all(key: str = GraphKeys.SUMMARIES, scope=None, name=None):
    """Merges every summary in collection ``key``; None when there are none (as TF)."""
    summaries = get_default_graph().get_collection(key, scope)
    if not summaries:
        return None
    return merge(summaries, name=name)


EXPORTS = {"summary": ["scalar", "histogram", "merge", "merge_all"],
           "": ["Event", "HistogramProto", "LogMessage", "SessionLog", "Summary",
                "SummaryMetadata"]}
