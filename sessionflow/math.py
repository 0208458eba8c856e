"""``tf.math``: filled from the op families' EXPORTS by the facade."""


def __getattr__(name: str):
    raise AttributeError(f"module 'sessionflow.math' has no attribute '{name}': "
                         f"sessionflow does not implement tf.math.{name} yet.")
