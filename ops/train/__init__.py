"""Training: optimizers and their fused update ops, learning-rate schedules, losses, layers."""
