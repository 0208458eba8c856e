"""Eager execution: running each op as it is created, EagerTensor, the GradientTape record
and tf.function's call path (not built yet). It will plug in at ``apply_op`` (an op
interceptor, as function tracing does) and bind kernels through
``ops/framework/kernel_binding``, so eager mode shares every op and gradient rule."""
