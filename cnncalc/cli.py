"""The command line (DESIGN §2): typer commands only — resolve the SPEC, call the core,
pick a renderer, return the exit code. Every CnnCalcError becomes one message and exit 2."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated, TypeVar

import typer

from cnncalc import __version__
from cnncalc.errors import CnnCalcError

T = TypeVar("T")

app = typer.Typer(
    name="cnncalc",
    help=(
        "Calculator and profiler for convolutional networks.\n\n"
        "Write a network as one line, e.g. 'Conv:11x11x96/4p3-ReLU-Pool:3/2-FC:1000-SM',"
        " or name a built-in spec (cnncalc list) or a .toml spec file."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Dtype(str, Enum):
    fp32 = "fp32"
    fp16 = "fp16"
    bf16 = "bf16"
    int8 = "int8"
    fp64 = "fp64"


class Optimizer(str, Enum):
    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"


class ShapeFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class ListFormat(str, Enum):
    table = "table"
    json = "json"


SPEC_HELP = (
    "A .toml spec file, a built-in name (alexnet, lenet5, …) or DSL text such as"
    " 'In:32x32x3-Conv:3x3x16p1-ReLU-Pool-FC:10'."
)
Debug = Annotated[bool, typer.Option("--debug", help="Show the traceback of errors.")]


def run(debug: bool, work: Callable[[], T]) -> T:
    """Call `work`; a user mistake becomes one message on stderr and exit code 2 (DESIGN §7)."""
    try:
        return work()
    except CnnCalcError as exc:
        if debug:
            raise
        typer.secho("error: ", fg="red", bold=True, err=True, nl=False)
        typer.echo(exc.render(), err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(2) from None


def print_rich(renderable: object) -> None:
    """Print a rich renderable on stdout: fitted to a terminal, unwrapped and unpadded in a pipe."""
    from rich.console import Console

    console = Console()
    if console.is_terminal:
        console.print(renderable)
        return
    import io

    buf = io.StringIO()
    Console(file=buf, width=10_000, no_color=True, highlight=False).print(renderable)
    sys.stdout.write("\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cnncalc {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True,
                     help="Print the version and exit."),
    ] = False,
) -> None:
    """Calculator and profiler for convolutional networks."""


@app.command()
def shape(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    *,
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help="Input shape HxWxC (or N); overrides the spec's."),
    ] = None,
    batch: Annotated[int, typer.Option("--batch", "-b", min=1, help="Batch size.")] = 1,
    dtype: Annotated[Dtype, typer.Option(help="Bytes per element for memory.")] = Dtype.fp32,
    optimizer: Annotated[
        Optimizer, typer.Option(help="Optimizer state counted in the training-memory estimate.")
    ] = Optimizer.sgd,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns", "-c",
            help="Columns to show, comma-separated: layer, size, filters, stride, padding,"
            " output, weights, macs, flops, backward, other, memory, rf, jump, start, fan_in,"
            " fan_out, weights%, macs%; '+macs' adds to the defaults; 'all' shows all.",
        ),
    ] = None,
    format: Annotated[
        ShapeFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ShapeFormat.table,
    explain: Annotated[
        bool, typer.Option("--explain", "-e", help="Show each row's size formula with numbers.")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="Make a non-integer output size an error.")
    ] = False,
    debug: Debug = False,
) -> None:
    """Static per-layer table: output shapes, weights, MACs, memory, receptive field.

    Examples:

      cnncalc shape alexnet

      cnncalc shape 'In:32x32x3-Conv:5x5x10p2' --explain

      cnncalc shape specs/lenet5.toml --columns +macs,rf --format markdown
    """
    from cnncalc.api import analyze
    from cnncalc.render.columns import pick

    report = run(debug, lambda: analyze(
        spec, input=input, batch=batch, dtype=dtype.value, optimizer=optimizer.value,
        strict=strict,
    ))
    cols = run(debug, lambda: pick(columns))
    if format is ShapeFormat.json:
        from cnncalc.render import as_json

        sys.stdout.write(as_json.render(report))
    elif format is ShapeFormat.csv:
        from cnncalc.render import as_csv

        sys.stdout.write(as_csv.render(report))
    elif format is ShapeFormat.markdown:
        from cnncalc.render import as_markdown

        sys.stdout.write(as_markdown.render(report, cols, explain))
    elif sys.stdout.isatty():
        from cnncalc.render import as_table

        print_rich(as_table.render(report, cols, explain))
    else:
        from cnncalc.render import as_text

        sys.stdout.write(as_text.render(report, cols, explain))
    for name, message in report.warnings:
        typer.echo(f"warning: {name}: {message}", err=True)


@app.command("list")
def list_specs(
    *,
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ListFormat.table,
    debug: Debug = False,
) -> None:
    """The built-in specs with their input, weights, MACs and description."""
    from cnncalc.catalog import catalog

    entries = run(debug, catalog)
    if format is ListFormat.json:
        from cnncalc.render.as_list import render_json

        sys.stdout.write(render_json(entries))
    else:
        from cnncalc.render.as_list import render_table

        print_rich(render_table(entries))


def main() -> None:
    """Console-script entry point."""
    app()
