"""Fetch structures: flatten nested fetches to unique graph elements, rebuild results.

A mapper tree mirrors the user's structure (element, list/tuple/namedtuple, dict);
``unique_fetches()`` lists the distinct elements and ``build_results(values)`` puts their
values back in place. Operations fetch as ``None``.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..graph.core import Operation, Tensor


class _Mapper:
    def unique_fetches(self) -> list:
        raise NotImplementedError

    def build_results(self, values: Sequence) -> Any:
        raise NotImplementedError


class _ElementMapper(_Mapper):
    def __init__(self, graph, fetch: Any):
        if fetch is None:
            raise TypeError(f"Fetch argument None has invalid type {type(fetch)}")
        try:
            self._element = graph.as_graph_element(fetch, allow_tensor=True,
                                                   allow_operation=True)
        except TypeError as e:
            raise TypeError(f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must "
                            f"be a string or Tensor. ({e})") from None
        except ValueError as e:
            raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. "
                             f"({e})") from None
        except KeyError as e:
            raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. "
                             f"({e.args[0]})") from None

    def unique_fetches(self) -> list:
        return [self._element]

    def build_results(self, values: Sequence) -> Any:
        return values[0]


class _SequenceMapper(_Mapper):
    def __init__(self, graph, fetches: Sequence):
        self._type = type(fetches)
        self._mappers = [for_fetch(graph, f) for f in fetches]
        self._unique, self._indices = _uniquify([m.unique_fetches() for m in self._mappers])

    def unique_fetches(self) -> list:
        return self._unique

    def build_results(self, values: Sequence) -> Any:
        results = [m.build_results([values[j] for j in idx])
                   for m, idx in zip(self._mappers, self._indices)]
        if issubclass(self._type, list):
            return results
        if hasattr(self._type, "_fields"):  # namedtuple
            return self._type(*results)
        return self._type(results)


class _DictMapper(_Mapper):
    def __init__(self, graph, fetches: dict):
        self._type = type(fetches)
        self._keys = list(fetches.keys())
        self._mappers = [for_fetch(graph, fetches[k]) for k in self._keys]
        self._unique, self._indices = _uniquify([m.unique_fetches() for m in self._mappers])

    def unique_fetches(self) -> list:
        return self._unique

    def build_results(self, values: Sequence) -> Any:
        result = self._type() if self._type is not dict else {}
        for key, m, idx in zip(self._keys, self._mappers, self._indices):
            result[key] = m.build_results([values[j] for j in idx])
        return result


def _uniquify(fetch_lists: list[list]) -> tuple[list, list[list[int]]]:
    unique, index_of, indices = [], {}, []
    for fetches in fetch_lists:
        idx = []
        for f in fetches:
            j = index_of.get(id(f))
            if j is None:
                j = index_of[id(f)] = len(unique)
                unique.append(f)
            idx.append(j)
        indices.append(idx)
    return unique, indices


def for_fetch(graph, fetch: Any) -> _Mapper:
    """The mapper for one (possibly nested) fetch."""
    if isinstance(fetch, (Tensor, Operation, str)):
        return _ElementMapper(graph, fetch)
    if isinstance(fetch, (list, tuple)):
        return _SequenceMapper(graph, fetch)
    if isinstance(fetch, dict):
        return _DictMapper(graph, fetch)
    return _ElementMapper(graph, fetch)
