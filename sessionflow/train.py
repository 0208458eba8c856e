"""``tf.train``: filled from the op families' EXPORTS by the facade."""


def __getattr__(name: str):
    raise AttributeError(f"module 'sessionflow.train' has no attribute '{name}': "
                         f"sessionflow does not implement tf.train.{name} yet.")
