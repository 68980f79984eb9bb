"""The command line (DESIGN §2): typer commands only — resolve the SPEC, call the core,
pick a renderer, return the exit code. Every CnnCalcError becomes one message and exit 2."""

import sys
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Annotated, Any, TypeVar

import typer
import typer.core

from cnncalc import __version__, settings
from cnncalc.errors import CnnCalcError

T = TypeVar("T")


class _Group(typer.core.TyperGroup):
    """The command group, with click's own usage errors (an unknown option, a value out of
    range) told as every other user mistake is: one `error:` line and exit 2 (DESIGN §7),
    not click's boxed usage panel."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        from typer import _click as click  # typer 0.26-0.28 (our pin) vendors click here

        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:  # bare `cnncalc`: the help
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            message = exc.format_message().rstrip(".")
            where = exc.ctx.command_path if getattr(exc, "ctx", None) else "cnncalc"
            say(f"error: {message[:1].lower()}{message[1:]} ({where} --help shows the options)")
            sys.exit(2)
        except typer.Abort:
            say("interrupted")
            sys.exit(2)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_Group,
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


def _choices(name: str, values: Iterable[str]) -> Any:
    """A typer choice type whose members are `values` (each its own name), so that the CLI's
    choices are the lists of cnncalc/settings.py and render/, never restated."""
    return Enum(name, {value: value for value in values}, type=str)


Dtype = _choices("Dtype", settings.DTYPES)
Optimizer = _choices("Optimizer", settings.OPTIMIZERS)
ProfileDtype = _choices("ProfileDtype", settings.PROFILE_DTYPES)
Mode = _choices("Mode", settings.MODES)


class ShapeFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class ListFormat(str, Enum):
    table = "table"
    json = "json"


class ListSort(str, Enum):
    family = "family"
    macs = "macs"
    weights = "weights"
    name = "name"


class CheckFormat(str, Enum):
    table = "table"
    json = "json"
    junit = "junit"
    github = "github"
    markdown = "markdown"


class DiffFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


class ProfileFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


SPEC_HELP = (
    "A .toml spec file, a built-in name (alexnet, lenet5, …) or DSL text such as"
    " 'In:32x32x3-Conv:3x3x16p1-ReLU-Pool-FC:10'."
)
Debug = Annotated[bool, typer.Option("--debug", help="Show the traceback of errors.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print no warnings.")]


def say(text: str) -> None:
    """Text on stderr, each line with its control characters escaped (user text inside a
    message never reaches the terminal raw), written through sys.stderr (not click's own
    UTF-8 stream) so that a narrow encoding degrades '—' or '×' like stdout does
    (cnncalc/streams.py)."""
    from cnncalc.render.safe import printable

    sys.stderr.write("\n".join(printable(line) for line in text.split("\n")) + "\n")
    sys.stderr.flush()


def run(debug: bool, work: Callable[[], T]) -> T:
    """Call `work`; a user mistake becomes one message on stderr and exit code 2 (DESIGN §7)."""
    try:
        return work()
    except CnnCalcError as exc:
        if debug:
            raise
        typer.secho("error: ", fg="red", bold=True, err=True, nl=False)
        say(exc.render())
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(2) from None


def print_rich(renderable: object) -> None:
    """Print a rich renderable on stdout: fitted to a terminal, unwrapped and unpadded in a pipe."""
    from rich.console import Console

    console = Console()
    if console.is_terminal:
        import shutil

        from cnncalc.render.fit import MIN_WIDTH

        # Issue 9: COLUMNS=0 says nothing of the width (as for `ls`): ask the terminal, else 80.
        # Below MIN_WIDTH nothing fits: lay out for MIN_WIDTH and let the terminal wrap whole
        # lines; crop=False, so rich never cuts a line at the edge either.
        width = console.width if console.width > 0 else shutil.get_terminal_size().columns
        if width != console.width or width < MIN_WIDTH:
            console = Console(width=max(width, MIN_WIDTH))
        console.print(renderable, crop=False)
        return
    import io

    buf = io.StringIO()
    Console(file=buf, width=10_000, no_color=True, highlight=False).print(renderable)
    sys.stdout.write("\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n")


def warning_lines(warnings: Iterable[tuple[str, str]], shown_rows: int = 3) -> list[str]:
    """(row, message) pairs folded into lines: one line per distinct message, naming its first
    rows and how many more (a repeated block warns once per copy; issue 9), with ×N when the
    same row says it more than once."""
    rows: dict[str, list[str]] = {}  # message → its rows, in order of first appearance
    for name, message in warnings:
        rows.setdefault(message, []).append(name)
    lines = []
    for message, names in rows.items():
        distinct = list(dict.fromkeys(names))
        who = ", ".join(distinct[:shown_rows])
        if len(distinct) > shown_rows:
            more = len(distinct) - shown_rows
            who += f" and {more} more row{'s' if more > 1 else ''}"
        times = f" (×{len(names)})" if len(names) > len(distinct) else ""
        lines.append(f"{who}: {message}{times}")
    return lines


def warn(warnings: Iterable[tuple[str, str]], where: str = "", quiet: bool = False) -> None:
    """The analysis' warnings, (row, message) pairs, on stderr, each distinct one once;
    `where` names the spec; `quiet` (-q) drops them."""
    if quiet:
        return
    for line in warning_lines(warnings):
        say(f"warning: {where}{line}")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cnncalc {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
        ),
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
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            "-b",
            min=1,
            help="Batch size (default: the spec's \\[profile] batch, else 1).",
        ),
    ] = None,
    dtype: Annotated[
        Dtype | None,
        typer.Option(help="Bytes per element for memory (default: the spec's, else fp32)."),
    ] = None,
    optimizer: Annotated[
        Optimizer | None,
        typer.Option(
            help="Optimizer state counted in the training-memory estimate"
            " (default: the spec's, else sgd)."
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            "-c",
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
    strict: Annotated[bool, typer.Option(help="Make a non-integer output size an error.")] = False,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            min=0,
            help="Show rows down to this nesting depth (0: top"
            " level only); deeper rows are folded into their block's row.",
        ),
    ] = None,
    expand: Annotated[
        bool,
        typer.Option(
            "--expand",
            help="Print the layers as plain DSL, with every \\[blocks] call expanded, and stop.",
        ),
    ] = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Static per-layer table: output shapes, weights, MACs, memory, receptive field.

    Examples:

      cnncalc shape alexnet

      cnncalc shape 'In:32x32x3-Conv:5x5x10p2' --explain

      cnncalc shape specs/lenet5.toml --columns +macs,rf --format markdown

      cnncalc shape resnet50 --depth 1 --columns +macs
    """
    from cnncalc.api import analyze, as_shape, load
    from cnncalc.render.columns import pick

    if expand:
        extra = [flag for flag, given in (
            ("--format", format is not ShapeFormat.table), ("--columns", columns is not None),
            ("--explain", explain), ("--depth", depth is not None), ("--strict", strict),
        ) if given]  # fmt: skip

        def expanded() -> str:
            if extra:
                raise CnnCalcError(
                    f"--expand prints the layers as DSL text; {', '.join(extra)}"
                    " would change nothing (run without --expand for a report)"
                )
            return load(spec).dsl(as_shape(input))

        sys.stdout.write(run(debug, expanded))
        return
    report = run(
        debug,
        lambda: analyze(
            spec,
            input=input,
            batch=batch,  # None: the spec's [profile], else the default (api.settings)
            dtype=dtype.value if dtype else None,
            optimizer=optimizer.value if optimizer else None,
            strict=strict,
        ),
    )
    if depth is not None:
        report = report.folded(depth)
    cols = run(debug, lambda: pick(columns))
    if format is ShapeFormat.json:
        from cnncalc.render import as_json

        as_json.write(report, sys.stdout)
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
    warn(report.warnings, quiet=quiet)


@app.command("list")
def list_specs(
    *,
    format: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ListFormat.table,
    sort: Annotated[
        ListSort,
        typer.Option(
            "--sort",
            "-s",
            help="family: each model family together, smallest first; or by macs, weights or name.",
        ),
    ] = ListSort.family,
    debug: Debug = False,
) -> None:
    """The built-in specs with their input, weights, MACs and description."""
    from cnncalc.catalog import catalog

    entries = run(debug, lambda: catalog(sort.value))
    if format is ListFormat.json:
        from cnncalc.render.as_list import render_json

        sys.stdout.write(render_json(entries))
    elif sys.stdout.isatty():
        from cnncalc.render.as_list import render_table

        print_rich(render_table(entries))
    else:
        from cnncalc.render.as_list import render_text

        sys.stdout.write(render_text(entries))


@app.command()
def check(
    specs: Annotated[
        list[str],
        typer.Argument(
            help="Spec files (.toml), directories or globs of them, or built-in names.",
            show_default=False,
        ),
    ],
    *,
    profile: Annotated[
        bool,
        typer.Option(
            "--profile",
            help="Measure \\[budget.latency_ms] with PyTorch;"
            " without it latency budgets are reported as skipped.",
        ),
    ] = False,
    format: Annotated[
        CheckFormat,
        typer.Option(
            "--format",
            "-f",
            help="Output format: a table, json,"
            " junit (XML), github (workflow commands) or markdown.",
        ),
    ] = CheckFormat.table,
    require_budget: Annotated[
        bool,
        typer.Option(
            "--require-budget",
            help="Fail (exit 1) a spec that has no \\[budget] to check.",
        ),
    ] = False,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Check each spec's \\[budget]: exit 0 all within budget, 1 any over (or, with
    --require-budget, any spec without a budget), 2 bad input.

    Examples:

      cnncalc check specs/

      cnncalc check 'specs/*.toml' --format github

      cnncalc check specs/alexnet.toml --profile --format junit > check.xml
    """
    from cnncalc.budget import check as check_budgets
    from cnncalc.budget import exit_code, spec_paths
    from cnncalc.render import as_check

    def work() -> list:
        try:
            measure = None
            if profile:
                from cnncalc.latency import measure_latency as measure
            return check_budgets(spec_paths(specs), measure=measure,
                                 require_budget=require_budget)  # fmt: skip
        except CnnCalcError as exc:  # CI formats report bad input in their own terms too
            if format is CheckFormat.github:
                sys.stdout.write(as_check.github_error(exc))
            elif format is CheckFormat.junit:
                sys.stdout.write(as_check.junit_error(exc))
            raise

    results = run(debug, work)
    if format is CheckFormat.table and sys.stdout.isatty():
        print_rich(as_check.render_table(results))
    else:
        render = {
            CheckFormat.table: as_check.render_text, CheckFormat.json: as_check.render_json,
            CheckFormat.junit: as_check.render_junit, CheckFormat.github: as_check.render_github,
            CheckFormat.markdown: as_check.render_markdown,
        }[format]  # fmt: skip
        sys.stdout.write(render(results))
    if format is not CheckFormat.github and not quiet:  # github annotates them on stdout
        for r in results:
            if r.warnings:
                typer.echo(f"warning: {as_check.warnings_line(r)}", err=True)
    raise typer.Exit(exit_code(results))


@app.command()
def diff(
    a: Annotated[str, typer.Argument(help="The net before: " + SPEC_HELP, show_default=False)],
    b: Annotated[str, typer.Argument(help="The net after, as A.", show_default=False)],
    *,
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help="Input shape HxWxC for both; overrides the specs'."),
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            "-b",
            min=1,
            help="Batch size for both (default: each spec's \\[profile] batch, else 1).",
        ),
    ] = None,
    dtype: Annotated[
        Dtype | None,
        typer.Option(help="Bytes per element for both (default: each spec's, else fp32)."),
    ] = None,
    optimizer: Annotated[
        Optimizer | None, typer.Option(help="Optimizer state in the training-memory estimate.")
    ] = None,
    format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="Output format.")
    ] = DiffFormat.table,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Two nets side by side: rows aligned, changes marked, deltas of weights, MACs and memory.

    Examples:

      cnncalc diff alexnet my_alexnet.toml

      cnncalc diff 'In:32x32x3-Conv:3x3x16p1-FC:10' 'In:32x32x3-Conv:3x3x32p1-FC:10'

      cnncalc diff old.toml new.toml --format markdown
    """
    from cnncalc.diff import compare
    from cnncalc.render import as_diff

    result = run(
        debug,
        lambda: compare(
            a,
            b,
            input=input,
            batch=batch,
            dtype=dtype.value if dtype else None,
            optimizer=optimizer.value if optimizer else None,
        ),
    )
    if format is DiffFormat.table and sys.stdout.isatty():
        print_rich(as_diff.render_table(result))
    else:
        render = {DiffFormat.table: as_diff.render_text, DiffFormat.json: as_diff.render_json,
                  DiffFormat.markdown: as_diff.render_markdown}[format]  # fmt: skip
        sys.stdout.write(render(result))
    warn(result.a.warnings, "A: ", quiet)
    warn(result.b.warnings, "B: ", quiet)


@app.command()
def profile(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    *,
    device: Annotated[
        str | None,
        typer.Option(
            "--device",
            "-d",
            help="cpu, cuda, cuda:N, mps or auto (default: the spec file's, else cpu).",
        ),
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option("--batch", "-b", min=1, help="Batch size (default: the spec file's, else 1)."),
    ] = None,
    dtype: Annotated[
        ProfileDtype | None,
        typer.Option(help="Compute dtype (default: the spec's, else fp32)."),
    ] = None,
    mode: Annotated[
        Mode | None,
        typer.Option(
            help="Time inference, a training step, or both (default: the spec file's, else both)."
        ),
    ] = None,
    warmup: Annotated[
        int | None,
        typer.Option(min=0, help="Untimed runs before timing (default 3; at most 10,000)."),
    ] = None,
    min_time: Annotated[
        float | None,
        typer.Option(
            "--min-time",
            min=0.001,
            help="Seconds of timed runs per mode (default 1.0; at most 3600).",
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(min=1, help="CPU threads for PyTorch (default: PyTorch's)."),
    ] = None,
    per_layer: Annotated[
        bool,
        typer.Option("--per-layer", help="Also time every row with forward hooks."),
    ] = False,
    optimizer: Annotated[
        Optimizer | None,
        typer.Option(
            help="Optimizer of the training step and its state in"
            " the memory figures (default: the spec's, else sgd)."
        ),
    ] = None,
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help="Input shape HxWxC (or N); overrides the spec's."),
    ] = None,
    format: Annotated[
        ProfileFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ProfileFormat.table,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Build the net in PyTorch and measure FLOPs, latency and memory next to the static figures.

    Examples:

      cnncalc profile alexnet --device cpu

      cnncalc profile resnet50 --device cuda --dtype bf16 --batch 32 --mode train

      cnncalc profile lenet5 --per-layer --format json
    """
    from cnncalc.render import as_profile

    def work() -> object:
        from cnncalc.api import load
        from cnncalc.profiler import profile

        resolved = load(spec)
        # Options not given come from the spec's [profile], then profile()'s defaults; only
        # the mode defaults differently on the command line.
        options = {
            "device": device,
            "batch": batch,
            "dtype": dtype.value if dtype else None,
            "mode": mode.value if mode else resolved.profile_value("mode", settings.CLI_MODE),
            "warmup": warmup,
            "min_time": min_time,
            "optimizer": optimizer.value if optimizer else None,
        }
        show = format is not ProfileFormat.json and sys.stdout.isatty() and sys.stderr.isatty()
        with as_profile.progress_display(show) as progress:
            return profile(
                resolved,
                threads=threads,
                per_layer=per_layer,
                input=input,
                progress=progress,
                **options,
            )

    report = run(debug, work)
    if format is ProfileFormat.json:
        sys.stdout.write(as_profile.render_json(report))
    elif format is ProfileFormat.markdown:
        sys.stdout.write(as_profile.render_markdown(report))
    elif sys.stdout.isatty():
        print_rich(as_profile.render_table(report))
    else:
        sys.stdout.write(as_profile.render_text(report))
    warn(report.static.warnings, quiet=quiet)
    warn(report.warnings, quiet=quiet)


def main() -> None:
    """Console-script entry point: a closed or full stdout, a broken pipe and an encoding
    without '×' are handled here, once for every command (cnncalc/streams.py; issue 9)."""
    from cnncalc.streams import run_guarded

    sys.exit(run_guarded(app))
