"""Fixtures shared across the test packages."""
from __future__ import annotations

import functools

import pytest

from sessionflow.ops.nn.kernels import pool as nn_kernels_pool


@pytest.fixture
def winner_routings(monkeypatch) -> list:
    """Records each call of ``max_pool_grad_from_winners``: whether a MaxPoolGrad used the
    winners its forward MaxPool kept (kernels bind it by name when a plan is built)."""
    calls: list = []
    orig = nn_kernels_pool.max_pool_grad_from_winners

    @functools.wraps(orig)          # keeps the signature the op binder checks
    def spy(*args, **kwargs):
        calls.append(1)
        return orig(*args, **kwargs)
    monkeypatch.setattr(nn_kernels_pool, "max_pool_grad_from_winners", spy)
    return calls
