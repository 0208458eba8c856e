"""``tf.debugging``: filled from the op families' EXPORTS by the facade."""


def __getattr__(name: str):
    raise AttributeError(f"module 'sessionflow.debugging' has no attribute '{name}': "
                         f"sessionflow does not implement tf.debugging.{name} yet.")
