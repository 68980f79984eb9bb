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
