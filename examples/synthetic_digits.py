"""MNIST-shaped synthetic data for the examples: 28x28 images of 10 noisy, shifted glyphs.

Generated from a seed (no downloads): each class has a fixed random stroke pattern; samples
shift it by up to 2 pixels and add noise, so models must actually learn to classify.
"""
from __future__ import annotations

import numpy as np


def _glyphs(rng: np.random.Generator) -> np.ndarray:
    glyphs = np.zeros((10, 28, 28), np.float32)
    for k in range(10):
        for _ in range(4):  # four random strokes per class
            r0, c0, r1, c1 = rng.integers(6, 22, size=4)
            steps = max(abs(r1 - r0), abs(c1 - c0)) + 1
            rows = np.linspace(r0, r1, steps).round().astype(int)
            cols = np.linspace(c0, c1, steps).round().astype(int)
            for dr in (0, 1):
                glyphs[k, np.clip(rows + dr, 0, 27), cols] = 1.0
    return glyphs


def load(n_train: int = 5000, n_test: int = 1000, seed: int = 0):
    """((x_train, y_train), (x_test, y_test)): x in [0,1] of shape [n, 784], y int labels."""
    rng = np.random.default_rng(seed)
    glyphs = _glyphs(rng)

    def sample(n: int):
        labels = rng.integers(0, 10, n)
        shifts = rng.integers(-2, 3, size=(n, 2))
        images = np.stack([np.roll(glyphs[y], tuple(s), axis=(0, 1))
                           for y, s in zip(labels, shifts)])
        images = np.clip(images * rng.uniform(0.6, 1.0, (n, 1, 1)) +
                         rng.normal(0, 0.25, images.shape), 0, 1).astype(np.float32)
        return images.reshape(n, 784), labels.astype(np.int64)
    return sample(n_train), sample(n_test)


def one_hot(labels: np.ndarray, depth: int = 10) -> np.ndarray:
    return np.eye(depth, dtype=np.float32)[labels]
