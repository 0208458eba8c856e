"""TF1 optimizers: ``tf.train.Optimizer`` and its subclasses, on the fused update ops.

As in TensorFlow (tensorflow/python/training/optimizer.py and the per-optimizer modules):
``compute_gradients`` differentiates the loss w.r.t. the variables (default: the
trainable ones), ``apply_gradients`` creates the slots outside any control dependency or
name scope, builds one update op per variable under ``<Optimizer>/update_<var>/``,
groups them (an op named after the optimizer's scope) and then increments
``global_step``. Slots are non-trainable variables ``<var>/<OptimizerName>`` (uniquified:
``w/Adam``, ``w/Adam_1``) colocated with their variable and in GLOBAL_VARIABLES.

Each update is TF's fused op of the variable's kind: ``ResourceApply*`` for resource
variables, ``Apply*`` for TF1 ref variables (whose slots are ref variables too, as TF's).
IndexedSlices gradients (from gathers) take TF's sparse paths: duplicate indices summed
(``Unique`` + ``UnsortedSegmentSum``), then ``(Resource)SparseApply*``; GradientDescent
scatters its step (``ResourceScatterAdd`` / ``ScatterSub``, duplicates accumulate) and Adam
decays its slots densely and scatter-adds the new rows (``ResourceScatterAdd`` /
``ScatterAdd``).
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterator

from ...graph import dtypes, nest
from ...graph.core import Operation, Tensor
from ...graph.autodiff.gradients_impl import gradients
from ...graph.graph import get_default_graph
from ...graph.graph_keys import GraphKeys
from ...graph.indexed_slices import IndexedSlices
from ...graph.op_builder import apply_op, convert_to_tensor
from ..array import array_ops, fill_ops
from ..state import init_ops
from ..math import math_ops
from . import training_ops  # noqa: F401  (registers the update ops)
from ..array.gather_ops import unsorted_segment_sum
from ..state.scatter_ops import scatter_add
from ..state.variables import Variable, group

_VALID_DTYPES = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64)


def _is_resource(v: Any) -> bool:
    return isinstance(v, Variable) and v.op.type == "VarHandleOp"


@contextlib.contextmanager
def _init_scope(graph) -> Iterator[None]:
    """TF's ``init_scope`` in graph mode: no control dependencies, the root name scope."""
    with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None):
        yield


def _deduplicate_indexed_slices(values: Tensor, indices: Tensor) -> tuple[Tensor, Tensor]:
    """Sums the ``values`` rows that share an index (TF's helper of the same name)."""
    unique_indices, new_index_positions = apply_op("Unique", [indices])
    summed_values = unsorted_segment_sum(values, new_index_positions,
                                         array_ops.shape(unique_indices)[0])
    return summed_values, unique_indices


class _VariableProcessor:
    """Builds one variable's update from its gradient (TF's per-variable processors).

    A variable's constraint is applied after the update to a fresh read taken under the
    update's control dependency, as TF's ``value()`` inside that scope is.
    """

    def __init__(self, v: Variable):
        self._v = v

    def target(self) -> Any:
        return self._v

    def update_op(self, optimizer: "Optimizer", g: Any) -> Any:
        v = self._v
        if isinstance(g, IndexedSlices):
            if v.constraint is not None:
                raise RuntimeError("Cannot use a constraint function on a sparse variable.")
            if _is_resource(v):
                return optimizer._resource_apply_sparse_duplicate_indices(g.values, v, g.indices)
            return optimizer._apply_sparse_duplicate_indices(g, v)
        update = optimizer._resource_apply_dense(g, v) if _is_resource(v) else \
            optimizer._apply_dense(g, v)
        if v.constraint is None:
            return update
        with v.graph.control_dependencies([update]):
            return v.assign(v.constraint(v.read_value()))


class _TensorProcessor:
    """A plain tensor in var_list: it has gradients but cannot be updated."""

    def __init__(self, v: Tensor):
        self._v = v

    def target(self) -> Tensor:
        return self._v

    def update_op(self, optimizer: "Optimizer", g: Any) -> Any:
        raise NotImplementedError(f"Trying to update a Tensor {self._v}")


def _get_processor(v: Any):
    if isinstance(v, Variable):
        return _VariableProcessor(v)
    if isinstance(v, Tensor):
        return _TensorProcessor(v)
    raise NotImplementedError(f"Trying to optimize unsupported type {v!r}")


def _tuple(grads: list) -> list:
    """``control_flow_ops.tuple``: every gradient waits for all of them (GATE_GRAPH)."""
    present = [g for g in grads if g is not None]
    graph = present[0].graph
    with graph.name_scope("tuple"):
        gate = group(*sorted({g.op for g in present}, key=lambda op: op._id))
        gated = []
        for g in grads:
            if g is None:
                gated.append(None)
                continue
            values = g.values if isinstance(g, IndexedSlices) else g
            with graph.name_scope("control_dependency") as name, \
                    graph.colocate_with(values.op), graph.control_dependencies([gate]):
                values = array_ops.identity(values, name=name)
            gated.append(IndexedSlices(values, g.indices, g.dense_shape)
                         if isinstance(g, IndexedSlices) else values)
        return gated


class Optimizer:
    """Base class of the TF1 optimizers (``tf.compat.v1.train.Optimizer``)."""

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking: bool, name: str):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots: dict[str, dict] = {}
        self._non_slot_dict: dict = {}

    def get_name(self) -> str:
        return self._name

    # -- the public API -----------------------------------------------------------------
    def minimize(self, loss: Tensor, global_step: Any = None, var_list: Any = None,
                 gate_gradients: int = GATE_OP, aggregation_method: Any = None,
                 colocate_gradients_with_ops: bool = False, name: str | None = None,
                 grad_loss: Any = None) -> Operation:
        """``compute_gradients`` then ``apply_gradients``; returns the training op."""
        grads_and_vars = self.compute_gradients(
            loss, var_list=var_list, gate_gradients=gate_gradients,
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        vars_with_grad = [v for g, v in grads_and_vars if g is not None]
        if not vars_with_grad:
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do "
                f"not support gradients, between variables {[str(v) for _, v in grads_and_vars]}"
                f" and loss {loss}.")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss: Tensor, var_list: Any = None,
                          gate_gradients: int = GATE_OP, aggregation_method: Any = None,
                          colocate_gradients_with_ops: bool = False,
                          grad_loss: Any = None) -> list[tuple]:
        """A list of (gradient, variable) pairs; the gradient is None when unconnected."""
        if callable(loss) and not isinstance(loss, Tensor):
            raise RuntimeError("`loss` passed to Optimizer.compute_gradients should be a "
                               "Tensor in graph mode, not a callable.")
        if gate_gradients not in (Optimizer.GATE_NONE, Optimizer.GATE_OP, Optimizer.GATE_GRAPH):
            raise ValueError("gate_gradients must be one of: Optimizer.GATE_NONE, "
                             f"Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not {gate_gradients}")
        self._assert_valid_dtypes([loss])
        if grad_loss is not None:
            self._assert_valid_dtypes([grad_loss])
        graph = loss.graph
        if var_list is None:
            var_list = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES) + \
                graph.get_collection(GraphKeys.TRAINABLE_RESOURCE_VARIABLES)
        else:
            var_list = nest.flatten(var_list)
        processors = [_get_processor(v) for v in var_list]
        if not var_list:
            raise ValueError("No variables to optimize.")
        # GATE_OP is not built: in TF it keeps a multi-threaded executor from using one of
        # an op's input gradients before the others exist. Our executor runs a step's ops
        # one at a time in a fixed order, so the gate cannot change a value; it would only
        # force gradients nobody uses (e.g. w.r.t. the input placeholder) to be computed.
        grads = gradients(loss, [p.target() for p in processors], grad_ys=grad_loss,
                          gate_gradients=False,
                          aggregation_method=aggregation_method,
                          colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gate_gradients == Optimizer.GATE_GRAPH and any(g is not None for g in grads):
            grads = _tuple(grads)
        grads_and_vars = list(zip(grads, var_list))
        self._assert_valid_dtypes([v for g, v in grads_and_vars
                                   if g is not None and v.dtype != dtypes.resource])
        return grads_and_vars

    def apply_gradients(self, grads_and_vars: Any, global_step: Any = None,
                        name: str | None = None) -> Operation:
        """Creates the slots and one update op per variable; returns the grouped op."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        converted = []
        for g, v in grads_and_vars:
            if g is not None:
                g = _as_gradient(g)
            converted.append((g, v, _get_processor(v)))
        var_list = [v for g, v, _ in converted if g is not None]
        if not var_list:
            raise ValueError("No gradients provided for any variable: "
                             f"{tuple(str(v) for _, v, _ in converted)}.")
        graph = var_list[0].graph
        with _init_scope(graph):
            self._create_slots(var_list)
        with graph.as_default(), graph.name_scope(name or self._name) as scope:
            self._prepare()
            update_ops = []
            for grad, var, processor in converted:
                if grad is None:
                    continue
                with graph.name_scope("update_" + var.op.name), graph.colocate_with(var.op):
                    update_ops.append(processor.update_op(self, grad))
            if global_step is None:
                apply_updates = self._finish(update_ops, scope)
            else:
                with graph.control_dependencies([self._finish(update_ops, "update")]), \
                        graph.colocate_with(global_step.op):
                    apply_updates = _increment(global_step, scope)
        if isinstance(apply_updates, Tensor):
            apply_updates = apply_updates.op
        train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
        if apply_updates not in train_ops:
            train_ops.append(apply_updates)
        return apply_updates

    def get_slot(self, var: Any, name: str) -> Variable | None:
        """The slot ``name`` ("m", "momentum", ...) created for ``var``, or None."""
        named_slots = self._slots.get(name)
        if not named_slots:
            return None
        return named_slots.get(_var_key(var))

    def get_slot_names(self) -> list[str]:
        return sorted(self._slots)

    def variables(self) -> list[Variable]:
        """This optimizer's slot and non-slot variables in the default graph, by name."""
        graph = get_default_graph()
        found = [v for v in self._non_slot_dict.values() if v.graph is graph]
        for slots in self._slots.values():
            found.extend(v for v in slots.values() if v.graph is graph)
        return sorted(found, key=lambda v: v.name)

    # -- what subclasses implement --------------------------------------------------------
    def _create_slots(self, var_list: list) -> None:
        pass

    def _prepare(self) -> None:
        pass

    def _fused_update(self, grad: Tensor, var: Variable, indices: Tensor | None) -> Any:
        """The optimizer's fused update op (``_update_op``) on ``var``, of either kind:
        dense when ``indices`` is None, else of the rows ``indices`` names. TF's four
        update hooks below call it unless a subclass builds its update otherwise."""
        raise NotImplementedError(f"{type(self).__name__} has no fused update op")

    def _apply_dense(self, grad: Tensor, var: Variable) -> Any:
        return self._fused_update(grad, var, None)

    def _apply_sparse_duplicate_indices(self, grad: IndexedSlices, var: Variable) -> Any:
        """Sums the rows of repeated indices, then ``_apply_sparse`` (TF's ref path)."""
        summed_values, unique_indices = _deduplicate_indexed_slices(grad.values, grad.indices)
        return self._apply_sparse(IndexedSlices(summed_values, unique_indices,
                                                grad.dense_shape), var)

    def _apply_sparse(self, grad: IndexedSlices, var: Variable) -> Any:
        return self._fused_update(grad.values, var, grad.indices)

    def _resource_apply_dense(self, grad: Tensor, handle: Variable) -> Any:
        return self._fused_update(grad, handle, None)

    def _resource_apply_sparse_duplicate_indices(self, grad: Tensor, handle: Variable,
                                                 indices: Tensor) -> Any:
        summed_grad, unique_indices = _deduplicate_indexed_slices(grad, indices)
        return self._resource_apply_sparse(summed_grad, handle, unique_indices)

    def _resource_apply_sparse(self, grad: Tensor, handle: Variable, indices: Tensor) -> Any:
        return self._fused_update(grad, handle, indices)

    def _finish(self, update_ops: list, name_scope: str) -> Operation:
        return group(*update_ops, name=name_scope)

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _call_if_callable(param: Any) -> Any:
        return param() if callable(param) else param

    def _assert_valid_dtypes(self, tensors: list) -> None:
        for t in tensors:
            dtype = t.dtype.base_dtype
            if dtype not in _VALID_DTYPES:
                raise ValueError(f"Invalid type {dtype!r} for {t.name}, expected: "
                                 f"{list(_VALID_DTYPES)}.")

    def _hyper(self, value: Tensor, like: Tensor) -> Tensor:
        """A hyperparameter tensor cast to the gradient's dtype (no op when it matches)."""
        return math_ops.cast(value, like.dtype.base_dtype)

    def _get_or_make_slot(self, var: Variable, fill: float, slot_name: str, op_name: str,
                          initializer: Any) -> Variable:
        """The ``slot_name`` slot of ``var``, created as ``<var>/<op_name>`` if missing."""
        named_slots = self._slots.setdefault(slot_name, {})
        key = _var_key(var)
        if key not in named_slots:
            named_slots[key] = _create_slot(var, fill, initializer, op_name)
        return named_slots[key]

    def _zeros_slot(self, var: Variable, slot_name: str, op_name: str) -> Variable:
        return self._get_or_make_slot(var, 0.0, slot_name, op_name,
                                      init_ops.Zeros(var.dtype.base_dtype))

    def _create_non_slot_variable(self, initial_value: Any, name: str,
                                  colocate_with: Variable) -> Variable:
        """A variable shared by all of this optimizer's updates in one graph."""
        graph = colocate_with.graph
        key = (name, graph)
        v = self._non_slot_dict.get(key)
        if v is None:
            with _init_scope(graph), graph.colocate_with(colocate_with.op):
                v = Variable(initial_value, name=name, trainable=False,
                             use_resource=_is_resource(colocate_with))
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name: str, graph: Any = None) -> Variable | None:
        return self._non_slot_dict.get((name, graph or get_default_graph()))


def _as_gradient(g: Any) -> Any:
    if isinstance(g, (Tensor, IndexedSlices)):
        return g
    try:
        return convert_to_tensor(g)
    except (TypeError, ValueError):
        raise TypeError(f"Gradient must be convertible to a Tensor or IndexedSlices, or "
                        f"None: {g}") from None


def _increment(global_step: Any, name: str) -> Any:
    """global_step += 1: AssignAddVariableOp (resource) or AssignAdd (ref), named ``name``."""
    if _is_resource(global_step):
        one = convert_to_tensor(1, dtype=global_step.dtype.base_dtype)
        return apply_op("AssignAddVariableOp", [global_step.handle, one], name=name)
    return global_step.assign_add(1, name=name)


def _var_key(var: Any) -> tuple:
    return (var.op.graph, var.op.name)


def _update_op(op_name: str, var: Variable, slots: list, grad: Tensor,
               indices: Tensor | None, attrs: dict, head: list = (), tail: list = ()) -> Any:
    """TF's ``[Resource][Sparse]Apply<op_name>`` op on ``var`` and its ``slots``: on their
    handles for a resource variable, on their refs for a ref variable. The inputs follow
    TF's order: the states, ``head``, grad, indices (sparse updates only), ``tail``."""
    resource = _is_resource(var)
    states = [v.handle if resource else v for v in [var, *slots]]
    sparse = [] if indices is None else [indices]
    op_type = f"{'Resource' if resource else ''}{'Sparse' if sparse else ''}Apply{op_name}"
    return apply_op(op_type, states + list(head) + [grad] + sparse + list(tail), attrs)


def _create_slot(primary: Variable, fill: float, initializer: Any, op_name: str) -> Variable:
    """TF's slot_creator: a non-trainable variable ``<primary>/<op_name>`` colocated with
    ``primary``; unknown shapes are filled at run time from the primary's shape."""
    graph = primary.graph
    dtype = primary.dtype.base_dtype
    shape = primary.shape
    if shape.is_fully_defined():
        initial_value: Callable = lambda: initializer(shape.as_list(), dtype=dtype)  # noqa: E731
    else:
        def initial_value():
            dims = array_ops.shape(primary.initialized_value())
            return fill_ops.fill(dims, convert_to_tensor(fill, dtype=dtype))
    with _init_scope(graph), graph.colocate_with(primary.op):
        return Variable(initial_value, trainable=False, name=f"{primary.op.name}/{op_name}",
                        dtype=dtype, validate_shape=shape.is_fully_defined(),
                        use_resource=_is_resource(primary))


class GradientDescentOptimizer(Optimizer):
    """var -= learning_rate * grad."""

    def __init__(self, learning_rate: Any, use_locking: bool = False,
                 name: str = "GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._learning_rate_tensor = None

    def _prepare(self) -> None:
        learning_rate = self._call_if_callable(self._learning_rate)
        self._learning_rate_tensor = convert_to_tensor(learning_rate, name="learning_rate")

    def _fused_update(self, grad, var, indices):
        return _update_op("GradientDescent", var, [], grad, indices,
                          {"use_locking": self._use_locking},
                          head=[self._hyper(self._learning_rate_tensor, grad)])

    def _apply_sparse_duplicate_indices(self, grad, var):
        """Scatter-subtracts lr * grad rows (duplicates accumulate), as TF does."""
        delta = IndexedSlices(grad.values * self._hyper(self._learning_rate_tensor, grad.values),
                              grad.indices, grad.dense_shape)
        return var.scatter_sub(delta, use_locking=self._use_locking)

    def _resource_apply_sparse_duplicate_indices(self, grad, handle, indices):
        """Scatter-adds -lr * grad rows (duplicates accumulate), as TF does."""
        delta = -grad * self._hyper(self._learning_rate_tensor, grad)
        return apply_op("ResourceScatterAdd", [handle.handle, indices, delta])


class MomentumOptimizer(Optimizer):
    """accum = accum * momentum + grad; var -= lr * accum (or Nesterov's variant)."""

    def __init__(self, learning_rate: Any, momentum: Any, use_locking: bool = False,
                 name: str = "Momentum", use_nesterov: bool = False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(
            self._call_if_callable(self._learning_rate), name="learning_rate")
        self._momentum_tensor = convert_to_tensor(self._call_if_callable(self._momentum),
                                                  name="momentum")

    def _fused_update(self, grad, var, indices):
        return _update_op("Momentum", var, [self.get_slot(var, "momentum")], grad, indices,
                          {"use_locking": self._use_locking, "use_nesterov": self._use_nesterov},
                          head=[self._hyper(self._learning_rate_tensor, grad)],
                          tail=[self._hyper(self._momentum_tensor, grad)])


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba) with TF1's bias correction folded into the step size."""

    def __init__(self, learning_rate: Any = 0.001, beta1: Any = 0.9, beta2: Any = 0.999,
                 epsilon: Any = 1e-08, use_locking: bool = False, name: str = "Adam"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon

    def _get_beta_accumulators(self) -> tuple[Variable, Variable]:
        graph = get_default_graph()
        return (self._get_non_slot_variable("beta1_power", graph=graph),
                self._get_non_slot_variable("beta2_power", graph=graph))

    def _create_slots(self, var_list):
        first_var = min(var_list, key=lambda x: x.name)
        self._create_non_slot_variable(self._beta1, "beta1_power", first_var)
        self._create_non_slot_variable(self._beta2, "beta2_power", first_var)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _prepare(self):
        self._lr_t = convert_to_tensor(self._call_if_callable(self._lr), name="learning_rate")
        self._beta1_t = convert_to_tensor(self._call_if_callable(self._beta1), name="beta1")
        self._beta2_t = convert_to_tensor(self._call_if_callable(self._beta2), name="beta2")
        self._epsilon_t = convert_to_tensor(self._call_if_callable(self._epsilon),
                                            name="epsilon")

    def _fused_update(self, grad, var, indices):
        """The dense update (ApplyAdam); sparse gradients take ``_apply_sparse_shared``."""
        beta1_power, beta2_power = self._get_beta_accumulators()
        hypers = [self._hyper(t, grad) for t in (beta1_power, beta2_power, self._lr_t,
                                                 self._beta1_t, self._beta2_t, self._epsilon_t)]
        return _update_op("Adam", var, [self.get_slot(var, "m"), self.get_slot(var, "v")],
                          grad, indices, {"use_locking": self._use_locking}, head=hypers)

    def _apply_sparse(self, grad, var):
        return self._apply_sparse_shared(grad.values, var, grad.indices)

    def _resource_apply_sparse(self, grad, var, indices):
        return self._apply_sparse_shared(grad, var, indices)

    def _apply_sparse_shared(self, grad, var, indices):
        """TF's sparse Adam: decay m and v densely, scatter-add the scaled gradient rows,
        then a dense step on var."""
        beta1_power, beta2_power, lr_t, beta1_t, beta2_t, epsilon_t = (
            self._hyper(t, grad) for t in (*self._get_beta_accumulators(), self._lr_t,
                                           self._beta1_t, self._beta2_t, self._epsilon_t))
        lr = lr_t * math_ops.sqrt(1 - beta2_power) / (1 - beta1_power)
        m_t = self._decay_and_add(self.get_slot(var, "m"), beta1_t, indices,
                                  grad * (1 - beta1_t))
        v_t = self._decay_and_add(self.get_slot(var, "v"), beta2_t, indices,
                                  (grad * grad) * (1 - beta2_t))
        v_sqrt = math_ops.sqrt(v_t)
        var_update = var.assign_sub(lr * m_t / (v_sqrt + epsilon_t),
                                    use_locking=self._use_locking, read_value=False)
        return group(var_update, m_t, v_t)

    def _decay_and_add(self, slot: Variable, decay: Tensor, indices: Tensor,
                       scaled_values: Tensor) -> Tensor:
        """slot = slot * decay, then slot[indices] += scaled_values; the updated value (the
        ScatterAdd's ref, or a read after the ResourceScatterAdd)."""
        decayed = slot.assign(slot * decay, use_locking=self._use_locking, read_value=False)
        with slot.graph.control_dependencies([decayed]):
            return scatter_add(slot, indices, scaled_values, use_locking=self._use_locking)

    def _finish(self, update_ops, name_scope):
        """Advances beta1_power and beta2_power after every variable's update."""
        graph = get_default_graph()
        with graph.control_dependencies(update_ops):
            beta1_power, beta2_power = self._get_beta_accumulators()
            with graph.colocate_with(beta1_power.op):
                update_beta1 = beta1_power.assign(beta1_power * self._beta1_t,
                                                  use_locking=self._use_locking,
                                                  read_value=False)
                update_beta2 = beta2_power.assign(beta2_power * self._beta2_t,
                                                  use_locking=self._use_locking,
                                                  read_value=False)
        return group(*update_ops + [update_beta1, update_beta2], name=name_scope)


class AdagradOptimizer(Optimizer):
    """accum += grad^2; var -= lr * grad / sqrt(accum)."""

    def __init__(self, learning_rate: Any, initial_accumulator_value: float = 0.1,
                 use_locking: bool = False, name: str = "Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            dtype = v.dtype.base_dtype
            init = init_ops.Constant(self._initial_accumulator_value, dtype=dtype)
            self._get_or_make_slot(v, self._initial_accumulator_value, "accumulator",
                                   self._name, init)

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(
            self._call_if_callable(self._learning_rate), name="learning_rate")

    def _fused_update(self, grad, var, indices):
        return _update_op("Adagrad", var, [self.get_slot(var, "accumulator")], grad, indices,
                          {"use_locking": self._use_locking},
                          head=[self._hyper(self._learning_rate_tensor, grad)])


class RMSPropOptimizer(Optimizer):
    """ms = decay ms + (1 - decay) grad^2; mom = momentum mom + lr grad / sqrt(ms + eps);
    var -= mom. ``centered`` also tracks the mean gradient mg and uses ms - mg^2."""

    def __init__(self, learning_rate: Any, decay: Any = 0.9, momentum: Any = 0.0,
                 epsilon: Any = 1e-10, use_locking: bool = False, centered: bool = False,
                 name: str = "RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot(v, 1.0, "rms", self._name,
                                   init_ops.Ones(v.dtype.base_dtype))
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._learning_rate_tensor = convert_to_tensor(
            self._call_if_callable(self._learning_rate), name="learning_rate")
        self._decay_tensor = convert_to_tensor(self._call_if_callable(self._decay),
                                               name="decay")
        self._momentum_tensor = convert_to_tensor(self._call_if_callable(self._momentum),
                                                  name="momentum")
        self._epsilon_tensor = convert_to_tensor(self._call_if_callable(self._epsilon),
                                                 name="epsilon")

    def _fused_update(self, grad, var, indices):
        slots = [self.get_slot(var, "rms"), self.get_slot(var, "momentum")]
        if self._centered:
            slots.insert(0, self.get_slot(var, "mg"))
        hypers = [self._hyper(t, grad) for t in (self._learning_rate_tensor,
                                                 self._decay_tensor, self._momentum_tensor,
                                                 self._epsilon_tensor)]
        return _update_op("CenteredRMSProp" if self._centered else "RMSProp", var, slots,
                          grad, indices, {"use_locking": self._use_locking}, head=hypers)


class AdadeltaOptimizer(Optimizer):
    """Adadelta (Zeiler): steps scaled by the RMS of past updates over the RMS of grads."""

    def __init__(self, learning_rate: Any = 0.001, rho: Any = 0.95, epsilon: Any = 1e-08,
                 use_locking: bool = False, name: str = "Adadelta"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._rho = rho
        self._epsilon = epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum", self._name)
            self._zeros_slot(v, "accum_update", self._name)

    def _prepare(self):
        self._lr_t = convert_to_tensor(self._call_if_callable(self._lr), name="lr")
        self._rho_t = convert_to_tensor(self._call_if_callable(self._rho), name="rho")
        self._epsilon_t = convert_to_tensor(self._call_if_callable(self._epsilon),
                                            name="epsilon")

    def _fused_update(self, grad, var, indices):
        slots = [self.get_slot(var, "accum"), self.get_slot(var, "accum_update")]
        hypers = [self._hyper(t, grad) for t in (self._lr_t, self._rho_t, self._epsilon_t)]
        return _update_op("Adadelta", var, slots, grad, indices,
                          {"use_locking": self._use_locking}, head=hypers)


class FtrlOptimizer(Optimizer):
    """FTRL-proximal (McMahan et al. 2013) with online L2 and optional L2 shrinkage.

    Slots ``accum`` (squared gradients, starting at ``initial_accumulator_value``) and
    ``linear``; ``beta`` is folded into the l2 strength as TF does (l2 + beta / (2 lr)),
    and a positive ``l2_shrinkage_regularization_strength`` selects the ``*FtrlV2`` ops.
    """

    def __init__(self, learning_rate: Any, learning_rate_power: float = -0.5,
                 initial_accumulator_value: float = 0.1,
                 l1_regularization_strength: float = 0.0,
                 l2_regularization_strength: float = 0.0, use_locking: bool = False,
                 name: str = "Ftrl", accum_name: str | None = None,
                 linear_name: str | None = None,
                 l2_shrinkage_regularization_strength: float = 0.0,
                 beta: float | None = None):
        super().__init__(use_locking, name)
        _check_ftrl_arguments(initial_accumulator_value, learning_rate_power,
                              l1_regularization_strength, l2_regularization_strength,
                              l2_shrinkage_regularization_strength)
        self._learning_rate = learning_rate
        self._learning_rate_power = learning_rate_power
        self._initial_accumulator_value = initial_accumulator_value
        self._l1_regularization_strength = l1_regularization_strength
        self._l2_regularization_strength = l2_regularization_strength
        self._l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self._beta = 0.0 if beta is None else beta
        self._accum_name = accum_name
        self._linear_name = linear_name

    def _create_slots(self, var_list):
        for v in var_list:
            init = init_ops.Constant(self._initial_accumulator_value, dtype=v.dtype.base_dtype)
            self._get_or_make_slot(v, self._initial_accumulator_value, "accum",
                                   self._accum_name or self._name, init)
            self._zeros_slot(v, "linear", self._linear_name or self._name)

    def _prepare(self):
        """The hyperparameter tensors; TF converts them as given (no callables)."""
        lr = self._learning_rate
        self._learning_rate_tensor = convert_to_tensor(lr, name="learning_rate")
        self._l1_regularization_strength_tensor = convert_to_tensor(
            self._l1_regularization_strength, name="l1_regularization_strength")
        self._adjusted_l2_regularization_strength_tensor = convert_to_tensor(
            self._l2_regularization_strength + self._beta / (2. * math_ops.maximum(lr, 1e-36)),
            name="adjusted_l2_regularization_strength")
        self._l2_shrinkage_regularization_strength_tensor = convert_to_tensor(
            self._l2_shrinkage_regularization_strength,
            name="l2_shrinkage_regularization_strength")
        self._learning_rate_power_tensor = convert_to_tensor(self._learning_rate_power,
                                                             name="learning_rate_power")

    def _fused_update(self, grad, var, indices):
        """``ApplyFtrl`` (or, with L2 shrinkage, ``ApplyFtrlV2``) of either kind."""
        hypers = [self._learning_rate_tensor, self._l1_regularization_strength_tensor,
                  self._adjusted_l2_regularization_strength_tensor]
        op_name = "Ftrl"
        if self._l2_shrinkage_regularization_strength > 0.0:
            hypers.append(self._l2_shrinkage_regularization_strength_tensor)
            op_name += "V2"
        hypers.append(self._learning_rate_power_tensor)
        slots = [self.get_slot(var, "accum"), self.get_slot(var, "linear")]
        return _update_op(op_name, var, slots, grad, indices,
                          {"use_locking": self._use_locking},
                          tail=[self._hyper(t, grad) for t in hypers])


def _check_ftrl_arguments(initial_accumulator_value: float, learning_rate_power: float,
                          l1: float, l2: float, l2_shrinkage: float) -> None:
    """FtrlOptimizer's argument checks, in TF's order and with its messages."""
    for name, value, sign in (("initial_accumulator_value", initial_accumulator_value, 1),
                              ("learning_rate_power", learning_rate_power, -1),
                              ("l1_regularization_strength", l1, 1),
                              ("l2_regularization_strength", l2, 1),
                              ("l2_shrinkage_regularization_strength", l2_shrinkage, 1)):
        if sign * value < 0.0:
            allowed = "positive" if sign > 0 else "negative"
            raise ValueError(f"{name} {value:f} needs to be {allowed} or zero")


EXPORTS = {"train": ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer",
                     "AdamOptimizer", "AdagradOptimizer", "RMSPropOptimizer",
                     "AdadeltaOptimizer", "FtrlOptimizer"]}
