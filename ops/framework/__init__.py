"""How an op is declared: ``declare()``, shape functions, gradient helpers and TF's OpDefs."""
