"""The totals under a shape table, as (label, value) pairs for any text renderer."""

from __future__ import annotations

from cnncalc.analysis import Report
from cnncalc.safe import printable
from cnncalc.units import count, exact, nbytes, pair


def _b(n: int) -> str:
    return f"{exact(n)} B ({nbytes(n)})"


def totals_lines(report: Report) -> list[tuple[str, str]]:
    """Totals in reading order: counts exact and in decimal units, bytes exact and in MiB."""
    t = report.totals
    per = f"{report.dtype}, batch {report.batch}"
    lines = [("weights", f"{exact(t.weights)} ({count(t.weights)})")]
    if t.buffers:
        lines.append(("running statistics", f"{exact(t.buffers)} (not trainable)"))
    lines += [
        ("weight memory", f"{_b(t.weight_bytes)} at {report.dtype}"),
        (
            "activations",
            (
                f"{exact(t.nodes)} nodes = {_b(t.activation_bytes)} ({per};"
                " input not counted, element-wise layers in place)"
            ),
        ),
        (
            "peak inference memory",
            (
                f"{_b(t.peak_bytes)} = weights + largest set of live"
                f" tensors ({nbytes(t.peak_activation_bytes)})"
            ),
        ),
        ("MACs", f"{exact(t.macs)} ({count(t.macs)})"),
        (
            "FLOPs",
            (
                f"{exact(t.flops)} ({count(t.flops)}) forward = 2·MACs;"
                f" backward {exact(t.backward_flops)} ({count(t.backward_flops)})"
            ),
        ),
        ("other ops", f"{exact(t.other_ops)} ({count(t.other_ops)}) element-wise, not in FLOPs"),
        (
            f"training memory ({report.optimizer})",
            (
                f"{_b(t.train_bytes)} = weights + grads + optimizer state"
                f" ({nbytes(t.optimizer_bytes)}) + saved for backward ({nbytes(t.saved_bytes)})"
            ),
        ),
        ("receptive field", _rf_line(report)),
    ]
    return lines


def _rf_line(report: Report) -> str:
    """The last spatial layer's field; GAP/FC are not kernels, they see the whole input (issue 9)."""
    rf = report.totals.rf
    if report.input.is_flat:
        return "none: the input is a vector, which FC layers see whole"
    text = f"{pair(rf.size)} (jump {pair(rf.jump)})"
    if rf.whole:
        text += ", last spatial layer; GAP/FC see the whole input"
    return text


def title(report: Report) -> str:
    """'alexnet — input 224×224×3' or the DSL's input alone."""
    head = f"{printable(report.name)} — " if report.name else ""  # user text (issue 9)
    return f"{head}input {report.input} (={exact(report.input.numel)})"
