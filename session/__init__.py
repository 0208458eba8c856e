"""Execution: plans, the local Session, resources."""
