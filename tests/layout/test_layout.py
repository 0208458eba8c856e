"""The repository layout keeps its promises: small modules, imports that only go down the
stack (proto <- graph <- ops <- session), and no import cycles at module level."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ("graph", "ops", "session", "sessionflow", "tools")
MAX_LINES = 800
# Modules over the limit today, each to be split along its seams (the list only shrinks).
OVERSIZE_ALLOWED: set[str] = set()
# Import cycles at module level today (each a sorted tuple of modules; the list only shrinks).
CYCLES_ALLOWED: set[tuple[str, ...]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for component in LIBRARY:
        for path in sorted((ROOT / component).rglob("*.py")):
            if path.name.endswith(("_pb2.py", "_pb2_grpc.py")):
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if parts[0] != "sessionflow":
                parts.insert(0, "sessionflow")
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _package_of(name: str) -> str:
    return name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]


def _imports(name: str, module_level_only: bool) -> set[str]:
    """Library modules that ``name`` imports (the deepest module each import names)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    targets = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package_of(name).split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                targets.add(candidate if candidate in MODULES else module)
        elif isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
    return {t for t in targets if t in MODULES}


def test_no_library_module_is_over_the_line_limit():
    oversize = {name for name, path in MODULES.items()
                if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES}
    assert oversize == OVERSIZE_ALLOWED


@pytest.mark.parametrize("component", ["graph", "ops"])
def test_imports_only_go_down_the_stack(component):
    above = {"graph": ("sessionflow.ops", "sessionflow.session", "sessionflow.tools"),
             "ops": ("sessionflow.session", "sessionflow.tools")}[component]
    upward = {(name, target) for name in MODULES if name.startswith(f"sessionflow.{component}")
              for target in _imports(name, module_level_only=False)
              if target.startswith(above)}
    assert not upward


def _cycles() -> set[tuple[str, ...]]:
    """Strongly connected components of the module-level import graph (Tarjan)."""
    graph = {name: _imports(name, module_level_only=True) for name in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.add(tuple(sorted(component)))

    for name in graph:
        if name not in index:
            visit(name)
    return components


def test_no_import_cycles_at_module_level():
    assert _cycles() == CYCLES_ALLOWED


def test_ops_top_level_holds_sub_packages_and_a_handful_of_framework_modules():
    top = [p for p in (ROOT / "ops").iterdir() if p.suffix == ".py" and p.name != "__init__.py"]
    assert len(top) <= 3, top
