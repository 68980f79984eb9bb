"""`export --to dsl` text reads like code (issue 10): no line wider than 88 columns unless it
is one layer alone, Inception's four branches one under the other, and the wrapped text parses
to the very figures of the one-line form."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import FACTORIES

import cnncalc
from cnncalc.dsl import parse
from cnncalc.ir import Shape
from cnncalc.specs import builtin_names
from cnncalc.torch.export_dsl import WIDTH, _wrap, net_dsl
from cnncalc.torch.reader import instantiate, read_net

TOTALS = ("weights", "macs", "flops", "peak_bytes", "train_bytes", "rf")


def _wide(text: str) -> list[str]:
    """Lines over WIDTH that hold more than one layer."""
    return [ln for ln in text.splitlines() if len(ln) > WIDTH and "-" in ln.strip().strip("-")]


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_torchvision_layouts_export_within_the_width(name: str) -> None:
    shape = Shape((224, 224, 3))
    net = read_net(instantiate(FACTORIES[name], name), shape, name)
    text = net_dsl(net, shape)
    assert _wide(text) == []
    read = cnncalc.from_torch(FACTORIES[name], input="224x224x3")
    again = cnncalc.analyze(text)
    assert [getattr(again.totals, k) for k in TOTALS] == [getattr(read.totals, k) for k in TOTALS]
    if name == "googlenet":  # branches one under the other, '|' leading
        assert "\nCat(\n    Conv:1x1x64nb@inception3a_branch1_conv" in text
        assert text.count("\n  | ") == 9 * 3


@pytest.mark.parametrize("name", builtin_names())
def test_every_builtin_exports_within_the_width(name: str) -> None:
    spec = cnncalc.api.load(name)
    text = net_dsl(spec.net, spec.input)
    assert _wide(text) == []
    assert cnncalc.analyze(text).totals == cnncalc.analyze(name).totals


ITEM = st.sampled_from(["Conv:3x3x8p1@a_long_label_for_a_conv", "ReLU@relu_1", "BN",
                        "LReLU:1e-2@leaky", "Pool:2/2", "Conv:1x1x8nb@shortcut_conv"])  # fmt: skip


@st.composite
def chains(draw: st.DrawFn, depth: int = 0) -> str:
    """DSL chains of layers, Res and Cat blocks, nested up to two deep."""
    items = []
    for _ in range(draw(st.integers(1, 6))):
        if depth < 2 and draw(st.booleans()):
            kind = draw(st.sampled_from(["Res", "Cat"]))
            most = 2 if kind == "Res" else 3  # Res: a main branch and at most one shortcut
            branches = [draw(chains(depth + 1)) for _ in range(draw(st.integers(1, most)))]
            items.append(f"{kind}({' | '.join(branches)})" + draw(st.sampled_from(["", "@blk"])))
        else:
            items.append(draw(ITEM))
    return "-".join(items)


@settings(max_examples=60, deadline=None)
@given(chains(), st.integers(0, 12))
def test_wrapping_only_adds_white_space(text: str, indent: int) -> None:
    lines = _wrap(text, indent)
    assert "".join("".join(ln.split()) for ln in lines) == "".join(text.split())
    assert _structure("In:16x16x8-" + "\n".join(lines)) == _structure("In:16x16x8-" + text)


def _structure(text: str) -> str:
    """The parsed net without source positions (white space moves them, nothing else)."""
    return re.sub(r"Span\(pos=\d+, end=\d+\)", "", repr(parse(text).items))
