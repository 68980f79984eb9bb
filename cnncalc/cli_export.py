"""`cnncalc export SPEC --to pytorch|dsl` (issue 10): a spec as standalone PyTorch code, or a
torch: module as DSL text. torch is imported only when the command runs."""

from __future__ import annotations

import sys
from enum import Enum
from typing import Annotated

import typer

from cnncalc.cli import command
from cnncalc.cli_options import SPEC_HELP, Debug, Input
from cnncalc.messages import msg

Target = Enum("Target", {v: v for v in ("pytorch", "dsl")}, type=str)  # type: ignore[misc]


@command("export")
def export_command(
    spec: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    *,
    to: Annotated[Target, typer.Option("--to", help=msg("torch_io.help_to"))],
    input: Input = None,
    debug: Debug = False,
) -> None:
    """Print a spec as standalone PyTorch code, or a torch: module as DSL text.

    Examples:

      cnncalc export resnet18 --to pytorch > resnet18.py

      cnncalc shape torch:resnet18.py:build --input 224x224x3

      cnncalc export torch:models.py:net --input 224x224x3 --to dsl
    """
    from cnncalc.torch.reader import require_torch

    if to.value == "pytorch":
        require_torch("torch_io.need_torch_export")
        from cnncalc.torch.export_py import export_pytorch

        sys.stdout.write(export_pytorch(spec, input, spec))
    else:  # torch only to read a torch: module (load imports it then)
        from cnncalc.torch.export_dsl import export_dsl

        sys.stdout.write(export_dsl(spec, input))
