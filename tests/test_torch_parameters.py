"""Parameters the totals cannot hold as the module does are said, never silently left out or
doubled (issue 10): a head forward never runs, a parameter tied into two modules, a module
called twice. Expected counts are PyTorch's own (numel of the modules built here)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import describe
from torch import nn

import cnncalc


def n_params(*modules: nn.Module) -> int:
    return sum(p.numel() for m in modules for p in m.parameters())


class WithAux(nn.Module):
    """As torchvision's GoogLeNet with aux_logits: the auxiliary head runs only in training."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.aux = nn.Sequential(nn.Conv2d(8, 4, 1), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))
        self.fc = nn.Linear(8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        aux = self.aux(x) if self.training else None
        y = self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))
        return y if aux is None else y + aux


class Tied(nn.Module):
    """Two 1x1 convs sharing one weight tensor."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(4, 4, 1, bias=False)
        self.b = nn.Conv2d(4, 4, 1, bias=False)
        self.b.weight = self.a.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(torch.relu(self.a(x)))


class Twice(nn.Module):
    """One conv called twice: two rows, one set of parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.relu(self.conv(x)))


def test_a_head_forward_never_runs_is_named_with_its_count() -> None:
    net = WithAux()
    report = cnncalc.from_torch(net, input="8x8x3")
    assert report.totals.weights == n_params(net.conv, net.fc)  # what the forward ran
    said = dict(report.warnings)
    assert f"{n_params(net.aux):,}" in said["aux"] and "never run" in said["aux"]
    assert net.training  # and the module's own flag is as it was


def test_a_tied_parameter_is_said() -> None:
    report = cnncalc.from_torch(Tied(), input="4x4x4")
    assert report.totals.weights == 2 * 16  # counted at each use, as the rows are
    said = dict(report.warnings)
    assert "b.weight" in said["b"] and "a.weight" in said["b"] and "2" in said["b"]


def test_a_module_called_twice_is_said_with_both_counts() -> None:
    net = Twice()
    report = cnncalc.from_torch(net, input="6x6x4")
    assert report.totals.weights == 2 * n_params(net.conv)
    said = dict(report.warnings)
    assert f"{2 * n_params(net.conv):,}" in said[""] and f"{n_params(net.conv):,}" in said[""]


@pytest.mark.parametrize("factory", [WithAux, Tied, Twice])
def test_no_warning_is_lost_on_the_command_line(tmp_path, monkeypatch, cli, factory) -> None:
    here = str(Path(__file__).parent)
    (tmp_path / "nets.py").write_text(
        f"import sys\nsys.path.insert(0, {here!r})\nfrom test_torch_parameters import *\n"
    )
    monkeypatch.chdir(tmp_path)
    result = cli("shape", f"torch:nets.py:{factory.__name__}", "--input", "8x8x4"
                 if factory is not WithAux else "8x8x3", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, describe(result)
    assert "warning:" in result.stderr, describe(result)
