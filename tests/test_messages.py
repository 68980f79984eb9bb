"""The message catalogue (issue 16): one table per language, the same keys and fields in each,
and every key the code asks for defined."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from cnncalc import messages
from cnncalc.messages import LANGUAGES, msg, table

PACKAGE = Path(messages.__file__).resolve().parent.parent


def _fields(template: str) -> set[str]:
    """The {fields} a template fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _keys_used() -> dict[str, str]:
    """Every literal key passed to msg() in the package → where."""
    used: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "msg" and node.args
                    and isinstance(node.args[0], ast.Constant)):  # fmt: skip
                used[node.args[0].value] = f"{path.relative_to(PACKAGE)}:{node.lineno}"
    return used


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_language_has_every_key_and_no_other(language: str) -> None:
    en, other = table("en"), table(language)
    assert sorted(set(en) - set(other)) == [], f"keys missing in {language}.py"
    assert sorted(set(other) - set(en)) == [], f"keys in {language}.py that en.py lacks"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_fill_the_same_fields(language: str) -> None:
    en, other = table("en"), table(language)
    wrong = {k: (_fields(en[k]), _fields(v)) for k, v in other.items()
             if k in en and _fields(en[k]) != _fields(v)}  # fmt: skip
    assert wrong == {}


def test_every_key_the_code_asks_for_is_in_english() -> None:
    missing = {k: where for k, where in _keys_used().items() if k not in table("en")}
    assert missing == {}


def test_a_missing_key_fails_loudly() -> None:
    with pytest.raises(KeyError):
        msg("no.such.key")


# The exceptions that carry a user's message (DESIGN §7), and the helpers that make one.
ERRORS = {"CnnCalcError", "DslError", "SpecFileError", "ShapeError", "UnitError",
          "CnnCalcTypeError", "CnnCalcValueError", "InternalError"}  # fmt: skip
ERROR_HELPERS = {"error", "fail"}  # ArgReader.error, _Walk.error, the spec loader's Failer


def _inline(node: ast.AST) -> bool:
    """Whether an argument is message text written in place: a literal with words, or an
    f-string."""
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def test_no_error_message_is_written_inline() -> None:
    """issue 16: every message an error carries comes from msg(), so that --lang ko reaches it."""
    inline = []
    for path in PACKAGE.rglob("*.py"):
        if "messages" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = _callee(node)
            if (name in ERRORS or name in ERROR_HELPERS) and any(map(_inline, node.args[:2])):
                inline.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}")
    assert inline == []


def _keys_named() -> tuple[set[str], set[tuple[str, str]]]:
    """Every string constant in the package outside the catalogue (a key passed to msg, or
    kept in a constant such as Res.TOO_MANY), and the fixed head and tail of every f-string
    shaped like a key (msg(f"render.column.{key}") uses every key that starts
    'render.column.'; f"cli.{name}.help" every 'cli.….help')."""
    constants: set[str] = set()
    patterns: set[tuple[str, str]] = set()
    for path in PACKAGE.rglob("*.py"):
        if "messages" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            if isinstance(node, ast.JoinedStr):
                first, last = node.values[0], node.values[-1]
                head = first.value if isinstance(first, ast.Constant) else ""
                tail = last.value if isinstance(last, ast.Constant) and last is not first else ""
                if "." in head + tail and " " not in head + tail:  # f"{command}.help" too
                    patterns.add((head, tail))
    return constants, patterns


# Keys landed ahead of the code that uses them: none now (issue 10's export has landed).
AHEAD: set[str] = set()


def test_every_english_key_is_used() -> None:
    constants, patterns = _keys_named()
    unused = [key for key in table("en") if key not in constants and key not in AHEAD
              and not any(key.startswith(h) and key.endswith(t) for h, t in patterns)]  # fmt: skip
    assert unused == []
