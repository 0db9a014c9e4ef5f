"""The layers and rooms import one way, and no module imports itself back (issue 10).

Read from the source with `ast`, so it covers every module, imports inside functions too,
without importing anything: udfs -> workbook -> engine; inside workbook, book <- files <-
excel, and headless and service above files; the CLI on top. A module may import only from
its own room and from rooms below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "workbook", "udfs")
EXCEL_PACKAGES = ("openpyxl", "xlwings", "xlsxwriter")

# Each room and the rooms it may import from (besides itself). `workbook` is the package's
# top level (`__init__`, `__main__`).
ALLOWED: dict[str, set[str]] = {
    "engine": set(),
    "workbook.book": {"engine"},
    "workbook.files": {"engine", "workbook.book"},
    "workbook.excel": {"engine", "workbook.book", "workbook.files"},
    "workbook.service": {"engine", "workbook.book", "workbook.files"},
    "workbook.headless": {"engine", "workbook.book", "workbook.files", "workbook.service"},
    "workbook.doctor": {"engine", "workbook.files", "workbook.headless"},
    "workbook.rollup": {"engine", "workbook.book", "workbook.files", "workbook.service"},
    "workbook.cli": {
        "engine",
        "workbook.book",
        "workbook.files",
        "workbook.service",
        "workbook.headless",
        "workbook.doctor",
        "workbook.rollup",
    },
    "workbook": {"workbook.cli"},
    "udfs": {
        "engine",
        "workbook.book",
        "workbook.files",
        "workbook.excel",
        "workbook.service",
    },
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every absolute module name `path` imports (at any depth of the code)."""
    names: set[str] = set()
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for block in ast.walk(tree):  # imports for type checkers only are not run
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test):
            block.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from workbook.book import schema` imports the module workbook.book.schema (its
            # package's __init__ comes along, as for any submodule, and is not counted)
            submodules = {f"{base}.{a.name}" for a in node.names} & MODULES.keys()
            names.update(submodules)
            if len(submodules) < len(node.names):
                names.add(base)
    return names


def _room(module: str) -> str:
    """The most specific key of ALLOWED that `module` belongs to."""
    best = ""
    for room in ALLOWED:
        if (module == room or module.startswith(room + ".")) and len(room) > len(best):
            best = room
    return best


def _own(names: set[str]) -> set[str]:
    return {n for n in names if n.split(".")[0] in PACKAGES and n in MODULES}


def test_every_module_is_in_a_room():
    assert MODULES, "no modules found"
    homeless = [m for m in MODULES if not _room(m)]
    assert homeless == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    room = _room(module)
    wrong = sorted(
        name
        for name in _own(_imports(MODULES[module]))
        if (other := _room(name)) != room and other not in ALLOWED[room]
    )
    assert wrong == [], f"{module} ({room}) imports {wrong}"


def test_engine_names_no_excel_package():
    for module, path in MODULES.items():
        if _room(module) == "engine":
            excel = {n for n in _imports(path) if n.split(".")[0] in EXCEL_PACKAGES}
            assert excel == set(), module


def test_no_import_cycles():
    graph = {m: _own(_imports(p)) - {m} for m, p in MODULES.items()}
    # A package's __init__ importing its own modules is not a cycle through them.
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
