"""The seeds' worked examples, computed by `cnncalc run` from the built-in specs (issue 12).
Expected matrices are the ones the notes print (seed 000, /work/shared/seeds/000_*.txt), and
DESIGN §9's last rows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnncalc.numeric.run import run

CASES = [
    # built-in spec        expected output (H×W, one channel)             source
    ("seed000_conv_p0s1", [[5, 4, 5], [3, 5, 4], [3, 4, 5]]),  # 컨볼루션 결과 p=(0,0), s=(1,1)
    ("seed000_conv_p1s1", [[3, 3, 4, 2, 2], [2, 5, 4, 5, 2], [2, 3, 5, 4, 4],
                           [2, 3, 4, 5, 2], [1, 3, 3, 2, 2]]),  # p=(1,1), s=(1,1)
    # p=(1,1), s=(2,2): the formula's 3×3 (DESIGN §9); the notes print its top-left 2×2
    ("seed000_conv_p1s2", [[3, 4, 2], [2, 5, 4], [1, 3, 2]]),
    ("seed000_maxpool", [[6, 8], [3, 4]]),  # 최대값 풀링
    ("seed000_avgpool", [[3, 4.75], [1.75, 1.75]]),  # 평균값 풀링
    ("seed000_maxpooling", [[200, 119], [120, 49]]),  # maxPooling(mat, 2, 2)
]  # fmt: skip


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_seed_matrices_exactly(name: str, expected: list) -> None:
    report = run(name)
    np.testing.assert_array_equal(report.rows[-1].values[:, :, 0], expected)
    assert report.input_given and not report.drawn


def test_p1s2_says_why_the_notes_print_2x2(cli) -> None:
    """The description, printed by run, gives the formula and the loop's double stride."""
    result = cli("run", "seed000_conv_p1s2")
    assert result.exit_code == 0, result.output
    assert "⌊(5+2−3)/2⌋+1 = 3" in result.stdout and "applies the stride twice" in result.stdout
    assert "  3  4  2\n  2  5  4\n  1  3  2\n" in result.stdout  # integers as integers


def test_stochastic_pooling_probabilities() -> None:
    """Seed 000: p_i = a_i / Σ_{k∈R_j} a_k, s_j = Σ p_i·a_i, on the notes' pooling matrix;
    the expected numbers are worked by hand from the formulas (first block [1 1; 4 6]:
    Σa = 12, Σa² = 54, s = 4.5)."""
    report = run("seed000_stochpool")
    row = report.rows[-1]
    a = np.array([[1, 1, 2, 3], [4, 6, 6, 8], [3, 1, 1, 0], [1, 2, 2, 4]], float)
    blocks = a.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4)
    sums = blocks.sum(-1)
    np.testing.assert_allclose(row.values[:, :, 0], (blocks**2).sum(-1) / sums, rtol=1e-6)
    assert row.values[0, 0, 0] == pytest.approx(4.5)
    ((_, p),) = row.extras
    np.testing.assert_allclose(p[:, :, 0], a / np.repeat(np.repeat(sums, 2, 0), 2, 1), rtol=1e-6)
    assert p[0, 0, 0] == pytest.approx(1 / 12)


def test_training_samples_from_the_window(cli) -> None:
    """--train picks one element per block: each output is a positive value of its block."""
    doc = json.loads(cli("run", "seed000_stochpool", "--train", "--format", "json").stdout)
    out = np.array(doc["layers"][-1]["values"])[:, :, 0]
    blocks = [[{1, 4, 6}, {2, 3, 6, 8}], [{3, 1, 2}, {1, 2, 4}]]
    assert all(out[i, j] in blocks[i][j] for i in range(2) for j in range(2))
