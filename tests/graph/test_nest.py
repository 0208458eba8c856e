"""tf.nest: flatten / pack_sequence_as / map_structure / assert_same_structure."""
import collections

import pytest

import sessionflow as tf

Point = collections.namedtuple("Point", ["x", "y"])


def test_flatten_orders_dict_values_by_key_and_treats_none_and_strings_as_leaves():
    structure = {"b": [1, (2, None)], "a": "text", "c": Point(3, {"z": 4, "y": 5})}
    assert tf.nest.flatten(structure) == ["text", 1, 2, None, 3, 5, 4]
    assert tf.nest.flatten(7) == [7]
    assert tf.nest.flatten({"w": 1, "v": 2}.values()) == [1, 2]


def test_pack_sequence_as_rebuilds_types_and_dict_insertion_order():
    structure = {"b": [1, (2, 3)], "a": Point(4, 5)}
    packed = tf.nest.pack_sequence_as(structure, [10, 20, 30, 40, 50])
    assert packed == {"b": [30, (40, 50)], "a": Point(10, 20)}
    assert list(packed) == ["b", "a"] and isinstance(packed["a"], Point)
    ordered = collections.OrderedDict([("y", 1), ("x", 2)])
    assert tf.nest.pack_sequence_as(ordered, ["X", "Y"]) == collections.OrderedDict(
        [("y", "Y"), ("x", "X")])
    with pytest.raises(ValueError, match="Structure had 2 atoms, but flat_sequence had 3"):
        tf.nest.pack_sequence_as([1, 2], [1, 2, 3])


def test_map_structure_and_assert_same_structure():
    assert tf.nest.map_structure(lambda a, b: a + b, [1, {"k": 2}], [10, {"k": 20}]) == \
        [11, {"k": 22}]
    with pytest.raises(ValueError, match="same nested structure"):
        tf.nest.assert_same_structure([1, [2]], [1, 2])
    with pytest.raises(TypeError, match="same sequence type"):
        tf.nest.assert_same_structure([1, 2], (1, 2))
    tf.nest.assert_same_structure([1, 2], (3, 4), check_types=False)
    with pytest.raises(ValueError, match="same set of keys"):
        tf.nest.assert_same_structure({"a": 1}, {"b": 1})


def test_minimize_accepts_a_dict_view_of_variables():
    with tf.Graph().as_default():
        weights = {"w": tf.Variable(2.0), "b": tf.Variable(1.0)}
        loss = tf.square(weights["w"] * 3.0 + weights["b"])
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=weights.values())
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            w, b = sess.run([weights["w"], weights["b"]])
    assert w == pytest.approx(2.0 - 0.1 * 2 * 7 * 3) and b == pytest.approx(1.0 - 0.1 * 2 * 7)
