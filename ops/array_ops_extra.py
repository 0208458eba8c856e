"""(being written)"""
EXPORTS: dict[str, list[str]] = {}
