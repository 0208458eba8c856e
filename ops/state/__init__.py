"""State: resource and ref variables, initializers, variable scopes."""
