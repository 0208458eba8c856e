"""``tf.summary.FileWriter``: TensorBoard event files (TFRecord-framed ``Event`` protos).

File names follow TF1 (``events.out.tfevents.<10-digit secs>.<hostname>``); the first
record carries ``file_version: "brain.Event:2"``. Writes go straight to the file; ``flush``
pushes them to disk, so TensorBoard sees them as soon as they are flushed.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

from ...proto import event_pb2, summary_pb2
from .record_io import RecordWriter


class FileWriter:
    """Writes summaries, graphs and meta graphs for TensorBoard into ``logdir``."""

    def __init__(self, logdir: str, graph: Any = None, max_queue: int = 10,
                 flush_secs: int = 120, graph_def: Any = None, filename_suffix: str | None = None,
                 session: Any = None):
        self._logdir = str(logdir)
        os.makedirs(self._logdir, exist_ok=True)
        self._suffix = filename_suffix or ""
        self._lock = threading.Lock()
        self._flush_secs = flush_secs
        self._open_new_file()
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def _open_new_file(self) -> None:
        name = f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}"
        self._path = os.path.join(self._logdir, name + self._suffix)
        self._writer = RecordWriter(self._path)
        self._closed = False
        self._last_flush = time.time()
        self.add_event(event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def get_logdir(self) -> str:
        return self._logdir

    def add_event(self, event) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("FileWriter is closed; call reopen() first")
            self._writer.write(event.SerializeToString())
            if time.time() - self._last_flush > self._flush_secs:
                self._writer.flush()
                self._last_flush = time.time()

    def add_summary(self, summary: Any, global_step: int | None = None) -> None:
        """Adds a Summary proto or its serialized bytes (what ``sess.run`` returns)."""
        if not isinstance(summary, summary_pb2.Summary):
            data = summary.item() if hasattr(summary, "item") else summary
            parsed = summary_pb2.Summary()
            parsed.ParseFromString(bytes(data))
            summary = parsed
        event = event_pb2.Event(wall_time=time.time(), summary=summary)
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_graph(self, graph: Any, global_step: int | None = None, graph_def: Any = None) -> None:
        graph_def = graph_def if graph_def is not None else graph.as_graph_def(add_shapes=True)
        event = event_pb2.Event(wall_time=time.time(), graph_def=graph_def.SerializeToString())
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_meta_graph(self, meta_graph_def: Any, global_step: int | None = None) -> None:
        event = event_pb2.Event(wall_time=time.time(),
                                meta_graph_def=meta_graph_def.SerializeToString())
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def add_session_log(self, session_log: Any, global_step: int | None = None) -> None:
        event = event_pb2.Event(wall_time=time.time(), session_log=session_log)
        if global_step is not None:
            event.step = int(global_step)
        self.add_event(event)

    def flush(self) -> None:
        with self._lock:
            if not self._closed:
                self._writer.flush()
                self._last_flush = time.time()

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._writer.close()
                self._closed = True

    def reopen(self) -> None:
        """After ``close``, continues in a new event file in the same directory (as TF)."""
        if self._closed:
            self._open_new_file()

    def __enter__(self) -> "FileWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


EXPORTS = {"summary": ["FileWriter"]}
