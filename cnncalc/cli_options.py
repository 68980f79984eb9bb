"""The CLI's option types (DESIGN §2): the choices, generated from cnncalc/settings.py and the
renderer table of render/output.py (never restated), and the options several commands share."""

import inspect
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Annotated, Any

import typer

from cnncalc import __version__, messages, settings
from cnncalc.messages import msg
from cnncalc.render import output


def _choices(name: str, values: Iterable[str]) -> Any:
    """A typer choice type whose members are `values` (each its own name), so that the CLI's
    choices are the lists of cnncalc/settings.py and render/, never restated."""
    return Enum(name, {value: value for value in values}, type=str)


Dtype = _choices("Dtype", settings.DTYPES)
Optimizer = _choices("Optimizer", settings.OPTIMIZERS)
ProfileDtype = _choices("ProfileDtype", settings.PROFILE_DTYPES)
Mode = _choices("Mode", settings.MODES)


ShapeFormat = _choices("ShapeFormat", output.formats("shape"))
ListFormat = _choices("ListFormat", output.formats("list"))
ListSort = _choices("ListSort", settings.SORTS)
CheckFormat = _choices("CheckFormat", output.formats("check"))
DiffFormat = _choices("DiffFormat", output.formats("diff"))
ProfileFormat = _choices("ProfileFormat", output.formats("profile"))


# Help texts are messages in the language cnncalc/launch.py chose before this import (issue 12).
SPEC_HELP = msg("cli.option.spec")
Debug = Annotated[bool, typer.Option("--debug", help=msg("cli.option.debug"))]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help=msg("cli.option.quiet"))]
Input = Annotated[str | None, typer.Option("--input", "-i", help=msg("cli.option.input"))]
FORMAT = typer.Option("--format", "-f", help=msg("cli.option.format"))
Lang = _choices("Lang", messages.LANGUAGES)
LangOption = Annotated[
    Lang | None, typer.Option("--lang", case_sensitive=False, help=msg("cli.option.lang"))
]


def _typer_words() -> None:
    """typer's own words in its help panels ('Options', '[default: …]') in the chosen language
    (issue 12); English leaves typer as it is, and its help rendering off the start-up path."""
    if messages.language() == messages.DEFAULT:
        return
    from typer import rich_utils

    for name in ("ARGUMENTS_PANEL_TITLE", "COMMANDS_PANEL_TITLE", "OPTIONS_PANEL_TITLE",
                 "DEFAULT_STRING", "REQUIRED_LONG_STRING"):  # fmt: skip
        setattr(rich_utils, name, messages.table(messages.language())[f"cli.typer.{name}"])
    from typer._click import decorators  # typer 0.26-0.28 (our pin) vendors click here

    make = decorators.help_option  # the -h/--help option every command gets: its help text

    def help_option(names: list[str]) -> Callable[[Any], Any]:
        def apply(command: Any) -> Any:
            command = make(names)(command)
            command.params[-1].help = msg("cli.typer.help_option")
            return command

        return apply

    decorators.help_option = help_option


_typer_words()

# Formats that programs read: their output is the same whatever --lang says (issue 12: JSON
# never changes), so warnings and notes inside them stay English, and so does the run's stderr.
MACHINE_FORMATS = ("json", "csv", "junit")


def choose_language(options: dict[str, Any]) -> None:
    """Take --lang out of a command's options and write the run's messages in it (the launcher
    chose it already from the command line; an in-process CliRunner did not); English for a
    machine-read format."""
    chosen = options.pop("lang", None)
    if chosen is not None:
        messages.set_language(chosen.value)
    if getattr(options.get("format"), "value", None) in MACHINE_FORMATS:
        messages.set_language(messages.DEFAULT)


def with_lang(function: Callable[..., Any]) -> inspect.Signature:
    """`function`'s signature with --lang added, the option every command takes (issue 12) and
    the command wrapper of cli.py consumes; a command need not declare it."""
    signature = inspect.signature(function, eval_str=True)
    lang = inspect.Parameter(
        "lang", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=LangOption
    )
    return signature.replace(parameters=[*signature.parameters.values(), lang])


# `check`'s options, here so that cli.py stays short (issue 16)
CheckProfile = Annotated[bool, typer.Option("--profile", help=msg("cli.check.profile"))]
CHECK_FORMAT = typer.Option("--format", "-f", help=msg("cli.check.format"))
RequireBudget = Annotated[
    bool, typer.Option("--require-budget", help=msg("cli.check.require_budget"))
]
Base = Annotated[str | None, typer.Option("--base", metavar="REF", help=msg("gate.option_base"))]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cnncalc {__version__}")
        raise typer.Exit()


Version = Annotated[
    bool,
    typer.Option(
        "--version", "-V", callback=_version, is_eager=True, help=msg("cli.option.version")
    ),
]
