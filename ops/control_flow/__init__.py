"""Control flow: functional If/While (tf.cond, tf.while_loop) and TF1's Switch/Merge frames."""
