"""Array op families: shapes, reshapes, concatenation, slicing, gathers and scatters, tensor lists."""
