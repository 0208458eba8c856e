"""Every example runs as ``python examples/<name>.py`` and reaches its expected quality."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

_EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples")


def _run(name: str, *args: str) -> str:
    result = subprocess.run([sys.executable, os.path.join(_EXAMPLES, name), *args],
                            capture_output=True, text=True, timeout=600, cwd=_EXAMPLES)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _last_float(pattern: str, text: str) -> float:
    return float(re.findall(pattern, text)[-1])


def test_linear_regression():
    out = _run("linear_regression.py")
    assert abs(_last_float(r"W=([-\d.]+)", out) - 3.0) < 0.1
    assert abs(_last_float(r"b=([-\d.]+)", out) - 2.0) < 0.3


def test_logistic_regression():
    assert _last_float(r"test accuracy: ([\d.]+)", _run("logistic_regression.py")) > 0.9


def test_mlp():
    assert _last_float(r"test accuracy=([\d.]+)", _run("mlp.py")) > 0.9


@pytest.mark.slow
def test_cnn():
    assert _last_float(r"test accuracy=([\d.]+)", _run("cnn.py")) > 0.9


def test_save_restore_tensorboard(tmp_path):
    out = _run("save_restore_tensorboard.py", str(tmp_path))
    assert "(matches: True)" in out
    assert any(f.startswith("events.out.tfevents.") for f in os.listdir(tmp_path))
    assert (tmp_path / "checkpoint").exists()
