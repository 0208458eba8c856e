"""``tf.layers``: filled from the op families' EXPORTS by the facade."""


def __getattr__(name: str):
    raise AttributeError(f"module 'sessionflow.layers' has no attribute '{name}': "
                         f"sessionflow does not implement tf.layers.{name} yet.")
