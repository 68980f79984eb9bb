"""The command line (DESIGN §2): typer commands only — resolve the SPEC, call the core,
pick a renderer, return the exit code. Every CnnCalcError becomes one message and exit 2."""

import functools
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any, TypeVar

import typer
import typer.core

from cnncalc import settings
from cnncalc.cli_options import (
    CHECK_FORMAT,
    FORMAT,
    SPEC_HELP,
    Base,
    CheckFormat,
    CheckProfile,
    Debug,
    DiffFormat,
    Dtype,
    Input,
    LangOption,
    ListFormat,
    ListSort,
    Mode,
    Optimizer,
    ProfileDtype,
    ProfileFormat,
    Quiet,
    RequireBudget,
    ShapeFormat,
    Version,
    choose_language,
    with_lang,
)
from cnncalc.errors import CnnCalcError
from cnncalc.messages import known, msg
from cnncalc.render import output
from cnncalc.streams import say, warn

F = TypeVar("F", bound=Callable[..., Any])


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
            from cnncalc.cli_usage import usage_text

            where = exc.ctx.command_path if getattr(exc, "ctx", None) else "cnncalc"
            text = msg("cli.usage_error", message=usage_text(exc.format_message()), where=where)
            say(f"{msg('cli.error_prefix')}{text}")
            sys.exit(2)
        except typer.Abort:
            say(msg("cli.interrupted"))
            sys.exit(2)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=_Group,
    name="cnncalc",
    help=msg("cli.app.help"),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def command(name: str | None = None) -> Callable[[F], F]:
    """`@app.command()`, with the one place where a user mistake becomes one message on
    stderr and exit code 2 (DESIGN §7); a CI format also reports it on stdout. --debug shows
    the traceback instead. A command returns its exit code (None: 0)."""

    def register(function: F) -> F:
        @functools.wraps(function)
        def guarded(**options: Any) -> Any:
            choose_language(options)
            try:
                return function(**options)
            except CnnCalcError as exc:
                if options.get("debug"):
                    raise
                format = options.get("format")
                output.show_error(name or function.__name__, getattr(format, "value", None), exc)
                typer.secho(msg("cli.error_prefix"), fg="red", bold=True, err=True, nl=False)
                say(exc.render())
                raise typer.Exit(2) from None
            except KeyboardInterrupt:
                typer.echo(msg("cli.interrupted"), err=True)
                raise typer.Exit(2) from None

        guarded.__signature__ = with_lang(function)  # type: ignore[attr-defined]
        called = name or function.__name__  # its summary, in the chosen language:
        keys = [k for k in (f"cli.{called}.help", f"{called}.help") if known(k)]
        help = msg(keys[0]) if keys else None
        return app.command(name, help=help)(guarded)  # type: ignore[return-value]

    return register


@app.callback()
def main_options(
    version: Version = False,
    lang: LangOption = None,
) -> None:
    """Calculator and profiler for convolutional networks."""


@command("shape")
def shape(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    *,
    input: Input = None,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            "-b",
            min=1,
            help=msg("cli.shape.batch"),
        ),
    ] = None,
    dtype: Annotated[
        Dtype | None,
        typer.Option(help=msg("cli.shape.dtype")),
    ] = None,
    optimizer: Annotated[
        Optimizer | None,
        typer.Option(help=msg("cli.shape.optimizer")),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            "-c",
            help=msg("cli.shape.columns"),
        ),
    ] = None,
    format: Annotated[ShapeFormat, FORMAT] = ShapeFormat.table,
    explain: Annotated[
        bool, typer.Option("--explain", "-e", help=msg("cli.shape.explain"))
    ] = False,
    strict: Annotated[bool, typer.Option(help=msg("cli.shape.strict"))] = False,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            min=0,
            help=msg("cli.shape.depth"),
        ),
    ] = None,
    expand: Annotated[
        bool,
        typer.Option(
            "--expand",
            help=msg("cli.shape.expand"),
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
    from cnncalc.api import analyze
    from cnncalc.render.columns import pick

    if expand:
        given = {"--format": format.value != "table", "--columns": columns is not None,
                 "--explain": explain, "--depth": depth is not None, "--strict": strict}  # fmt: skip
        sys.stdout.write(_expanded(spec, input, [flag for flag, on in given.items() if on]))
        return
    report = analyze(spec, input=input, batch=batch, dtype=_value(dtype),
                     optimizer=_value(optimizer), strict=strict)  # fmt: skip
    if depth is not None:
        report = report.folded(depth)
    output.show("shape", format.value, report, pick(columns), explain)
    warn(report.warnings, quiet=quiet)


def _expanded(spec: str, input: str | None, extra: list[str]) -> str:
    """`shape --expand`: the layers as plain DSL; report options given with it are a mistake."""
    from cnncalc.api import as_shape, load

    if extra:
        raise CnnCalcError(msg("cli.shape.expand_extra", options=", ".join(extra)))
    return load(spec, input).dsl(as_shape(input))


def _value(choice: Enum | None) -> str | None:
    """A choice option's text, None when not given (the spec's [profile] decides)."""
    return choice.value if choice is not None else None


@command("list")
def list_specs(
    *,
    format: Annotated[ListFormat, FORMAT] = ListFormat.table,
    sort: Annotated[
        ListSort,
        typer.Option(
            "--sort",
            "-s",
            help=msg("cli.list.sort"),
        ),
    ] = ListSort.family,
    debug: Debug = False,
) -> None:
    """The built-in specs with their input, weights, MACs and description."""
    from cnncalc.catalog import catalog

    output.show("list", format.value, catalog(sort.value))


@command("check")
def check(
    specs: Annotated[
        list[str],
        typer.Argument(
            help=msg("cli.check.specs"),
            show_default=False,
        ),
    ],
    *,
    profile: CheckProfile = False,
    format: Annotated[CheckFormat, CHECK_FORMAT] = CheckFormat.table,
    require_budget: RequireBudget = False,
    base: Base = None,
    input: Annotated[str | None, typer.Option("--input", "-i", help=msg("cli.check.input"))] = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> int:
    """Check each spec's \\[budget]: exit 0 all within budget, 1 any over (or, with
    --require-budget, any spec without a budget), 2 bad input.

    Examples:

      cnncalc check specs/

      cnncalc check 'specs/*.toml' --format github

      cnncalc check specs/alexnet.toml --profile --format junit > check.xml
    """
    from cnncalc.api import as_shape
    from cnncalc.budget import check as check_budgets
    from cnncalc.budget import exit_code, targets
    from cnncalc.render.as_check import warnings_line

    paths = targets(specs, as_shape(input))
    if not profile:  # only with it: the profiler, and torch, are imported to measure a latency
        results = check_budgets(paths, require_budget=require_budget, base=base)
    else:  # issue 15: a progress bar while it measures, on a terminal only
        from cnncalc.latency import measure_with
        from cnncalc.render.as_profile import progress_display

        bar = format.value != "json" and sys.stdout.isatty() and sys.stderr.isatty()
        with progress_display(bar) as progress:
            measure = measure_with(progress)
            results = check_budgets(paths, measure=measure, require_budget=require_budget,
                                    base=base)  # fmt: skip
    output.show("check", format.value, results)
    if format.value == "github":  # issue 15: and the job summary, so that one step does it all
        from cnncalc.render.growth import append_step_summary

        append_step_summary(results)
    if format.value != "github" and not quiet:  # github annotates them on stdout
        for r in results:
            if r.warnings:
                typer.echo(f"{msg('cli.warning_prefix')}{warnings_line(r)}", err=True)
    return exit_code(results)


@command("diff")
def diff(
    a: Annotated[str, typer.Argument(help=msg("cli.diff.a", spec=SPEC_HELP), show_default=False)],
    b: Annotated[str, typer.Argument(help=msg("cli.diff.b"), show_default=False)],
    *,
    input: Annotated[
        str | None,
        typer.Option("--input", "-i", help=msg("cli.diff.input")),
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option(
            "--batch",
            "-b",
            min=1,
            help=msg("cli.diff.batch"),
        ),
    ] = None,
    dtype: Annotated[
        Dtype | None,
        typer.Option(help=msg("cli.diff.dtype")),
    ] = None,
    optimizer: Annotated[Optimizer | None, typer.Option(help=msg("cli.diff.optimizer"))] = None,
    format: Annotated[DiffFormat, FORMAT] = DiffFormat.table,
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

    result = compare(a, b, input=input, batch=batch, dtype=_value(dtype),
                     optimizer=_value(optimizer))  # fmt: skip
    output.show("diff", format.value, result)
    warn(result.a.warnings, "A: ", quiet)
    warn(result.b.warnings, "B: ", quiet)


@command("profile")
def profile(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    *,
    device: Annotated[
        str | None,
        typer.Option(
            "--device",
            "-d",
            help=msg("cli.profile.device"),
        ),
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option("--batch", "-b", min=1, help=msg("cli.profile.batch")),
    ] = None,
    dtype: Annotated[
        ProfileDtype | None,
        typer.Option(help=msg("cli.profile.dtype")),
    ] = None,
    mode: Annotated[
        Mode | None,
        typer.Option(help=msg("cli.profile.mode")),
    ] = None,
    warmup: Annotated[
        int | None,
        typer.Option(min=0, help=msg("cli.profile.warmup")),
    ] = None,
    min_time: Annotated[
        float | None,
        typer.Option(
            "--min-time",
            min=0.001,
            help=msg("cli.profile.min_time"),
        ),
    ] = None,
    threads: Annotated[
        int | None,
        typer.Option(min=1, help=msg("cli.profile.threads")),
    ] = None,
    per_layer: Annotated[
        bool,
        typer.Option("--per-layer", help=msg("cli.profile.per_layer")),
    ] = False,
    optimizer: Annotated[
        Optimizer | None,
        typer.Option(help=msg("cli.profile.optimizer")),
    ] = None,
    input: Input = None,
    format: Annotated[ProfileFormat, FORMAT] = ProfileFormat.table,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Build the net in PyTorch and measure FLOPs, latency and memory next to the static figures.

    Examples:

      cnncalc profile alexnet --device cpu

      cnncalc profile resnet50 --device cuda --dtype bf16 --batch 32 --mode train

      cnncalc profile lenet5 --per-layer --format json
    """
    from cnncalc.api import load
    from cnncalc.render.as_profile import progress_display
    from cnncalc.torch.profile import profile

    resolved = load(spec, input)
    # Only the mode defaults differently on the command line (settings.CLI_MODE); the other
    # options not given come from the spec's [profile], then profile()'s defaults.
    mode_given = settings.resolve(resolved, {"mode": settings.CLI_MODE}, mode=_value(mode)).mode
    show = format.value != "json" and sys.stdout.isatty() and sys.stderr.isatty()
    with progress_display(show) as progress:
        report = profile(resolved, device=device, batch=batch, dtype=_value(dtype),
                         mode=mode_given, warmup=warmup, min_time=min_time,
                         optimizer=_value(optimizer), threads=threads, per_layer=per_layer,
                         input=input, progress=progress)  # fmt: skip
    output.show("profile", format.value, report)
    warn(report.static.warnings, quiet=quiet)
    warn(report.warnings, quiet=quiet)


def main() -> None:
    """Console-script entry point: a closed or full stdout, a broken pipe and an encoding
    without '×' are handled here, once for every command (cnncalc/streams.py; issue 9)."""
    from cnncalc.streams import run_guarded

    sys.exit(run_guarded(app))


# Commands kept in modules of their own (so that cli.py stays short, issue 16) register on
# `app` when imported here, once `app` and `command` exist. One import line per module:
from cnncalc import (
    cli_export,  # noqa: F401  (cnncalc export, issue 10)
    cli_roofline,  # noqa: F401  (cnncalc roofline, issue 13)
    cli_run,  # noqa: F401  (cnncalc run, issue 12)
)
# end of command modules
