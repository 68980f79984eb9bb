"""The house's size limits (issue 16): no function body over 60 lines and no module over 450
lines in cnncalc/, so that every unit can be read on a screen or two."""

from __future__ import annotations

import ast
from pathlib import Path

import cnncalc

PACKAGE = Path(cnncalc.__file__).resolve().parent
MAX_MODULE_LINES = 450
MAX_BODY_LINES = 60


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the function's last line."""
    body = node.body
    first = body[0]
    docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    if docstring and len(body) > 1:
        first = body[1]
    return (node.end_lineno or first.lineno) - first.lineno + 1


# The message catalogues (messages/en.py, ko.py, …) are tables, one line a message, not code
# to read on a screen: they grow with every message the house writes (issue 16), so the module
# limit leaves them out.
CATALOGUE = PACKAGE / "messages"


def test_no_module_is_over_450_lines() -> None:
    code = [p for p in _modules() if p.parent != CATALOGUE or p.name == "__init__.py"]
    long = {str(p.relative_to(PACKAGE)): n for p in code
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}  # fmt: skip
    assert long == {}


def test_no_function_body_is_over_60_lines() -> None:
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if function and (n := _body_lines(node)) > MAX_BODY_LINES:
                long[f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}"] = n
    assert long == {}


def test_the_limits_see_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_BODY_LINES + 1))
    tree = ast.parse(f'def f():\n    """doc"""\n{body}\n')
    assert _body_lines(tree.body[0]) == MAX_BODY_LINES + 1  # type: ignore[arg-type]
