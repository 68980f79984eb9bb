"""The totals under a shape table, as (label, value) pairs for any text renderer."""

from __future__ import annotations

from cnncalc.analysis import Report
from cnncalc.messages import msg
from cnncalc.safe import printable
from cnncalc.units import count, exact, nbytes, pair


def _b(n: int) -> str:
    return f"{exact(n)} B ({nbytes(n)})"


def totals_lines(report: Report) -> list[tuple[str, str]]:
    """Totals in reading order: counts exact and in decimal units, bytes exact and in MiB."""
    t = report.totals
    lines = [(msg("render.total.weights"), f"{exact(t.weights)} ({count(t.weights)})")]
    if t.buffers:
        lines.append((msg("render.total.buffers"),
                      msg("render.total.buffers_value", count=exact(t.buffers))))  # fmt: skip
    lines += [
        (msg("render.total.weight_memory"),
         msg("render.total.weight_memory_value", bytes=_b(t.weight_bytes), dtype=report.dtype)),
        (msg("render.total.activations"),
         msg("render.total.activations_value", nodes=exact(t.nodes),
             bytes=_b(t.activation_bytes), dtype=report.dtype, batch=report.batch)),
        (msg("render.total.peak"),
         msg("render.total.peak_value", bytes=_b(t.peak_bytes),
             live=nbytes(t.peak_activation_bytes))),
        (msg("render.total.macs"), f"{exact(t.macs)} ({count(t.macs)})"),
        (msg("render.total.flops"),
         msg("render.total.flops_value", flops=exact(t.flops), flops_short=count(t.flops),
             backward=exact(t.backward_flops), backward_short=count(t.backward_flops))),
        (msg("render.total.other"),
         msg("render.total.other_value", count=exact(t.other_ops), short=count(t.other_ops))),
        (msg("render.total.training", optimizer=report.optimizer),
         msg("render.total.training_value", bytes=_b(t.train_bytes),
             state=nbytes(t.optimizer_bytes), saved=nbytes(t.saved_bytes))),
        (msg("render.total.rf"), _rf_line(report)),
    ]  # fmt: skip
    return lines


def _rf_line(report: Report) -> str:
    """The last spatial layer's field; GAP/FC are not kernels, they see the whole input (issue 9)."""
    rf = report.totals.rf
    if report.input.is_flat:
        return msg("render.total.rf_none")
    text = msg("render.total.rf_value", size=pair(rf.size), jump=pair(rf.jump))
    if rf.whole:
        text += msg("render.total.rf_whole")
    return text


def title(report: Report) -> str:
    """'alexnet — input 224×224×3' or the DSL's input alone."""
    numel = exact(report.input.numel)
    if report.name:  # user text (issue 9)
        return msg("render.title_named", name=printable(report.name), input=report.input,
                   numel=numel)  # fmt: skip
    return msg("render.title", input=report.input, numel=numel)
