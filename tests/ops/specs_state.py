"""Variable and checkpoint ops are stateful (they need initialization or files): tested in
test_variables.py (ResourceScatterAdd's errors in test_optimizers.py) and
tests/training/test_saver.py."""
SPECS: list = []
_WHERE = "tests/ops/test_variables.py"
EXEMPT = {op: _WHERE for op in (
    "VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp",
    "AssignSubVariableOp", "VarIsInitializedOp", "ResourceGather", "VariableV2", "Assign",
    "AssignAdd", "AssignSub", "IsVariableInitialized")}
EXEMPT.update({f"{prefix}Scatter{kind}":
               f"{_WHERE} (test_scatter_updates_apply_repeated_rows_in_turn[{kind.lower()}-*])"
               for prefix in ("", "Resource")
               for kind in ("Add", "Sub", "Mul", "Div", "Min", "Max", "Update")})
EXEMPT.update({op: "tests/training/test_saver.py"
               for op in ("SaveV2", "RestoreV2", "MergeV2Checkpoints")})
