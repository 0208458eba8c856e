"""Variable and checkpoint ops are stateful (they need initialization or files): tested in
test_variables.py and tests/training/test_saver.py."""
SPECS: list = []
_WHERE = "tests/ops/test_variables.py"
EXEMPT = {op: _WHERE for op in (
    "VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp",
    "AssignSubVariableOp", "VarIsInitializedOp", "ResourceGather", "VariableV2", "Assign",
    "AssignAdd", "AssignSub")}
EXEMPT.update({op: "tests/training/test_saver.py"
               for op in ("SaveV2", "RestoreV2", "MergeV2Checkpoints")})
