"""Command-line programs (``python -m sessionflow.tools.<name>``)."""
