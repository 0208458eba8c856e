"""Array ops: shapes and reshapes, fills and broadcasts, concat/split/tile/pad, sequences,
slicing, gathers/scatters/segment sums, tensor lists."""
