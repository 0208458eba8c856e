"""TF's ``timeline.Timeline``: a run's ``StepStats`` as a Chrome trace (chrome://tracing,
Perfetto), so users see where a step's time goes.

As in TensorFlow: one process per device (``<device> Compute``), one row per thread, a
region per op named after its type with the node name and inputs as arguments, parsed
from ``timeline_label`` (``"name = Op(in0, in1)"``); dataflow arrows from each input's
producer; with ``show_memory``, a counter of the bytes live on the device after each op.
"""
from __future__ import annotations

import json
import re
from typing import Any

_LABEL = re.compile(r"^(?P<name>[^=]+) = (?P<op>[^(]+)\((?P<inputs>.*)\)$")


def _parse_op_label(label: str) -> tuple[str, str, list[str]]:
    """(node name, op type, input names) of a ``"name = Op(a, b)"`` timeline label."""
    match = _LABEL.match(label)
    if match is None:
        return label, "unknown", []
    inputs = [i.strip() for i in match.group("inputs").split(",") if i.strip()]
    return match.group("name").strip(), match.group("op").strip(), inputs


class Timeline:
    """The ops of one ``RunMetadata.step_stats`` on a timeline."""

    def __init__(self, step_stats: Any, graph: Any = None):
        self._step_stats = step_stats
        self._graph = graph

    def generate_chrome_trace_format(self, show_dataflow: bool = True,
                                     show_memory: bool = False,
                                     op_time: str = "schedule") -> str:
        """The trace as Chrome's JSON trace-event format (a ``traceEvents`` list)."""
        del op_time   # kernels run when scheduled here: schedule and gpu times coincide
        events: list[dict] = []
        producers: dict[str, tuple[int, int, int]] = {}
        flows = []
        for pid, dev_stats in enumerate(self._step_stats.dev_stats):
            events.append({"name": "process_name", "ph": "M", "pid": pid,
                           "args": {"name": f"{dev_stats.device} Compute"}})
            events.append({"name": "process_sort_index", "ph": "M", "pid": pid,
                           "args": {"sort_index": pid}})
            for tid, name in sorted(dev_stats.thread_names.items()):
                events.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
                               "args": {"name": name}})
            for stats in dev_stats.node_stats:
                events.append(self._op_event(stats, pid))
                _, _, inputs = _parse_op_label(stats.timeline_label)
                end = stats.all_start_micros + stats.all_end_rel_micros
                producers[stats.node_name] = (pid, stats.thread_id, end)
                flows.append((stats, pid, inputs))
                if show_memory:
                    for used in stats.memory:
                        events.append({"name": used.allocator_name, "ph": "C", "pid": pid,
                                       "ts": end, "args": {"live bytes": used.live_bytes}})
        if show_dataflow:
            events.extend(_flow_events(flows, producers))
        return json.dumps({"traceEvents": events}, separators=(",", ":"))

    @staticmethod
    def _op_event(stats: Any, pid: int) -> dict:
        node_name, op, inputs = _parse_op_label(stats.timeline_label)
        args = {"name": stats.node_name or node_name, "op": op}
        args.update((f"input{i}", name) for i, name in enumerate(inputs))
        return {"ph": "X", "cat": "Op", "name": op, "pid": pid, "tid": stats.thread_id,
                "ts": stats.all_start_micros, "dur": stats.all_end_rel_micros, "args": args}


def _flow_events(flows: list, producers: dict) -> list[dict]:
    """Arrows from the op that made each input to the op that used it."""
    events = []
    flow_id = 0
    for stats, pid, inputs in flows:
        for name in inputs:
            producer = producers.get(name.lstrip("^").split(":")[0])
            if producer is None:
                continue
            src_pid, src_tid, src_end = producer
            flow_id += 1
            events.append({"name": name, "cat": "DataFlow", "ph": "s", "id": flow_id,
                           "pid": src_pid, "tid": src_tid, "ts": src_end})
            events.append({"name": name, "cat": "DataFlow", "ph": "t", "id": flow_id,
                           "pid": pid, "tid": stats.thread_id, "ts": stats.all_start_micros})
    return events


EXPORTS = {"python.client.timeline": ["Timeline"]}
