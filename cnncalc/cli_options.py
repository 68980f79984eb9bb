"""The CLI's option types (DESIGN §2): the choices, generated from cnncalc/settings.py and the
renderer table of render/output.py (never restated), and the options several commands share."""

from collections.abc import Iterable
from enum import Enum
from typing import Annotated, Any

import typer

from cnncalc import __version__, settings
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


SPEC_HELP = (
    "A .toml spec file, a built-in name (alexnet, lenet5, …) or DSL text such as"
    " 'In:32x32x3-Conv:3x3x16p1-ReLU-Pool-FC:10'."
)
Debug = Annotated[bool, typer.Option("--debug", help="Show the traceback of errors.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print no warnings.")]
Input = Annotated[
    str | None,
    typer.Option("--input", "-i", help="Input shape HxWxC (or N); overrides the spec's."),
]
FORMAT = typer.Option("--format", "-f", help="Output format.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cnncalc {__version__}")
        raise typer.Exit()


Version = Annotated[
    bool,
    typer.Option(
        "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
    ),
]
