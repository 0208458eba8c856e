"""Debugging ops: CheckNumerics, Assert, string formatting, tf.print and tf.debugging asserts."""
