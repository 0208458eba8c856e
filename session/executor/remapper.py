"""Fuses chains of ops into one plan step, as TensorFlow's grappler remapper does.

Each chain becomes one step of a fused op type declared like any other op (its OpDef,
shape function and kernel in ``ops/nn/fused_ops``); this module only matches the
patterns and says which op type replaces them:

- ``Conv2D``/``MatMul`` -> bias add -> ``Relu``: TF's ``_FusedConv2D``/``_FusedMatMul``
  with ``fused_ops = ["BiasAdd", "Relu"]``, the bias add and Relu in place on each
  cache-sized piece of the product's fresh output.
- ``MaxPoolGrad`` -> ``ReluGrad`` masked by the pool's own input (a Relu output, in a
  conv net): the sessionflow-internal ``_FusedMaxPoolGradReluGrad``.

The graph is not changed; only the plan's steps are.  A chain is fused only when its
intermediate values are used by nothing but the next op of the chain and by shape ops
(which get the fused output: same shape and dtype), are neither fed nor fetched, and the
fused op's OpDef allows the chain's dtype.
"""
from __future__ import annotations

import heapq
from typing import Callable, Sequence

from ...graph import op_registry
from ...graph.core import Operation, Tensor
from ...graph.serialization import attr_value

_PRODUCTS = {"Conv2D": "_FusedConv2D", "MatMul": "_FusedMatMul"}
_BIAS_ADDS = frozenset({"BiasAdd", "Add", "AddV2"})
_SHAPE_OPS = frozenset({"Shape", "ShapeN", "Size", "Rank"})


class FusedNode:
    """A plan step of a fused op type standing for a chain of ops (the first does the main
    work, the last gives the output); looks enough like an Operation for the plan builder,
    kernel binding, tracing and error messages.  Its attrs are the first op's that the
    fused OpDef has, then ``attrs``, then the OpDef's defaults.  ``aliases`` are the
    chain's inner values, which shape ops may read: they get the fused output's slot."""

    def __init__(self, fused_type: str, chain: list, inputs: list, attrs: dict):
        self.chain = chain
        self._type = fused_type
        self._op_def = op_registry.get_op_def(fused_type)
        self._inputs = inputs
        self._outputs = list(chain[-1]._outputs)
        self._control_inputs = list(dict.fromkeys(c for op in chain for c in op._control_inputs))
        self._attrs = {a.name: chain[0]._attrs[a.name] for a in self._op_def.attr
                       if a.name in chain[0]._attrs}
        self._attrs.update(attrs)
        for a in self._op_def.attr:
            if a.name not in self._attrs and a.HasField("default_value"):
                self._attrs[a.name] = attr_value.from_proto(a.default_value)
        self.aliases = [op._outputs[0] for op in chain[:-1]]

    @property
    def name(self) -> str:
        """The first op's name: errors and traces point at the op doing the work."""
        return self.chain[0].name

    @property
    def type(self) -> str:
        return self._type

    @property
    def inputs(self) -> list:
        return self._inputs

    @property
    def attrs(self) -> dict:
        return self._attrs

    def where(self) -> str:
        return self.chain[0].where()

    def bind(self, bind_kernel: Callable, ctx) -> Callable:
        """The fused op type's registered kernel, bound as any op's is."""
        return bind_kernel(self, ctx)


def _allows(op_type: str, dtype) -> bool:
    """Whether ``op_type``'s OpDef allows ``dtype`` for its ``T`` attr."""
    for a in op_registry.get_op_def(op_type).attr:
        if a.name == "T" and a.HasField("allowed_values"):
            return dtype.base_dtype.as_datatype_enum in a.allowed_values.list.type
    return True


def _only_used_by(t: Tensor, user: Operation, plan: set, keep: set) -> bool:
    if t in keep:
        return False
    for c in t.consumers():
        if c in plan and c is not user and c._type not in _SHAPE_OPS:
            return False
    return True


def _format(op: Operation) -> str:
    fmt = op._attrs.get("data_format", "NHWC")
    return fmt.decode() if isinstance(fmt, bytes) else fmt


def _bias_relu_chain(relu: Operation, plan: set, keep: set, controlling: set
                     ) -> FusedNode | None:
    """The product -> bias add -> Relu node ending at ``relu``, or None."""
    if relu._type != "Relu":
        return None
    add_out = relu._inputs[0]
    add = add_out._op
    if add._type not in _BIAS_ADDS or add not in plan or len(add._inputs) != 2:
        return None
    if add._type == "BiasAdd" and _format(add) != "NHWC":
        return None
    for prod_out, bias in (add._inputs, add._inputs[::-1]):
        product = prod_out._op
        if product._type in _PRODUCTS and product in plan:
            break
    else:
        return None
    if product._type == "Conv2D" and _format(product) != "NHWC":
        return None
    channels = prod_out._shape.dims[-1] if prod_out._shape.dims else None
    fused_type = _PRODUCTS[product._type]
    if (bias._shape.dims is None or len(bias._shape.dims) != 1 or channels is None
            or bias._shape.dims[0] != channels or prod_out._dtype != bias._dtype
            or prod_out._dtype.base_dtype.np_dtype.kind != "f"
            or not _allows(fused_type, prod_out._dtype)):
        return None
    if not (_only_used_by(prod_out, add, plan, keep) and _only_used_by(add_out, relu, plan, keep)
            and product not in controlling and add not in controlling):
        return None
    attrs = {"fused_ops": ["BiasAdd", "Relu"], "num_args": 1, "epsilon": 0.0}
    if fused_type == "_FusedConv2D":
        attrs["TArgs"] = [bias._dtype.base_dtype]
    return FusedNode(fused_type, [product, add, relu], list(product._inputs) + [bias], attrs)


def _max_pool_relu_grad_chain(relu_grad: Operation, plan: set, keep: set, controlling: set
                              ) -> FusedNode | None:
    """The MaxPoolGrad -> ReluGrad node ending at ``relu_grad``, or None."""
    if relu_grad._type != "ReluGrad":
        return None
    pooled_grad, features = relu_grad._inputs
    pool_grad = pooled_grad._op
    if (pool_grad._type != "MaxPoolGrad" or pool_grad not in plan
            or pool_grad._inputs[0] is not features
            or not _only_used_by(pooled_grad, relu_grad, plan, keep)
            or pool_grad in controlling):
        return None
    return FusedNode("_FusedMaxPoolGradReluGrad", [pool_grad, relu_grad],
                     list(pool_grad._inputs), {})


_CHAINS = (_bias_relu_chain, _max_pool_relu_grad_chain)


def remap(order: Sequence[Operation], fed: set, fetched: Sequence[Tensor]) -> list:
    """``order`` with each fusable chain replaced by one ``FusedNode``, re-sorted so every
    node follows what it reads (shape ops of the fused values follow the fused node)."""
    plan = set(order)
    keep = set(fed) | set(fetched)
    controlling = {c for op in order for c in op._control_inputs}   # must stay ops
    fused = {}
    for op in order:
        for chain in _CHAINS:
            node = chain(op, plan, keep, controlling)
            if node is not None:
                fused[op] = node
                break
    if not fused:
        return list(order)
    replaced = {}
    for node in fused.values():
        for op in node.chain:
            replaced[op] = node
    nodes = list(dict.fromkeys(replaced.get(op, op) for op in order))
    return _topological(nodes, replaced, fed)


def _topological(nodes: list, replaced: dict, fed: set) -> list:
    """Kahn's algorithm over ``nodes``, taking the earliest ready node in their given
    order first."""
    index = {n: i for i, n in enumerate(nodes)}
    users: dict = {n: [] for n in nodes}
    count = {}
    for n in nodes:
        deps = {replaced.get(t._op, t._op) for t in n._inputs if t not in fed}
        deps.update(replaced.get(c, c) for c in n._control_inputs)
        deps = {d for d in deps if d in index and d is not n}
        count[n] = len(deps)
        for d in deps:
            users[d].append(n)
    ready = [index[n] for n in nodes if count[n] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        n = nodes[heapq.heappop(ready)]
        order.append(n)
        for u in users[n]:
            count[u] -= 1
            if count[u] == 0:
                heapq.heappush(ready, index[u])
    return order
