"""Fuses Conv2D/MatMul + bias add + Relu into one plan step, as TensorFlow's grappler
remapper does (``_FusedConv2D``, ``_FusedMatMul``).

The fused step computes the product, then adds the bias and applies Relu in place on its
fresh output, in cache-sized chunks: two full passes over memory and two allocations less
than running the three ops.  The graph is not changed; only the plan's steps are.  A
chain is fused only when the product's and the sum's values are used by nothing but the
next op of the chain and by shape ops (which get the fused output: same shape and dtype),
are neither fed nor fetched, and the bias is a vector as long as the product's channels.
"""
from __future__ import annotations

import heapq
from typing import Callable, Sequence

from ..graph.core import Operation, Tensor
from ..ops.nn_conv_ops import fused_conv2d_bias_relu_kernel
from ..ops.nn_ops import bias_relu_epilogue

_PRODUCTS = {"Conv2D": "_FusedConv2D", "MatMul": "_FusedMatMul"}
_BIAS_ADDS = frozenset({"BiasAdd", "Add", "AddV2"})
_SHAPE_OPS = frozenset({"Shape", "ShapeN", "Size", "Rank"})


class FusedNode:
    """A plan step standing for ``product -> bias add -> Relu``; looks enough like an
    Operation for the plan builder, tracing and error messages."""

    def __init__(self, product: Operation, bias_add: Operation, relu: Operation,
                 bias: Tensor):
        self.product, self.bias_add, self.relu, self.bias = product, bias_add, relu, bias
        self._inputs = list(product._inputs) + [bias]
        self._outputs = list(relu._outputs)
        self._control_inputs = list(dict.fromkeys(
            product._control_inputs + bias_add._control_inputs + relu._control_inputs))
        self._type = _PRODUCTS[product._type]
        self._attrs: dict = {}
        self.aliases = [product._outputs[0], bias_add._outputs[0]]   # get the fused output

    @property
    def name(self) -> str:
        """The product's name: errors and traces point at the op doing the work."""
        return self.product.name

    @property
    def type(self) -> str:
        return self._type

    @property
    def inputs(self) -> list:
        return self._inputs

    def where(self) -> str:
        return self.product.where()

    def bind(self, bind_kernel: Callable, ctx) -> Callable:
        """The fused kernel: a Conv2D applies the epilogue piece by piece as it computes;
        a MatMul's fresh result gets it afterwards."""
        if self.product._type == "Conv2D":
            return fused_conv2d_bias_relu_kernel(self.product, ctx)
        product = bind_kernel(self.product, ctx)

        def kernel(a, b, bias):
            y = product(a, b)
            bias_relu_epilogue(bias)(y)
            return y
        return kernel


def _only_used_by(t: Tensor, user: Operation, plan: set, keep: set) -> bool:
    if t in keep:
        return False
    for c in t.consumers():
        if c in plan and c is not user and c._type not in _SHAPE_OPS:
            return False
    return True


def _no_control_dependents(op: Operation, plan: set) -> bool:
    return not any(op in c._control_inputs for c in plan)


def _format(op: Operation) -> str:
    fmt = op._attrs.get("data_format", "NHWC")
    return fmt.decode() if isinstance(fmt, bytes) else fmt


def _fusable(relu: Operation, plan: set, keep: set) -> FusedNode | None:
    """The fused node ending at ``relu``, or None when the chain does not qualify."""
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
    if (bias._shape.dims is None or len(bias._shape.dims) != 1 or channels is None
            or bias._shape.dims[0] != channels or prod_out._dtype != bias._dtype
            or prod_out._dtype.base_dtype.np_dtype.kind != "f"):
        return None
    if not (_only_used_by(prod_out, add, plan, keep) and _only_used_by(add_out, relu, plan, keep)
            and _no_control_dependents(product, plan) and _no_control_dependents(add, plan)):
        return None
    return FusedNode(product, add, relu, bias)


def remap(order: Sequence[Operation], fed: set, fetched: Sequence[Tensor]) -> list:
    """``order`` with each fusable chain replaced by one ``FusedNode``, re-sorted so every
    node follows what it reads (shape ops of the fused values follow the fused node)."""
    plan = set(order)
    keep = set(fed) | set(fetched)
    fused = {}
    for op in order:
        node = _fusable(op, plan, keep)
        if node is not None:
            fused[op] = node
    if not fused:
        return list(order)
    replaced = {}
    for node in fused.values():
        for op in (node.product, node.bias_add, node.relu):
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
