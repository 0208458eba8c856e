"""``tf.random``: filled from the op families' EXPORTS by the facade."""


def __getattr__(name: str):
    raise AttributeError(f"module 'sessionflow.random' has no attribute '{name}': "
                         f"sessionflow does not implement tf.random.{name} yet.")
