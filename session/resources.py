"""The resource manager: stateful objects (variables, ...) keyed by container and name.

A session owns one locally; a worker server owns one shared by every session on it, so
graphs naming the same (container, shared_name) share state, as in TensorFlow.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

DEFAULT_CONTAINER = "localhost"


class ResourceMgr:
    """Thread-safe map of container -> name -> resource."""

    def __init__(self):
        self._containers: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def lookup(self, container: str, name: str) -> Any:
        return self._containers.get(container or DEFAULT_CONTAINER, {}).get(name)

    def lookup_or_create(self, container: str, name: str, create: Callable[[], Any]) -> Any:
        container = container or DEFAULT_CONTAINER
        with self._lock:
            resources = self._containers.setdefault(container, {})
            resource = resources.get(name)
            if resource is None:
                resource = resources[name] = create()
            return resource

    def delete(self, container: str, name: str) -> None:
        with self._lock:
            self._containers.get(container or DEFAULT_CONTAINER, {}).pop(name, None)

    def reset(self, containers: list[str] | None = None) -> None:
        """Drops the given containers (all when None), as ``Session.reset`` does."""
        with self._lock:
            if containers is None:
                self._containers.clear()
            else:
                for c in containers:
                    self._containers.pop(c or DEFAULT_CONTAINER, None)

    def clear(self) -> None:
        self.reset()
