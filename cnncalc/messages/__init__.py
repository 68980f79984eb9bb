"""The message catalogue (DESIGN §8, issue 16): every human-facing string lives in one table
per language, keyed by a stable id such as `layers.unknown`; adding a language is one
more module beside `en.py` and one name in LANGUAGES.

`msg(key, **fields)` fills the message in the current language with str.format. A language
that lacks a key falls back to English (tests/test_messages.py fails when one does), and a key
missing in English is a bug that fails loudly (KeyError) rather than printing nothing.
"""

from __future__ import annotations

import importlib
import os

LANGUAGES = ("en", "ko")
DEFAULT = "en"
ENV = "CNNCALC_LANG"  # the environment variable that picks the language; --lang wins over it

_tables: dict[str, dict[str, str]] = {}
_current: str | None = None


def table(language: str) -> dict[str, str]:
    """The catalogue of one language: key → str.format template."""
    if language not in _tables:
        _tables[language] = importlib.import_module(f"cnncalc.messages.{language}").MESSAGES
    return _tables[language]


def language() -> str:
    """The language messages are written in: set_language's, else $CNNCALC_LANG's, else en."""
    global _current
    if _current is None:
        wanted = os.environ.get(ENV, "").strip().lower()
        _current = wanted if wanted in LANGUAGES else DEFAULT
    return _current


def set_language(language: str) -> None:
    """Write every later message in `language` (one of LANGUAGES; the caller checks it)."""
    global _current
    _current = language


def known(key: str) -> bool:
    """Whether the catalogue has `key` (a command written before its help was catalogued)."""
    return key in table(DEFAULT)


def msg(key: str, /, **fields: object) -> str:
    """The message `key` in the current language, its {fields} filled in."""
    template = table(language()).get(key)
    if template is None:
        template = table(DEFAULT)[key]
    return template.format(**fields)
