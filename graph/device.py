"""Device strings: parse partial/legacy specs, merge nested scopes field by field.

``/job:worker/task:1/cpu:0`` normalises to ``/job:worker/task:1/device:CPU:0``.
"""
from __future__ import annotations

from typing import NamedTuple


class DeviceSpec(NamedTuple):
    """The five optional fields of a TensorFlow device name."""

    job: str | None = None
    replica: int | None = None
    task: int | None = None
    device_type: str | None = None
    device_index: int | str | None = None

    @classmethod
    def from_string(cls, spec: str) -> "DeviceSpec":
        fields: dict = {}
        for part in filter(None, (spec or "").split("/")):
            key, sep, value = part.partition(":")
            low = key.lower()
            if low in ("job", "replica", "task") and sep:
                fields[low] = value if low == "job" else _index(value, spec)
            elif low == "device" and sep:
                dev_type, _, dev_index = value.partition(":")
                fields["device_type"] = dev_type.upper()
                if dev_index:
                    fields["device_index"] = _index(dev_index, spec)
            elif low in ("cpu", "gpu", "tpu") and sep:
                fields["device_type"] = low.upper()
                fields["device_index"] = _index(value, spec)
            elif low in ("cpu", "gpu", "tpu") and not sep:
                fields["device_type"] = low.upper()
            else:
                raise ValueError(f"Unknown attribute: '{part}' in '{spec}'")
        return cls(**fields)

    def merge(self, other: "DeviceSpec") -> "DeviceSpec":
        """Fields set in ``other`` win."""
        return DeviceSpec(*(b if b is not None else a for a, b in zip(self, other)))

    def to_string(self) -> str:
        parts = []
        if self.job is not None:
            parts.append(f"/job:{self.job}")
        if self.replica is not None:
            parts.append(f"/replica:{self.replica}")
        if self.task is not None:
            parts.append(f"/task:{self.task}")
        if self.device_type is not None:
            index = "*" if self.device_index is None else self.device_index
            parts.append(f"/device:{self.device_type}:{index}")
        return "".join(parts)


def _index(value: str, spec: str) -> int | str:
    if value == "*":
        return value
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"Invalid index {value!r} in device spec '{spec}'") from None


def canonical(spec: str) -> str:
    return DeviceSpec.from_string(spec).to_string()


def merge(outer: str, inner: str) -> str:
    """The device an op gets inside ``tf.device(outer)`` then ``tf.device(inner)``."""
    if not outer:
        return canonical(inner)
    if not inner:
        return outer
    return DeviceSpec.from_string(outer).merge(DeviceSpec.from_string(inner)).to_string()
