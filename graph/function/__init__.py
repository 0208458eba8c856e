"""Function graphs: the bodies of functional control flow and traced functions."""
