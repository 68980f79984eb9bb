"""`cnncalc diff design.toml torch:pkg.models:net` shows where an implementation departs from
its design (issue 10): rows are paired by structure and layer, not by name, so a module's
`layer1.0.conv1` meets the design's `Conv:2` and only real departures are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch_reference
from conftest import describe
from torch import nn

REFERENCE = Path(torch_reference.__file__)

WIDER = f"""
import importlib.util
from torch import nn

spec = importlib.util.spec_from_file_location("torch_reference", {str(REFERENCE)!r})
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)


def resnet18_wide_stem():
    # the implementation departs from the design in one place: a 7x7 stem of 80 filters
    net = ref.resnet18()
    net.conv1 = nn.Conv2d(3, 80, 7, stride=2, padding=3, bias=False)
    net.bn1 = nn.BatchNorm2d(80)
    block = net.layer1[0]
    block.conv1 = nn.Conv2d(80, 64, 3, padding=1, bias=False)
    block.downsample = nn.Sequential(nn.Conv2d(80, 64, 1, bias=False), nn.BatchNorm2d(64))
    return net
"""


def _diff(cli, a: str, b: str) -> dict:
    result = cli("diff", a, b, "--input", "224x224x3", "--format", "json")
    assert result.exit_code == 0, describe(result)
    return json.loads(result.stdout)


def test_design_against_its_implementation_is_all_renamed(cli) -> None:
    data = _diff(cli, "resnet18", f"torch:{REFERENCE}:resnet18")
    summary = data["summary"]
    assert summary["changed"] == summary["removed"] == summary["affected"] == 0, summary
    added = [r["b"]["name"] for r in data["rows"] if r["status"] == "added"]
    assert added == ["flatten"]  # torchvision's torch.flatten: the design has none, a view
    pairs = {r["a"]["name"]: r["b"]["name"] for r in data["rows"] if r["status"] == "renamed"}
    assert pairs["Conv:1"] == "conv1" and pairs["Conv:8"] == "layer2.0.downsample.0"
    assert data["totals"]["weights"]["a"] == data["totals"]["weights"]["b"] == 11_689_512


def test_a_departure_is_the_rows_it_touches(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "impl.py").write_text(WIDER)
    data = _diff(cli, "resnet18", "torch:impl.py:resnet18_wide_stem")
    changed = {r["b"]["name"]: r for r in data["rows"] if r["status"] in ("changed", "affected")}
    assert set(changed) >= {"conv1", "bn1", "layer1.0.conv1"}
    # PyTorch's own parameter counts of the modules that differ
    stem = sum(p.numel() for p in nn.Conv2d(3, 80, 7, bias=False).parameters())
    assert changed["conv1"]["delta"]["weights"] == stem - 3 * 64 * 49
    inner = sum(p.numel() for p in nn.Conv2d(80, 64, 3, bias=False).parameters())
    assert changed["layer1.0.conv1"]["delta"]["weights"] == inner - 64 * 64 * 9
    names = {r["b"]["name"] for r in data["rows"] if r["status"] == "added" and r["b"]}
    assert "layer1.0.downsample.0" in names  # a shortcut the design's first block lacks
    assert not [r for r in data["rows"] if r["status"] == "removed"]


@pytest.mark.parametrize("name", ["resnet50", "mobilenet_v2", "densenet121", "googlenet"])
def test_zoo_specs_against_torchvision_layouts_change_nothing(cli, name: str) -> None:
    summary = _diff(cli, name, f"torch:{REFERENCE}:{name}")["summary"]
    assert summary["changed"] == summary["removed"] == summary["affected"] == 0, summary
