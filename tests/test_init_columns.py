"""`shape --columns +init` and `+formula` (issue 12): seed 002's initialisation figures and
seed 000's weight formulas in the table."""

from __future__ import annotations

import json
import math
import re

import pytest
import torch

from cnncalc.api import analyze, load
from cnncalc.numeric.init import init_std
from cnncalc.torch.build import assemble

# seed 000's AlexNet table, 학습대상 가중치 개수 column, written as the notes write it
SEED_FORMULAS = {
    "Conv:1": "(11×11×3+1)×96 (=34,944)",
    "Conv:2": "(5×5×96+1)×256 (=614,656)",
    "Conv:3": "(3×3×256+1)×384 (=885,120)",
    "Conv:4": "(3×3×384+1)×384 (=1,327,488)",
    "Conv:5": "(3×3×384+1)×256 (=884,992)",
    "FC:6": "6×6×256×4096 (=37,748,736)",
    "FC:7": "4096×4096 (=16,777,216)",
    "FC:8": "4096×1000 (=4,096,000)",
}


def test_formula_column_is_the_seed_table(cli) -> None:
    result = cli("shape", "alexnet", "--columns", "+formula")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    for row, formula in SEED_FORMULAS.items():
        assert formula in lines[row], (row, lines[row])
    assert lines["ReLU:1"].split()[-1] == "-"  # no weights, no formula


@pytest.mark.parametrize("spec", ["alexnet", "lenet5", "In:8x8x6-Conv:3x3x12g3-SE:4-FC:10"])
def test_init_columns_follow_pytorchs_fans(cli, spec: str) -> None:
    """fan-in, fan-out as torch.nn.init computes them on the built module, and the He and
    Xavier std of seed 002's formulas from those fans."""
    result = cli("shape", spec, "--columns", "init")  # layer, then the group's four columns
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.stdout.splitlines()]
    header = next(line for line in lines if line[:1] == ["layer"])
    assert header == ["layer", "fan_in", "fan_out", "he_std", "xavier_std"]
    cells = {line[0]: dict(zip(header, line, strict=True)) for line in lines if len(line) == 5}
    resolved = load(spec)
    module = assemble(resolved.net, analyze(resolved))
    checked = 0
    for name, sub in module.rows.items():
        weight = getattr(sub, "weight", None)
        if not isinstance(weight, torch.nn.Parameter) or weight.dim() < 2:
            continue
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(weight)
        row = cells[name]
        assert int(row["fan_in"].replace(",", "")) == fan_in
        assert int(row["fan_out"].replace(",", "")) == fan_out
        assert float(row["he_std"]) == pytest.approx(math.sqrt(2 / fan_in), rel=1e-3)
        assert float(row["xavier_std"]) == pytest.approx(
            math.sqrt(2 / (fan_in + fan_out)), rel=1e-3
        )
        checked += 1
    assert checked > 0


def test_init_std_formulas() -> None:
    """Seed 002: Xavier √(2/(fan_in+fan_out)), He √(2/fan_in); LeCun √(1/fan_in); PyTorch's
    default U(±1/√fan_in) has std 1/√(3·fan_in)."""
    assert init_std("he", 363, 11616) == pytest.approx(0.074227, rel=1e-4)
    assert init_std("xavier", 363, 11616) == pytest.approx(math.sqrt(2 / 11979))
    assert init_std("lecun", 100, 1) == pytest.approx(0.1)
    # torch's own default init, measured
    w = torch.empty(400, 400)
    torch.nn.Linear(400, 400).reset_parameters()
    torch.nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    assert w.std().item() == pytest.approx(init_std("pytorch", 400, 400), rel=0.02)


def test_init_group_in_json_keeps_schema(cli) -> None:
    """JSON rows are unchanged by the new columns (they are views of existing figures)."""
    a = json.loads(cli("shape", "lenet5", "--format", "json").stdout)
    b = json.loads(cli("shape", "lenet5", "--format", "json", "--columns", "+init").stdout)
    assert a == b


@pytest.mark.parametrize(
    "spec", ["In:8x8x6-Conv:3x3x12g3-ConvT:2x2x4/2-ConvT:3x3x6/2p1g2nb-Conv:1x1x3nb-FC:10"]
)
def test_formula_is_pytorchs_parameter_count(cli, spec: str) -> None:
    """Every `+formula` cell, evaluated, is the number of parameters PyTorch gives the row's
    module (ConvT included: Kh·Kw·C·(F/G) + F written as Conv's (Kh×Kw×C/G+1)×F)."""
    result = cli("shape", spec, "--columns", "+formula")
    assert result.exit_code == 0, result.output
    module = assemble(load(spec).net, analyze(spec))
    seen = 0
    for line in result.stdout.splitlines():
        found = re.search(r"([\d×+()]+) \(=[\d,]+\)$", line)
        if not found or line.split()[0] not in module.rows:
            continue
        value = eval(found.group(1).replace("×", "*"), {})  # only digits, ( ) + ×
        want = sum(p.numel() for p in module.rows[line.split()[0]].parameters())
        assert value == want, (line, want)
        seen += 1
    assert seen == 5
