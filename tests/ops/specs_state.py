"""Variable ops are stateful and need initialization: tested in test_variables.py."""
SPECS: list = []
_WHERE = "tests/ops/test_variables.py"
EXEMPT = {op: _WHERE for op in (
    "VarHandleOp", "ReadVariableOp", "AssignVariableOp", "AssignAddVariableOp",
    "AssignSubVariableOp", "VarIsInitializedOp", "ResourceGather", "VariableV2", "Assign",
    "AssignAdd", "AssignSub")}
