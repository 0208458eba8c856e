"""TensorList ops carry variant handles, which the generic rows cannot feed: test_list_ops.py."""
SPECS: list = []
EXEMPT = {op: "tests/ops/test_list_ops.py"
          for op in ("EmptyTensorList", "TensorListPushBack", "TensorListPopBack")}
