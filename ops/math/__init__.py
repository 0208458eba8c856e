"""Math op families: elementwise math, matrix products, reductions, ordering and scans."""
