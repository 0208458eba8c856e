"""TF's ``deprecated_argument_lookup`` for TF1 argument aliases (``dim``/``axis``, ...)."""
from __future__ import annotations

from typing import Any


def deprecated_argument_lookup(new_name: str, new_value: Any, old_name: str,
                               old_value: Any) -> Any:
    """The old argument wins when given; giving both is an error, as in TF."""
    if old_value is not None:
        if new_value is not None:
            raise ValueError(f"Cannot specify both '{old_name}' and '{new_name}'")
        return old_value
    return new_value
