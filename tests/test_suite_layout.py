"""The test suite's own layout: test modules share code through tests/support (and fixtures through conftest.py),
never by importing another test module or conftest, so each can move or go without breaking the others."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FORBIDDEN = ("tests.test_", "tests.conftest")


def _imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the tests package
                base = "tests" if path.parent == TESTS else "tests.support"
                names.append(f"{base}.{node.module}" if node.module else base)
                names += [f"{base}.{alias.name}" for alias in node.names if not node.module]
            elif node.module == "tests":
                names += [f"tests.{alias.name}" for alias in node.names]
            else:
                names.append(node.module or "")
    return names


def test_no_module_imports_a_test_module_or_conftest():
    modules = sorted([*TESTS.glob("*.py"), *(TESTS / "support").glob("*.py")])
    assert len(modules) > 50
    offending = {
        str(path.relative_to(TESTS)): names
        for path in modules
        if (names := [name for name in _imported_modules(path) if name.startswith(FORBIDDEN)])
    }
    assert offending == {}, f"move what these need into tests/support: {offending}"
