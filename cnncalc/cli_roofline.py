"""`cnncalc roofline SPEC` (issue 13): every row against the device's two ceilings.

Static (no torch) on peaks the user gives or a named preset's datasheet; measured with
`--device`, where the device's peaks are measured first (cnncalc/torch/roofline.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from cnncalc import settings
from cnncalc.cli import _value, app, command  # noqa: F401  (app: the command registers on it)
from cnncalc.cli_options import FORMAT, SPEC_HELP, Debug, Dtype, Input, Quiet, _choices
from cnncalc.errors import CnnCalcError
from cnncalc.messages import msg
from cnncalc.render import output
from cnncalc.roofline import MODES
from cnncalc.streams import say, warn

RoofFormat = _choices("RoofFormat", output.formats("roofline"))
RoofMode = _choices("RoofMode", MODES)


@command("roofline")
def roofline(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    *,
    preset: Annotated[
        str | None,
        typer.Option("--preset", "--device-preset", "-P", help=msg("roofline.help_preset")),
    ] = None,
    peak_flops: Annotated[
        str | None, typer.Option("--peak-flops", help=msg("roofline.help_peak_flops"))
    ] = None,
    bandwidth: Annotated[
        str | None, typer.Option("--bandwidth", help=msg("roofline.help_bandwidth"))
    ] = None,
    device: Annotated[
        str | None, typer.Option("--device", "-d", help=msg("roofline.help_device"))
    ] = None,
    batch: Annotated[
        int | None, typer.Option("--batch", "-b", min=1, help=msg("roofline.help_batch"))
    ] = None,
    dtype: Annotated[Dtype | None, typer.Option(help=msg("roofline.help_dtype"))] = None,
    mode: Annotated[RoofMode, typer.Option(help=msg("roofline.help_mode"))] = RoofMode.infer,
    threads: Annotated[int | None, typer.Option(min=1, help=msg("roofline.help_threads"))] = None,
    min_time: Annotated[
        float | None, typer.Option("--min-time", min=0.001, help=msg("roofline.help_min_time"))
    ] = None,
    remeasure: Annotated[
        bool, typer.Option("--remeasure", help=msg("roofline.help_remeasure"))
    ] = False,
    plot: Annotated[str | None, typer.Option("--plot", help=msg("roofline.help_plot"))] = None,
    input: Input = None,
    format: Annotated[RoofFormat, FORMAT] = RoofFormat.table,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Per-row FLOPs, least bytes moved, intensity and roofline time: a latency floor.

    Examples:

      cnncalc roofline alexnet --preset h200

      cnncalc roofline resnet50 --peak-flops 989e12 --bandwidth 3.35e12 --dtype bf16

      cnncalc roofline alexnet --device cpu --plot roofline.svg
    """
    from cnncalc.api import analyze, load
    from cnncalc.roofline import given_peaks

    if plot is not None:  # before any work: a bad target costs nothing (issue 13)
        from cnncalc.render.roofline_plot import check_target

        check_target(plot, spec)
    resolved = load(spec, input)  # a torch: module is read at --input (issue 10)
    measure = device is not None
    if measure and (preset or peak_flops or bandwidth):
        raise CnnCalcError(msg("roofline.device_and_peaks"))
    if not measure and (threads is not None or min_time is not None or remeasure):
        raise CnnCalcError(msg("roofline.measure_only"))
    report = analyze(resolved, input=input, batch=batch, dtype=_value(dtype))
    if measure:
        from cnncalc.torch.roofline import measured_roofline

        settings.check_device(device)
        roof = measured_roofline(resolved, report, device=device, mode=mode.value,  # type: ignore[arg-type]
                                 threads=threads, min_time=min_time, remeasure=remeasure,
                                 input=input)  # fmt: skip
    else:
        from cnncalc.roofline import roofline as static_roofline

        peaks = given_peaks(report.dtype, preset, peak_flops, bandwidth)
        roof = static_roofline(report, peaks, mode.value)
    output.show("roofline", format.value, roof)
    if plot is not None:
        from cnncalc.render.roofline_plot import save

        save(roof, plot)
        if not quiet:
            say(msg("roofline.plot_written", path=plot))
    warn(report.warnings, quiet=quiet)
