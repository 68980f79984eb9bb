"""ProfileReport → table (rich), JSON (schema `cnncalc.profile/2`) and markdown; plus the
progress display `cnncalc profile` shows on a terminal. Formatting only: no measuring here."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from cnncalc.messages import msg
from cnncalc.render.columns import share_bar
from cnncalc.render.plain import align, cell_len, pad
from cnncalc.torch.report import Figure, Latency, ProfileReport, RowProfile
from cnncalc.units import count, exact, nbytes

SCHEMA = "cnncalc.profile/2"


# -- JSON ----------------------------------------------------------------------------------


def _figure(f: Figure, measured_key: str = "measured") -> dict[str, Any]:
    out: dict[str, Any] = {"static": f.static, measured_key: f.measured}
    if measured_key == "measured":
        out["diff"] = f.diff
    return out


def _bytes(f: Figure) -> dict[str, Any]:
    return {"static": f.static, "measured": f.measured, "relative_error": f.relative_error}


def _latency(lat: Latency) -> dict[str, Any]:
    return {
        "median": lat.median, "p10": lat.p10, "p90": lat.p90, "runs": lat.runs,
        "mean": lat.mean, "min": lat.min, "max": lat.max, "total_s": lat.total_s,
        "clock": lat.clock,
    }  # fmt: skip


def _row(row: RowProfile) -> dict[str, Any]:
    return {
        "name": row.name,
        "kind": row.kind,
        "depth": row.depth,
        "block": row.block,
        "output": list(row.output.dims),
        "weights": _figure(row.weights, "built"),
        "flops": _figure(row.flops),
        "train_flops": _figure(row.train_flops),
        "latency_ms": row.latency_ms,
        "share": row.share,
    }


def report_json(r: ProfileReport) -> dict[str, Any]:
    """The whole document as a dict (README, "Profiling")."""
    m = r.memory
    train = _figure(r.flops["train"])
    train["pytorch_uncorrected"] = (
        r.flops_train_pytorch if r.flops["train"].measured is not None else None
    )
    return {
        "schema": SCHEMA,
        "name": r.name,
        "description": r.description,
        "device": r.device,
        "device_name": r.device_name,
        "dtype": r.dtype,
        "batch": r.batch,
        "mode": r.mode,
        "optimizer": r.optimizer,
        "threads": r.threads,
        "warmup": r.warmup,
        "min_time": r.min_time,
        "torch": r.torch_version,
        "input": list(r.input.dims),
        "output": list(r.output.dims),
        "weights": _figure(r.weights, "built"),
        "flops": {
            "forward": _figure(r.flops["forward"]),
            "train": train,
            "counter": "torch.utils.flop_counter.FlopCounterMode",
        },
        "latency_ms": {mode: _latency(lat) for mode, lat in r.latency_ms.items()},
        "throughput": dict(r.throughput),
        "flops_per_s": dict(r.flops_per_s),
        "memory": {
            "method": m.method,
            "train_bytes": _bytes(m.train_bytes),
            "infer_peak_bytes": _bytes(m.infer_peak_bytes),
            "saved_bytes": _bytes(m.saved_bytes),
            "weight_bytes": _bytes(m.weight_bytes),
            "grad_bytes": _bytes(m.grad_bytes),
            "optimizer_bytes": _bytes(m.optimizer_bytes),
            "buffer_bytes": _bytes(m.buffer_bytes),
        },
        "per_layer": None if r.per_layer is None else {
            "method": r.per_layer.method,
            "runs": r.per_layer.runs,
            "hooked_ms": r.per_layer.hooked_ms,
            "plain_ms": r.per_layer.plain_ms,
            "overhead": r.per_layer.overhead,
        },
        "layers": [_row(row) for row in r.layers],
        "notes": list(r.notes),
    }  # fmt: skip


def render_json(r: ProfileReport) -> str:
    """JSON text, indented."""
    return json.dumps(report_json(r), indent=2, ensure_ascii=False) + "\n"


# -- shared text pieces --------------------------------------------------------------------


def title(r: ProfileReport) -> str:
    """'alexnet — cpu (AMD EPYC, 2 threads), fp32, batch 1, torch 2.13.0'."""
    head = f"{r.name} — " if r.name else ""
    threads = (msg("render.profile.threads", threads=r.threads)
               if r.threads and r.device == "cpu" else "")  # fmt: skip
    return msg("render.profile.title", head=head, device=r.device, name=r.device_name,
               threads=threads, dtype=r.dtype, batch=r.batch, torch=r.torch_version)  # fmt: skip


def _diff(f: Figure) -> str:
    if f.measured is None:
        return msg("render.profile.not_measured")
    d = f.diff or 0
    return msg("render.profile.equal") if d == 0 else msg("render.profile.differs", delta=f"{d:+,}")


def _rel(f: Figure) -> str:
    e = f.relative_error
    return "" if e is None else f"{e * 100:+.1f}%"


def _b(n: int | None) -> str:
    return "—" if n is None else f"{exact(n)} B ({nbytes(n)})"


def _flops_rate(x: float) -> str:
    for suffix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.1f} {suffix}FLOP/s"
    return f"{x:.0f} FLOP/s"


def _latency_line(mode: str, r: ProfileReport) -> str:
    lat = r.latency_ms[mode]
    return msg("render.profile.latency", median=f"{lat.median:.3f}", p10=f"{lat.p10:.3f}",
               p90=f"{lat.p90:.3f}", runs=lat.runs, clock=lat.clock,
               rate=f"{r.throughput[mode]:,.1f}", flops=_flops_rate(r.flops_per_s[mode]))  # fmt: skip


def _measured(f: Figure) -> str:
    """'static …, measured … (+1.2%)' of a byte figure."""
    text = msg("render.profile.static_measured_bytes", static=_b(f.static),
               measured=_b(f.measured), error=_rel(f))  # fmt: skip
    return text.rstrip()


def summary_lines(r: ProfileReport) -> list[tuple[str, str]]:
    """(label, value) pairs under the table, in reading order."""
    fwd, train, m = r.flops["forward"], r.flops["train"], r.memory
    built = exact(r.weights.measured or 0)
    train_measured = exact(train.measured) if train.measured is not None else "—"
    lines = [
        (msg("render.profile.weights"), msg("render.profile.weights_value",
         static=exact(r.weights.static), built=built, diff=_diff(r.weights))),
        (msg("render.profile.flops_forward"), msg("render.profile.static_measured",
         static=exact(fwd.static), measured=exact(fwd.measured or 0), diff=_diff(fwd))),
        (msg("render.profile.flops_train"), msg("render.profile.static_measured",
         static=exact(train.static), measured=train_measured, diff=_diff(train))),
    ]  # fmt: skip
    if train.measured is not None and r.flops_train_pytorch != train.measured:
        lines.append(
            ("", msg("render.profile.pytorch_formula", flops=exact(r.flops_train_pytorch)))
        )
    for mode in ("infer", "train"):
        if mode in r.latency_ms:
            label = (msg("render.profile.latency_infer") if mode == "infer"
                     else msg("render.profile.latency_train", optimizer=r.optimizer))  # fmt: skip
            lines.append((label, _latency_line(mode, r)))
    label = msg("render.profile.training_memory", optimizer=r.optimizer)
    lines.append((label, _measured(m.train_bytes)))
    parts = [("saved", m.saved_bytes), ("weights", m.weight_bytes), ("grads", m.grad_bytes),
             ("optimizer", m.optimizer_bytes), ("buffers", m.buffer_bytes)]  # fmt: skip
    shown = "; ".join(
        f"{msg(f'render.profile.part.{key}')} {nbytes(f.static)}"
        f" / {nbytes(f.measured) if f.measured is not None else '—'}"
        for key, f in parts
    )
    lines.append(("", msg("render.profile.parts", parts=shown)))
    lines.append(("", msg("render.profile.method", method=m.method)))
    if m.infer_peak_bytes.measured is not None:
        lines.append((msg("render.profile.peak"), _measured(m.infer_peak_bytes)))
    if r.per_layer is not None:
        p = r.per_layer
        text = msg("render.profile.per_layer_value", method=p.method,
                   overhead=f"{p.overhead * 100:+.1f}", hooked=f"{p.hooked_ms:.3f}",
                   plain=f"{p.plain_ms:.3f}")  # fmt: skip
        lines.append((msg("render.profile.per_layer"), text))
    lines += [(msg("render.profile.note"), n) for n in r.notes]
    return lines


# Message keys of the table's columns (render.profile.header.KEY).
HEADERS = ["layer", "output", "weights", "flops_static", "flops_measured", "train_static",
           "train_measured", "delta"]  # fmt: skip


def row_cells(row: RowProfile, per_layer: bool) -> list[str]:
    """One table row: counts in decimal units; Δ is '0' or the exact differences."""
    diffs = [f.diff for f in (row.weights, row.flops, row.train_flops) if f.measured is not None]
    delta = "0" if not any(diffs) else ", ".join(f"{d:+,}" for d in diffs if d)
    train = row.train_flops.measured
    cells = [
        "  " * row.depth + row.name,
        str(row.output),
        exact(row.weights.static),
        count(row.flops.static),
        count(row.flops.measured or 0),
        count(row.train_flops.static),
        count(train) if train is not None else "—",
        delta,
    ]
    if per_layer:
        cells += [
            "" if row.latency_ms is None else f"{row.latency_ms:.3f}",
            "" if row.share is None else share_bar(row.share),
        ]
    return cells


def _headers(r: ProfileReport) -> list[str]:
    keys = HEADERS + (["time", "share"] if r.per_layer is not None else [])
    return [msg(f"render.profile.header.{key}") for key in keys]


# -- table (terminal) and plain text (pipe) -------------------------------------------------


def _style(row: RowProfile) -> str | None:
    if any(f.diff for f in (row.weights, row.flops, row.train_flops)):
        return "red"  # a static figure PyTorch disagrees with: a bug to see at once
    return "dim" if row.block else None


def render_table(r: ProfileReport) -> Any:
    """For a terminal: the title, the per-row table and the summary, each fitted to the width
    with every number whole (render/fit.py; issue 9)."""
    from rich.console import Group
    from rich.text import Text

    from cnncalc.render.fit import Col, FitTable, Pairs, Words

    cols = [Col(h, right=i >= 2) for i, h in enumerate(_headers(r))]
    rows = [row_cells(row, r.per_layer is not None) for row in r.layers]
    table = FitTable(cols, rows, styles=[_style(row) for row in r.layers], blank="-")
    return Group(Words(title(r), "bold"), table, Text(), Pairs(summary_lines(r)))


def render_text(r: ProfileReport) -> str:
    """For a pipe: plain aligned text, as `shape` and `list` print there (no box, no colour);
    '-' in empty cells so awk sees every column."""
    from cnncalc.safe import printable

    headers = _headers(r)
    grid = [headers, *(row_cells(row, r.per_layer is not None) for row in r.layers)]
    grid = [[printable(cell) or "-" for cell in line] for line in grid]
    out = [printable(title(r)), *align(grid, [i >= 2 for i in range(len(headers))]), ""]
    pairs = summary_lines(r)
    width = max(cell_len(label) for label, _ in pairs)
    out += [f"{pad(label, width)}  {printable(value)}".rstrip() for label, value in pairs]
    return "\n".join(out) + "\n"


# -- markdown ------------------------------------------------------------------------------


def render_markdown(r: ProfileReport) -> str:
    """A markdown document: title, per-row table, summary list."""
    headers = _headers(r)
    out = [f"**{title(r)}**", ""]
    out.append("| " + " | ".join(headers) + " |")
    out.append("|" + "|".join(":---" if i < 2 else "---:" for i in range(len(headers))) + "|")
    for row in r.layers:
        cells = row_cells(row, r.per_layer is not None)
        cells[0] = "&nbsp;" * 2 * row.depth + row.name
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    out.append("")
    for label, value in summary_lines(r):
        out.append(f"- **{label}**: {value}" if label else f"  - {value}")
    return "\n".join(out) + "\n"


# -- progress ------------------------------------------------------------------------------


@contextmanager
def progress_display(enabled: bool) -> Iterator[Callable[[str, float], None] | None]:
    """A transient rich progress bar on stderr, fed by `profile(progress=...)`; None when off."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<18}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(msg("torch.stage.starting"), total=1.0)

        def update(stage: str, done: float, what: str = "") -> None:
            """stage: a torch.stage.* key ('timing infer', …); what: whose it is (check's
            'alexnet cpu'), shown before it."""
            text = msg(f"torch.stage.{stage}")
            bar.update(task, description=f"{what}: {text}" if what else text, completed=done)

        yield update
