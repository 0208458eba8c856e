"""``tf.losses`` (TF1's losses_impl): weighted, reduced losses added to the LOSSES collection.

Built from ``tf.nn`` ops only (no op types of their own); computed in float32 and cast
back, with TF's reduction semantics (``Reduction``).
"""
from __future__ import annotations

from ...graph import dtypes
from ...graph.core import Tensor
from ...graph.graph import get_default_graph, name_scope
from ...graph.graph_keys import GraphKeys
from ...graph.op_builder import apply_op, convert_to_tensor
from ..framework.deprecation import deprecated_argument_lookup
from ..array import array_ops, fill_ops
from ..math import math_ops, reduction_ops
from ..nn.loss_ops import (_last_dim, sigmoid_cross_entropy_with_logits,
                           softmax_cross_entropy_with_logits_v2,
                           sparse_softmax_cross_entropy_with_logits)


class Reduction:
    """How ``tf.losses`` reduce weighted per-element losses (TF1's string keys)."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls) -> tuple:
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key: str) -> None:
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}. Key should be one of {cls.all()}.")


def _check_broadcastable(weights: Tensor, values: Tensor) -> None:
    """TF's static ``assert_broadcastable``: weights scalar, or same rank with dims 1 or equal.

    The dynamic form (an Assert op) is not built; a bad shape then fails in the Mul.
    """
    w, v = weights.shape, values.shape
    if w.rank is None or v.rank is None or w.rank == 0:
        return
    prefix = "weights can not be broadcast to values."
    if w.rank != v.rank:
        raise ValueError(f"{prefix} values.rank={v.rank}. weights.rank={w.rank}. "
                         f"values.shape={v}. weights.shape={w}. Received weights={weights}, "
                         f"values={values}")
    if w.is_fully_defined() and v.is_fully_defined():
        for i, (wd, vd) in enumerate(zip(w.as_list(), v.as_list())):
            if wd not in (1, vd):
                raise ValueError(f"{prefix} Mismatch at dim {i}. values.shape={v.as_list()}, "
                                 f"weights.shape={w.as_list()}. Received weights={weights}, "
                                 f"values={values}")


def _broadcast_weights(weights: Tensor, values: Tensor) -> Tensor:
    """TF's ``broadcast_weights``: weights * ones_like(values) unless shapes already match."""
    with name_scope(None, "broadcast_weights", (weights, values)):
        weights = convert_to_tensor(weights, dtype=values.dtype.base_dtype, name="weights")
        if weights.shape.is_fully_defined() and values.shape.is_fully_defined() and \
                weights.shape.is_compatible_with(values.shape):
            return weights
        _check_broadcastable(weights, values)
        return math_ops.multiply(weights, fill_ops.ones_like(values))


def _safe_mean(losses: Tensor, num_present: Tensor) -> Tensor:
    return math_ops.div_no_nan(reduction_ops.reduce_sum(losses), num_present, name="value")


def _num_present(losses: Tensor, weights: Tensor) -> Tensor:
    """How many loss elements have a nonzero (broadcast) weight, as float32."""
    with name_scope(None, "num_present", (losses, weights)) as scope:
        weights = math_ops.cast(weights, dtypes.float32)
        present = math_ops.select(math_ops.equal(weights, 0.0), fill_ops.zeros_like(weights),
                                  fill_ops.ones_like(weights))
        return reduction_ops.reduce_sum(_broadcast_weights(present, losses), name=scope)


def _num_elements(losses: Tensor) -> Tensor:
    with name_scope(None, "num_elements", [losses]) as scope:
        return math_ops.cast(array_ops.size(losses, name=scope), losses.dtype)


def _reduce_weighted(losses: Tensor, weights: Tensor, reduction: str) -> Tensor:
    weighted = math_ops.multiply(losses, weights)
    if reduction == Reduction.NONE:
        return weighted
    loss = reduction_ops.reduce_sum(weighted)
    if reduction == Reduction.MEAN:
        return _safe_mean(loss, reduction_ops.reduce_sum(
            math_ops.multiply(fill_ops.ones_like(losses), weights)))
    if reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
        return _safe_mean(loss, _num_present(losses, weights))
    if reduction == Reduction.SUM_OVER_BATCH_SIZE:
        return _safe_mean(loss, _num_elements(losses))
    return loss


def compute_weighted_loss(losses, weights=1.0, scope: str | None = None,
                          loss_collection: str = GraphKeys.LOSSES,
                          reduction: str = Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Weights ``losses`` (computed in float32), reduces them and adds the result to
    ``loss_collection``; returned in the losses' dtype."""
    Reduction.validate(reduction)
    with name_scope(scope, "weighted_loss", (losses, weights)):
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype.base_dtype
        losses = math_ops.cast(losses, dtypes.float32)
        weights = math_ops.cast(weights, dtypes.float32)
        _check_broadcastable(weights, losses)
        loss = math_ops.cast(_reduce_weighted(losses, weights, reduction), input_dtype)
        add_loss(loss, loss_collection)
        return loss


def add_loss(loss, loss_collection: str = GraphKeys.LOSSES) -> None:
    """Adds ``loss`` to the default graph's ``loss_collection`` (if one is given)."""
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope: str | None = None, loss_collection: str = GraphKeys.LOSSES) -> list:
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope: str | None = None) -> list:
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope: str | None = None,
                            name: str = "total_regularization_loss") -> Tensor:
    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return convert_to_tensor(0.0)


def get_total_loss(add_regularization_losses: bool = True, name: str = "total_loss",
                   scope: str | None = None) -> Tensor:
    """The sum of the collected losses (and regularization losses); ValueError if none."""
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses += get_regularization_losses(scope=scope)
    return math_ops.add_n(losses, name=name)


def _require(**args) -> None:
    for arg_name, value in args.items():
        if value is None:
            raise ValueError(f"Argument `{arg_name}` must not be None.")


def _pointwise_loss(fn, default_scope: str, labels, predictions, weights, scope,
                    loss_collection, reduction) -> Tensor:
    """The shared body of the elementwise losses: float32 inputs of compatible shapes,
    ``fn(labels, predictions)`` per element, then ``compute_weighted_loss``."""
    with name_scope(scope, default_scope, (predictions, labels, weights)) as scope:
        predictions = math_ops.cast(predictions, dtypes.float32)
        labels = math_ops.cast(labels, dtypes.float32)
        predictions.shape.assert_is_compatible_with(labels.shape)
        return compute_weighted_loss(fn(labels, predictions), weights, scope, loss_collection,
                                     reduction=reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    _require(labels=labels, predictions=predictions)
    return _pointwise_loss(lambda y, p: math_ops.abs(math_ops.subtract(p, y)),
                           "absolute_difference", labels, predictions, weights, scope,
                           loss_collection, reduction)


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    _require(labels=labels, predictions=predictions)
    return _pointwise_loss(lambda y, p: math_ops.squared_difference(p, y),
                           "mean_squared_error", labels, predictions, weights, scope,
                           loss_collection, reduction)


def _huber(labels: Tensor, predictions: Tensor, delta: float) -> Tensor:
    """0.5 * q**2 + delta * (|e| - q) with q = min(|e|, delta): zero slope of the linear
    part at |e| == delta, as TF writes it."""
    abs_error = math_ops.abs(math_ops.subtract(predictions, labels))
    quadratic = math_ops.minimum(abs_error, delta)
    linear = math_ops.subtract(abs_error, quadratic)
    half = convert_to_tensor(0.5, dtype=quadratic.dtype)
    return math_ops.add(math_ops.multiply(half, math_ops.multiply(quadratic, quadratic)),
                        math_ops.multiply(delta, linear))


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    _require(labels=labels, predictions=predictions)
    return _pointwise_loss(lambda y, p: _huber(y, p, delta), "huber_loss", labels,
                           predictions, weights, scope, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    _require(labels=labels, predictions=predictions)

    def fn(y, p):
        return -math_ops.multiply(y, math_ops.log(p + epsilon)) - math_ops.multiply(
            (1 - y), math_ops.log(1 - p + epsilon))
    return _pointwise_loss(fn, "log_loss", labels, predictions, weights, scope,
                           loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """relu(1 - (2 * labels - 1) * logits) for 0/1 labels."""
    _require(labels=labels, logits=logits)

    def fn(y, x):
        all_ones = fill_ops.ones_like(y)
        signs = math_ops.subtract(2 * y, all_ones)
        return apply_op("Relu", [math_ops.subtract(all_ones, math_ops.multiply(signs, x))])
    return _pointwise_loss(fn, "hinge_loss", labels, logits, weights, scope, loss_collection,
                           reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None,
                    loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
                    dim=None) -> Tensor:
    """1 - sum(labels * predictions, axis) for unit-normalized inputs (axis kept, size 1)."""
    axis = deprecated_argument_lookup("axis", axis, "dim", dim)
    if axis is None:
        raise ValueError("You must specify argument `axis`.")
    _require(labels=labels, predictions=predictions)

    def fn(y, p):
        return 1 - reduction_ops.reduce_sum(math_ops.multiply(p, y), axis=(axis,),
                                            keepdims=True)
    return _pointwise_loss(fn, "cosine_distance_loss", labels, predictions, weights, scope,
                           loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Sigmoid cross entropy; labels are smoothed toward 1/2 by ``label_smoothing``."""
    _require(multi_class_labels=multi_class_labels, logits=logits)
    with name_scope(scope, "sigmoid_cross_entropy_loss",
                    (logits, multi_class_labels, weights)) as scope:
        logits = convert_to_tensor(logits)
        labels = math_ops.cast(multi_class_labels, logits.dtype)
        logits.shape.assert_is_compatible_with(labels.shape)
        if label_smoothing > 0:
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = sigmoid_cross_entropy_with_logits(labels=labels, logits=logits,
                                                   name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Softmax cross entropy; labels smoothed to (1 - s) * y + s / num_classes."""
    _require(onehot_labels=onehot_labels, logits=logits)
    with name_scope(scope, "softmax_cross_entropy_loss",
                    (logits, onehot_labels, weights)) as scope:
        logits = convert_to_tensor(logits)
        labels = math_ops.cast(onehot_labels, logits.dtype)
        logits.shape.assert_is_compatible_with(labels.shape)
        if label_smoothing > 0:
            last = _last_dim(labels)
            num_classes = math_ops.cast(last if isinstance(last, int)
                                        else array_ops.reshape(last, []), logits.dtype)
            labels = labels * (1.0 - label_smoothing) + label_smoothing / num_classes
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
        losses = softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits,
                                                      name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


def _squeeze_last(t: Tensor, cond: bool) -> Tensor:
    return array_ops.squeeze(t, [-1]) if cond else t


def _last_may_be_1(t: Tensor) -> bool:
    return t.shape.rank > 0 and t.shape[-1] in (None, 1)


def _remove_squeezable_dimensions(labels, logits, weights):
    """TF's static-rank rule for sparse labels: drop a trailing size-1 dim from logits,
    labels or weights that has one dimension too many. Unknown ranks are left alone."""
    labels, logits = convert_to_tensor(labels), convert_to_tensor(logits)
    weights = convert_to_tensor(weights)
    if labels.shape.rank is not None and logits.shape.rank is not None:
        diff = logits.shape.rank - labels.shape.rank
        logits = _squeeze_last(logits, diff == 2 and _last_may_be_1(logits))
        labels = _squeeze_last(labels, diff == 0 and _last_may_be_1(labels))
    if labels.shape.rank is not None and weights.shape.rank is not None:
        weights = _squeeze_last(weights, weights.shape.rank - labels.shape.rank == 1)
    return labels, logits, weights


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """Cross entropy with integer class ids ``labels`` of rank ``rank(logits) - 1``."""
    _require(labels=labels, logits=logits)
    with name_scope(scope, "sparse_softmax_cross_entropy_loss",
                    (logits, labels, weights)) as scope:
        labels, logits, weights = _remove_squeezable_dimensions(labels, logits, weights)
        losses = sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits,
                                                          name="xentropy")
        return compute_weighted_loss(losses, weights, scope, loss_collection,
                                     reduction=reduction)


EXPORTS = {"losses": ["Reduction", "absolute_difference", "add_loss", "compute_weighted_loss",
                      "cosine_distance", "get_losses", "get_regularization_loss",
                      "get_regularization_losses", "get_total_loss", "hinge_loss", "huber_loss",
                      "log_loss", "mean_squared_error", "sigmoid_cross_entropy",
                      "softmax_cross_entropy", "sparse_softmax_cross_entropy"]}
