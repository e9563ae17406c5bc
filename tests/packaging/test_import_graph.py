"""The package's layers point one way and its modules form no import cycle.

Read from the source with `ast`, so imports inside functions and under TYPE_CHECKING count too:
a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("operators", "pipeline", "synthworld")
# What each layer may import from the package, besides itself.
ALLOWED = {"operators": set(), "synthworld": {"operators"}, "pipeline": {"operators"}}
# The command line is the one front door: `drivexplain synth` and `demo` render synthetic clips.
FRONT_DOOR = {
    "drivexplain.pipeline.cli": {"synthworld"},
    "drivexplain.pipeline.commands": {"synthworld"},
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["drivexplain", *parts])


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    files = [p for layer in LAYERS for p in (ROOT / layer).rglob("*.py")]
    modules = {_module_name(p): p for p in files}
    return {name: {m for m in _imports(path) if m in modules} for name, path in modules.items()}


def _layer(module: str) -> str:
    return module.split(".")[1]


def test_layers_point_one_way() -> None:
    wrong = sorted(
        f"{src} imports {dst}"
        for src, targets in _graph().items()
        for dst in targets
        if _layer(dst) != _layer(src)
        and _layer(dst) not in ALLOWED[_layer(src)] | FRONT_DOOR.get(src, set())
    )
    assert not wrong, "wrong-way imports:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("folder", [*LAYERS, "tests", "benchmarks"])
def test_no_bare_top_level_imports(folder: str) -> None:
    """Everything imports through `drivexplain.`: a bare `operators` works only in a checkout."""
    bare = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / folder).rglob("*.py")
        for module in _imports(path)
        if module.split(".")[0] in LAYERS
    )
    assert not bare, "\n".join(bare)


def test_the_graph_sees_the_package() -> None:
    """Guards the test itself: an empty graph would pass everything above."""
    graph = _graph()
    assert "drivexplain.operators.attribution" in graph
    assert "drivexplain.operators.config" in graph["drivexplain.pipeline.run"]


def test_pyproject_lists_every_package() -> None:
    """pyproject names the wheel's packages one by one, so a new subfolder left off that list
    would import in a checkout and be missing from the wheel; `test_wheel` only sees that under
    `-m slow`."""
    from setuptools.config.pyprojecttoml import read_configuration

    listed = set(read_configuration(ROOT / "pyproject.toml")["tool"]["setuptools"]["packages"])
    folders = {_module_name(p) for layer in LAYERS for p in (ROOT / layer).rglob("__init__.py")}
    assert folders - listed == set()
    assert listed - folders == {"drivexplain"}
