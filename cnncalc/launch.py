"""The console script and `python -m cnncalc`: pick the message language, then run the CLI.

typer builds the commands' help texts when cnncalc.cli is imported, so the language (--lang
anywhere on the command line, else $CNNCALC_LANG, else English; issue 12) must be known before
that import. An unknown language is a user mistake: one message, exit 2 (DESIGN §7).
"""

from __future__ import annotations

import os
import sys

from cnncalc import messages
from cnncalc.errors import shorten
from cnncalc.messages import msg


def requested(argv: list[str]) -> str | None:
    """The last `--lang X` or `--lang=X` before a `--`, None when there is none; a `--lang`
    with nothing after it is left to the CLI's own usage error."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            found = argv[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    return found


def choose(argv: list[str], environ: dict[str, str] | os._Environ[str]) -> str | None:
    """Set the language from the arguments or the environment; the error message (in English,
    as no language was understood) when it is not one cnncalc speaks, else None."""
    given = requested(argv)
    source = "--lang"
    if given is None:
        given, source = environ.get(messages.ENV, "").strip(), messages.ENV
        if not given:
            messages.set_language(messages.DEFAULT)
            return None
    wanted = given.strip().lower()
    if wanted not in messages.LANGUAGES:
        messages.set_language(messages.DEFAULT)
        return msg("cli.unknown_language", given=shorten(given, 20), source=source,
                   languages=", ".join(messages.LANGUAGES))  # fmt: skip
    messages.set_language(wanted)
    return None


def main() -> None:
    """Console-script entry point: the language first, then the command line (cnncalc.cli)."""
    from cnncalc.safe import printable

    problem = choose(sys.argv[1:], os.environ)
    if problem is not None:
        sys.stderr.write(printable(f"{msg('cli.error_prefix')}{problem}") + "\n")
        sys.exit(2)
    from cnncalc.cli import main as cli_main

    cli_main()
