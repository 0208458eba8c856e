"""Math ops: elementwise math, matrix products, reductions, ordering and scans, clipping,
linear-algebra composites."""
