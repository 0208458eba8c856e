"""Nested structures (``tf.nest``): flatten, pack_sequence_as, map_structure.

As TensorFlow's ``nest``: lists, tuples, namedtuples, dicts (flattened in sorted key
order, rebuilt in their own order) and dict views are structure; everything else,
``None`` and strings included, is a leaf.
"""
from __future__ import annotations

import collections.abc
from typing import Any, Callable, Iterator, Sequence


def is_nested(structure: Any) -> bool:
    """Whether ``structure`` is a list, tuple, dict or dict view (not a leaf)."""
    return isinstance(structure, (list, tuple, collections.abc.Mapping,
                                  collections.abc.MappingView))


def _children(structure: Any) -> list:
    if isinstance(structure, collections.abc.Mapping):
        return [structure[k] for k in _sorted_keys(structure)]
    return list(structure)


def _sorted_keys(mapping: collections.abc.Mapping) -> list:
    try:
        return sorted(mapping)
    except TypeError:
        raise TypeError(f"nest only supports dicts with sortable keys, got keys "
                        f"{list(mapping)!r}.") from None


def flatten(structure: Any) -> list:
    """The leaves of ``structure`` in TF's order (dict values sorted by key)."""
    if not is_nested(structure):
        return [structure]
    return [leaf for child in _children(structure) for leaf in flatten(child)]


def _rebuild(structure: Any, leaves: Iterator) -> Any:
    if not is_nested(structure):
        return next(leaves)
    if isinstance(structure, collections.abc.Mapping):
        values = {k: _rebuild(structure[k], leaves) for k in _sorted_keys(structure)}
        if isinstance(structure, collections.defaultdict):
            rebuilt = collections.defaultdict(structure.default_factory)
            rebuilt.update((k, values[k]) for k in structure)
            return rebuilt
        return type(structure)((k, values[k]) for k in structure)
    items = [_rebuild(child, leaves) for child in structure]
    if isinstance(structure, collections.abc.MappingView):
        return items
    if hasattr(structure, "_fields"):     # namedtuple
        return type(structure)(*items)
    return type(structure)(items)


def pack_sequence_as(structure: Any, flat_sequence: Sequence) -> Any:
    """``flat_sequence`` in the shape of ``structure``."""
    flat_sequence = list(flat_sequence)
    expected = len(flatten(structure))
    if len(flat_sequence) != expected:
        raise ValueError(f"Could not pack sequence. Structure had {expected} atoms, but "
                         f"flat_sequence had {len(flat_sequence)} items. Structure: "
                         f"{structure!r}, flat_sequence: {flat_sequence!r}.")
    return _rebuild(structure, iter(flat_sequence))


def assert_same_structure(nest1: Any, nest2: Any, check_types: bool = True) -> None:
    """Raises ``ValueError`` (or ``TypeError`` for differing sequence types when
    ``check_types``) unless both structures nest the same way."""
    if is_nested(nest1) != is_nested(nest2):
        raise ValueError(f"The two structures don't have the same nested structure.\n\n"
                         f"First structure: {nest1!r}\n\nSecond structure: {nest2!r}")
    if not is_nested(nest1):
        return
    if check_types and type(nest1) is not type(nest2):
        raise TypeError(f"The two structures don't have the same sequence type. Input "
                        f"structure has type {type(nest1)!r}, while shallow structure has "
                        f"type {type(nest2)!r}.")
    mappings = [isinstance(n, collections.abc.Mapping) for n in (nest1, nest2)]
    if any(mappings) and (not all(mappings) or _sorted_keys(nest1) != _sorted_keys(nest2)):
        raise ValueError(f"The two dictionaries don't have the same set of keys: "
                         f"{nest1!r} and {nest2!r}.")
    children1, children2 = _children(nest1), _children(nest2)
    if len(children1) != len(children2):
        raise ValueError(f"The two structures don't have the same number of elements.\n\n"
                         f"First structure: {nest1!r}\n\nSecond structure: {nest2!r}")
    for a, b in zip(children1, children2):
        assert_same_structure(a, b, check_types)


def map_structure(func: Callable, *structure: Any, check_types: bool = True) -> Any:
    """``func`` applied leaf-wise over structures of the same shape."""
    if not structure:
        raise ValueError("Must provide at least one structure")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types)
    results = [func(*leaves) for leaves in zip(*(flatten(s) for s in structure))]
    return pack_sequence_as(structure[0], results)


EXPORTS = {"nest": ["assert_same_structure", "flatten", "is_nested", "map_structure",
                    "pack_sequence_as"]}
