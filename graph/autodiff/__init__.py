"""Symbolic differentiation: ``gradients()``, ``custom_gradient`` and gradient explanations."""
