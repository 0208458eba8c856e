"""Summary ops output serialized protos: tested in test_summaries.py."""
SPECS: list = []
EXEMPT = {op: "tests/ops/test_summaries.py"
          for op in ("ScalarSummary", "HistogramSummary", "MergeSummary")}
