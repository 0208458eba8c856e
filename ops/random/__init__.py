"""Random ops with TF1's graph/op seed rules."""
