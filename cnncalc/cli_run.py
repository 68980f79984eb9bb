"""`cnncalc run`: the net executed in numpy on given or random values (issue 12, DESIGN §2).
Never imports torch."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cnncalc.cli import command
from cnncalc.cli_options import FORMAT, SPEC_HELP, Debug, Input
from cnncalc.messages import msg
from cnncalc.render import output

# Kept in step with cnncalc/numeric/init.py (INITS, DISTS), which imports nothing heavy either;
# tests/test_run.py checks that the two agree.
Init = Enum("Init", {v: v for v in ("he", "xavier", "lecun", "pytorch")}, type=str)  # type: ignore[misc]
InitDist = Enum("InitDist", {v: v for v in ("normal", "uniform")}, type=str)  # type: ignore[misc]
RunFormat = Enum("RunFormat", {v: v for v in output.formats("run")}, type=str)  # type: ignore[misc]


ValuesFile = Annotated[Path | None, typer.Option("--values", help=msg("run.help_values"))]
InitOption = Annotated[Init, typer.Option("--init", help=msg("run.help_init"))]
DistOption = Annotated[InitDist, typer.Option("--init-dist", help=msg("run.help_init_dist"))]
Seed = Annotated[int, typer.Option("--random", min=0, max=2**63 - 1, help=msg("run.help_random"))]
Train = Annotated[bool, typer.Option("--train", help=msg("run.help_train"))]
Backward = Annotated[bool, typer.Option("--backward", help=msg("run.help_backward"))]
ValuesAll = Annotated[bool, typer.Option("--values-all", help=msg("run.help_values_all"))]
Batch = Annotated[
    int, typer.Option("--batch", "-b", min=1, max=1_000_000, help=msg("run.help_batch"))
]


@command("run")
def run_command(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    *,
    values: ValuesFile = None,
    init: InitOption = Init.pytorch,  # type: ignore[attr-defined]
    init_dist: DistOption = InitDist.normal,  # type: ignore[attr-defined]
    random: Seed = 0,
    train: Train = False,
    backward: Backward = False,
    values_all: ValuesAll = False,
    batch: Batch = 1,
    input: Input = None,
    format: Annotated[RunFormat, FORMAT] = RunFormat.table,  # type: ignore[attr-defined]
    debug: Debug = False,
) -> None:
    """Run the net in numpy on given or random values: every row's values and statistics.

    Examples:

      cnncalc run seed000_conv_p1s2

      cnncalc run 'In:32x32x3-(Conv:3x3x32p1-ReLU)*10' --random 0 --init he

      cnncalc run lenet5 --backward --format json
    """
    from cnncalc.numeric.run import run

    report = run(spec, values=values, init=init.value, dist=init_dist.value, seed=random,
                 train=train, backward=backward, batch=batch, input=input,
                 values_all=values_all)  # fmt: skip
    output.show("run", format.value, report)
