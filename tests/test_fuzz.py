"""Hostile input, generated (issue 9, "Proof" (2)): only cnncalc's own errors, in bounded time.

Hypothesis writes and mutates text, spec files and option values, and every one must end as
DESIGN §7 says: a correct answer, or a `CnnCalcError` (on the command line: exit 2 and one
`error: …` message on stderr, never a traceback); `check` may also exit 1. Never another
exception, never a hang, never a memory blow-up:

- random DSL text from the grammar's alphabet: the registry's names, digits (also those that
  `str.isdigit` accepts and `int` does not: `²`, `①`; and those both accept: `٣`, `５`), the
  grammar's punctuation, whitespace and comments, numbers of thousands of digits;
- DSL text shaped like a net, with hostile numbers in every argument and repeat count;
- the built-in specs, mutated: their layers (expanded) and their whole TOML files;
- spec files: valid TOML with random keys and values after the schema of DESIGN §5, [blocks]
  that call each other, and random bytes;
- option values through the CLI (typer's CliRunner): shape, check and diff with --input,
  --batch, --dtype, --columns, --depth, --format.

Each example runs under a time bound (TIME_BOUND_S, measured with time.perf_counter; an alarm
at twice that turns a hang into a failure) and, on Linux, a memory bound (the address space may
grow by MEMORY_BOUND_BYTES at most, so a blow-up is a MemoryError here, not a dead machine).

The number of examples comes from the hypothesis profile (tests/conftest.py): the `ci` default
keeps the run short; `python -m pytest tests/test_fuzz.py --hypothesis-profile=long` (or
HYPOTHESIS_PROFILE=long) runs thousands.
"""

from __future__ import annotations

import math
import os
import re
import signal
import string
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
import tomllib
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from typer.testing import Result

from cnncalc.api import analyze
from cnncalc.errors import CnnCalcError
from cnncalc.layers import ALL_NAMES
from cnncalc.specs import BUDGET_KEYS, PROFILE_KEYS, TOP_KEYS, builtin_dir, load_spec

TIME_BOUND_S = 5.0  # issue 9 asks for 2 s; generous here so that a busy CI machine never flakes
MEMORY_BOUND_BYTES = 1 << 30  # issue 9 asks for 500 MB
FIXTURES_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


# -- bounds ------------------------------------------------------------------------------------


class Hang(Exception):
    """Raised by the alarm: the example ran far past its time bound."""


class Clock:
    elapsed = 0.0


def _address_space() -> int:
    """Bytes of address space this process maps now (Linux), or 0 when unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def bounded(seconds: float = TIME_BOUND_S) -> Iterator[Clock]:
    """Time the block; an alarm at 2 × `seconds` raises Hang; on Linux, the block may map
    at most MEMORY_BOUND_BYTES more memory (more raises MemoryError inside it)."""
    clock = Clock()
    try:
        import resource
    except ImportError:  # not on Windows
        resource = None  # type: ignore[assignment]
    mapped = _address_space() if resource is not None else 0
    limit = None
    if mapped:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = mapped + MEMORY_BOUND_BYTES
        if hard == resource.RLIM_INFINITY or cap < hard:
            limit = (soft, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {2 * seconds:g} s")

    # Alarms exist on POSIX and reach only the main thread; elsewhere the time is still measured.
    armed = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, alarm) if armed else None
    if armed:
        signal.setitimer(signal.ITIMER_REAL, 2 * seconds)
    start = time.perf_counter()
    try:
        yield clock
    finally:
        clock.elapsed = time.perf_counter() - start
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, limit)


def only_cnncalc_errors(work: Callable[[], object]) -> None:
    """Run `work`: it may succeed or raise a CnnCalcError whose message renders; anything else
    propagates (and fails the test), and so does running past the time bound."""
    with bounded() as clock:
        try:
            work()
        except CnnCalcError as exc:
            message = exc.render()
            assert isinstance(message, str) and message.strip(), "an empty error message"
    assert clock.elapsed < TIME_BOUND_S, f"took {clock.elapsed:.1f} s"


def invoke(cli: Callable[..., Result], *args: str) -> tuple[Result, float]:
    """The CLI in-process, timed and bounded."""
    with bounded() as clock:
        result = cli(*args)
    return result, clock.elapsed


def clean_exit(result: Result, elapsed: float, allowed: tuple[int, ...] = (0, 2)) -> None:
    """DESIGN §7 at the command line: an allowed exit code; on 2, one 'error: …' message on
    stderr and no traceback; within the time bound. An exception that escaped is re-raised
    as itself, so that hypothesis tells distinct bugs apart."""
    shown = (
        f"exit {result.exit_code}\n--- stdout\n{result.stdout[-2000:]}\n"
        f"--- stderr\n{result.stderr[-2000:]}"
    )
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        raise exc
    assert result.exit_code in allowed, shown
    if result.exit_code == 2:
        assert result.stderr.startswith("error: "), shown
        assert "Traceback" not in result.output, shown
    assert elapsed < TIME_BOUND_S, f"took {elapsed:.1f} s\n{shown}"


# -- the DSL's alphabet ------------------------------------------------------------------------

# Digits that str.isdigit accepts but int() refuses, and digits that both accept.
ODD_DIGITS = "²³¹①⑦"
FOREIGN_DIGITS = "٣５߁৪𝟗"
PUNCTUATION = "x×X/p:dg*@#()|-&$.{}=,"
WHITESPACE = [" ", "\t", "\n", "\r", "\u00a0", "\u2028"]
WORDS = ["nb", "same", "ceil", "psame", "In:", "Res(", "Cat(", "$basic(c=64)", "{c}", "#c\n"]

# The registry's names, and names of layers cnncalc does not have (issue 9: "not supported").
OTHER_NAMES = ("ConvT", "LN", "LSTM", "Up", "PS", "Crop", "GN", "IN", "Scale", "vgg-16", "x")
names = st.sampled_from(ALL_NAMES + OTHER_NAMES).flatmap(
    lambda n: st.sampled_from([n, n.lower(), n.upper(), n[:-1] or n, n + n[-1]])
)
numbers = st.one_of(
    st.integers(0, 300).map(str),
    st.sampled_from(["0", "1", "00", "07", "1e400", "1e-3", "0.5", "2.", ".5", "1e3", "nan"]),
    st.integers(1, 40).map(lambda n: "9" * n),
    st.sampled_from(["1" * 4301, "9" * 5000]),  # past Python's int-string limit
    st.text(alphabet=string.digits + ODD_DIGITS + FOREIGN_DIGITS, min_size=1, max_size=4),
)
tokens = st.one_of(
    names,
    numbers,
    st.sampled_from(PUNCTUATION),
    st.sampled_from(WHITESPACE),
    st.sampled_from(WORDS),
    st.text(max_size=3),
)
dsl_soup = st.lists(tokens, max_size=40).map("".join)


@st.composite
def net_shaped(draw: st.DrawFn) -> str:
    """Text shaped like a net (In, layers with arguments, groups, blocks, repeats, labels), with
    any number in any place: zero, huge, unicode, thousands of digits."""
    num = draw(st.one_of(st.integers(1, 8).map(str), numbers))

    def n() -> str:
        return draw(st.one_of(st.integers(1, 16).map(str), st.just(num), numbers))

    items = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(ALL_NAMES))
        shape = draw(
            st.sampled_from(
                [
                    "{k}",
                    "{k}:{a}",
                    "{k}:{a}x{b}x{c}",
                    "{k}:{a}x{b}x{c}/{d}p{e}",
                    "{k}:{a}x{a}x{b}d{c}g{d}",
                    "{k}:{a}/{b}p{c}ceil",
                    "({k}:{a}-{k})*{b}",
                    "Res({k}:{a}x{a}x{b}|{k})",
                    "Cat({k}|{k}:{a})",
                    "(({k})*{a})*{b}",
                    "{k}*{a}@l{b}",
                ]
            )
        )
        items.append(shape.format(k=kind, a=n(), b=n(), c=n(), d=n(), e=n()))
    head = draw(st.sampled_from(["", "In:{a}x{b}x{c}-", "In:{a}-", "In:{a}x{b}x{c}@i-"]))
    return head.format(a=n(), b=n(), c=n()) + "-".join(items)


# Long nets (issue 9: text past ~250 characters was once asked of the filesystem as a name).
long_chains = st.lists(
    st.sampled_from(["ReLU", "Conv:3x3x8p1", "BN", "Id", "(ReLU)", "SM", "Res(ReLU)", "\n"]),
    min_size=30,
    max_size=600,
).map(lambda items: "In:8x8x3-" + "-".join(items))


def nested(depth: int, inner: str = "ReLU") -> str:
    return "(" * depth + inner + ")" * depth


@given(text=dsl_soup)
def test_random_dsl_text(text: str) -> None:
    """Any text from the grammar's alphabet: an answer or a CnnCalcError, quickly."""
    note(repr(text))
    only_cnncalc_errors(lambda: analyze(text, input="16x16x3"))


@given(text=net_shaped())
def test_net_shaped_text_with_hostile_numbers(text: str) -> None:
    """Nets with hostile numbers everywhere (repeats, kernels, inputs, labels)."""
    note(repr(text))
    only_cnncalc_errors(lambda: analyze(text, input="16x16x3"))
    only_cnncalc_errors(lambda: analyze(text))


@given(text=st.one_of(long_chains, dsl_soup, net_shaped()))
def test_dsl_text_never_touches_the_filesystem(text: str) -> None:
    """DESIGN §2: text that cannot be a name (it holds ':', '(', a newline…) is DSL and is never
    looked up as a file; whatever it is, no OSError gets out."""
    note(repr(text))
    looked_up: list[str] = []
    real_stat = os.stat

    def stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(os.fspath(path) if isinstance(path, (str, os.PathLike)) else "")
        return real_stat(path, *args, **kwargs)

    with patch("os.stat", stat):
        only_cnncalc_errors(lambda: analyze(text, input="16x16x3"))
    # A name is letters, digits, '_', '.' and '-' (vgg-16 and resnet-50 are names, and
    # NAME.toml may be looked for to point at it); anything else (':', '(', '*', a space, a
    # newline…) is DSL.
    name = text.strip()
    if name and not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
        asked = [p for p in looked_up if name.lower() in p.lower()]
        assert asked == [], f"looked up as a file: {asked[0][:120]!r}"


@given(depth=st.integers(1, 5000), inner=st.sampled_from(["ReLU", "Res(ReLU)", "ReLU*2"]))
def test_deep_nesting(depth: int, inner: str) -> None:
    """Parentheses nested thousands deep: no RecursionError (issue 9)."""
    only_cnncalc_errors(lambda: analyze("In:8x8x3-" + nested(depth, inner)))


# -- mutations of the built-in specs -----------------------------------------------------------

BUILTIN_FILES = sorted(builtin_dir().glob("*.toml"))


def _layers_of(path: Path) -> str:
    spec = load_spec(path)
    return spec.expansion.text if spec.expansion is not None else spec.net.src


BUILTIN_LAYERS = {path.stem: _layers_of(path) for path in BUILTIN_FILES}
MUTATION_TEXT = st.one_of(tokens, st.sampled_from(['"', "'", "[", "]", "=", "\n[budget]\n"]))


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` with a few characters inserted, deleted, replaced or a slice duplicated."""
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 20)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        if op == "insert":
            text = text[:i] + draw(MUTATION_TEXT) + text[i:]
        elif op == "delete":
            text = text[:i] + text[j:]
        elif op == "replace":
            text = text[:i] + draw(MUTATION_TEXT) + text[j:]
        else:
            text = text[:j] + text[i:j] * draw(st.integers(1, 50)) + text[j:]
    return text


@given(data=st.data(), name=st.sampled_from(sorted(BUILTIN_LAYERS)))
def test_mutated_builtin_layers(data: st.DataObject, name: str) -> None:
    """A built-in net's (expanded) layers, slightly broken, as DSL text."""
    text = data.draw(mutated(BUILTIN_LAYERS[name]))
    note(repr(text))
    only_cnncalc_errors(lambda: analyze(text, input="224x224x3"))


@FIXTURES_OK
@given(
    data=st.data(),
    path=st.sampled_from(BUILTIN_FILES),
    fmt=st.sampled_from(["table", "json", "github", "junit"]),
)
def test_mutated_builtin_spec_files(
    data: st.DataObject, path: Path, fmt: str, cli: Callable[..., Result], tmp_path_factory
) -> None:
    """A built-in spec file, slightly broken, through `check` and `shape`."""
    text = data.draw(mutated(path.read_text(encoding="utf-8")))
    target = tmp_path_factory.mktemp("mutated") / f"{path.stem}.toml"
    target.write_text(text, encoding="utf-8")
    note(text)
    clean_exit(*invoke(cli, "check", str(target), "--format", fmt), allowed=(0, 1, 2))
    clean_exit(*invoke(cli, "shape", str(target)))


# -- random spec files -------------------------------------------------------------------------


def toml_key(key: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return key
    return toml_str(key)


def toml_str(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    """TOML text of a value (inline arrays and tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(data: dict[str, Any], draw: st.DrawFn) -> str:
    """Scalars and inline tables first, then the other tables as [section]s (with [a.b])."""
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    sections = {k: v for k, v in tables.items() if draw(st.booleans())}
    lines = [f"{toml_key(k)} = {toml_value(v)}" for k, v in data.items() if k not in sections]
    for key, table in sections.items():
        lines.append(f"[{toml_key(key)}]")
        lines += [
            f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)
        ]
        for sub, inner in table.items():
            if isinstance(inner, dict):
                lines.append(f"[{toml_key(key)}.{toml_key(sub)}]")
                lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in inner.items()]
    return "\n".join(lines) + "\n"


quantities = st.one_of(
    st.sampled_from(
        [
            "62.4M",
            "240MiB",
            "4MiB",
            "1.2G",
            "1GiB",
            "300",
            "1e300T",
            "0",
            "-5M",
            "nanG",
            "infM",
            "1e400",
            "2KB",
            "9007199254740993",
            "12 MiB",
            "1 M",
            "M",
            "1.5",
            "10**3",
            "１M",
            "²M",
        ]
    ),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    numbers.map(lambda n: n + "M"),
)
scalars = st.one_of(
    st.text(max_size=12),
    quantities,
    st.booleans(),
    st.sampled_from(
        [
            "fp32",
            "fp16",
            "bf16",
            "int8",
            "fp64",
            "sgd",
            "adam",
            "momentum",
            "cpu",
            "cuda",
            "cuda:1",
            "mps",
            "auto",
            "infer",
            "train",
            "both",
            "224x224x3",
            "3x224x224",
            "0x0x0",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=5,
)
layer_texts = st.one_of(
    st.sampled_from(
        [
            "Conv:3x3x8p1-ReLU-Pool-FC:10",
            "In:8x8x3-Conv:3x3x4-GAP-FC:2",
            "$a(c=8)",
            "$a(c=8)*3-$b",
            "$b*1000",
            "Conv:3x3x{c}",
            "#only a comment\n",
            "In:8x8x3-$a(c=4)@x-FC:2",
        ]
    ),
    dsl_soup,
    net_shaped(),
)
block_bodies = st.one_of(
    st.sampled_from(
        [
            "Conv:3x3x{c}p1-ReLU",
            "$a(c={c})-$a(c={c})",
            "$b*1000-$b*1000",
            "$a",
            "ReLU*1000",
            "$b(c=1)",
            "Res(Conv:3x3x{c}p1)",
            "{c",
            "{}",
            "$c(x=1)",
            "",
            "#x\n",
        ]
    ),
    layer_texts,
)
budgets = st.dictionaries(
    st.one_of(st.sampled_from([*BUDGET_KEYS, "latency_ms"]), st.text(max_size=8)),
    st.one_of(
        quantities,
        values,
        st.dictionaries(
            st.one_of(
                st.sampled_from(["cpu", "cuda", "cuda:0", "mps", "gpu", "cuda:x"]),
                st.text(max_size=6),
            ),
            quantities,
            max_size=3,
        ),
    ),
    max_size=4,
)
profiles = st.dictionaries(
    st.one_of(st.sampled_from(PROFILE_KEYS), st.text(max_size=8)),
    st.one_of(scalars, st.integers(-(2**63), 2**63 - 1), st.floats()),
    max_size=4,
)
# One strategy per top-level key of DESIGN §5 (checked against cnncalc's own list below).
SPEC_PARTS: dict[str, st.SearchStrategy[Any]] = {
    "name": st.one_of(st.text(max_size=30), values),
    "description": st.one_of(st.text(max_size=60), st.just("a\n::error::x\x1b[31m")),
    "input": st.one_of(st.sampled_from(["224x224x3", "8x8x3", "3x224x224", "32"]), values),
    "layers": st.one_of(layer_texts, layer_texts, layer_texts, values),
    # issue 10: a PyTorch module; only names that cannot import anything real (no side effects)
    "torch": st.one_of(
        st.sampled_from(["missing_net.py:build", "nets.py", "no_such_pkg_q.models:net", ":f"]),
        st.integers(),
        st.dictionaries(
            st.sampled_from(["model", "kwargs", "x"]),
            st.one_of(st.just("missing_net.py:f"), st.integers(), st.just({"a": 1})),
            max_size=2,
        ),
    ),
    "blocks": st.one_of(
        st.dictionaries(
            st.sampled_from(["a", "b", "c", "1x", "a-b", ""]), block_bodies, max_size=3
        ),
        values,
    ),
    "budget": st.one_of(budgets, values),
    "profile": st.one_of(profiles, values),
    # read by `run` only (tests/test_run.py fuzzes what it holds); every other command skips it
    "values": st.one_of(st.dictionaries(st.sampled_from(["input", "Conv:1"]), values), values),
}
spec_files = st.fixed_dictionaries(
    {"layers": SPEC_PARTS["layers"]},
    optional={k: v for k, v in SPEC_PARTS.items() if k != "layers"},
).flatmap(
    lambda d: st.one_of(
        st.just(d),
        st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=1).map(
            lambda extra: {**d, **extra}  # an unknown (or a known) key with any value
        ),
        st.just({k: v for k, v in d.items() if k != "layers"}),  # no layers at all
    )
)


def test_spec_generator_knows_every_key() -> None:
    """The generated spec files cover every top-level key cnncalc accepts."""
    assert set(SPEC_PARTS) == set(TOP_KEYS)


@FIXTURES_OK
@given(
    data=st.data(),
    spec=spec_files,
    fmt=st.sampled_from(["table", "json", "github", "junit", "markdown"]),
)
def test_random_spec_files(
    data: st.DataObject, spec: dict, fmt: str, cli: Callable[..., Result], tmp_path_factory
) -> None:
    """Valid TOML after DESIGN §5's schema, with random keys and values, through check,
    shape and diff."""
    text = toml_document(spec, data.draw)
    tomllib.loads(text)  # the generator writes valid TOML; the checks below are cnncalc's
    path = tmp_path_factory.mktemp("spec") / "net.toml"
    path.write_text(text, encoding="utf-8")
    note(text)
    clean_exit(*invoke(cli, "check", str(path), "--format", fmt), allowed=(0, 1, 2))
    clean_exit(*invoke(cli, "shape", str(path)))
    clean_exit(*invoke(cli, "diff", str(path), "lenet5"))
    only_cnncalc_errors(lambda: analyze(str(path)))


@FIXTURES_OK
@given(blob=st.binary(max_size=400))
def test_random_bytes_as_spec_file(
    blob: bytes, cli: Callable[..., Result], tmp_path_factory
) -> None:
    """Any bytes in a .toml file: a message about the file, exit 2 (or a verdict)."""
    path = tmp_path_factory.mktemp("bytes") / "net.toml"
    path.write_bytes(blob)
    clean_exit(*invoke(cli, "check", str(path)), allowed=(0, 1, 2))
    clean_exit(*invoke(cli, "shape", str(path)))


# -- option values ---------------------------------------------------------------------------

COLUMN_NAMES = ["layer", "size", "filters", "stride", "padding", "output", "weights", "macs",
                "flops", "backward", "other", "memory", "rf", "jump", "start", "fan_in",
                "fan_out", "weights%", "macs%", "all"]  # fmt: skip
option_numbers = st.one_of(
    st.integers(-3, 70).map(str),
    st.sampled_from(
        [
            "10000000000000000000000000000000",
            str(2**63),
            str(2**64 + 1),
            "1.5",
            "1e3",
            "",
            " 8",
            "8 ",
            "0x10",
            "+3",
            "abc",
            "٣",
            "５",
            "²",
            "1_000",
        ]
    ),
    numbers,
)
input_values = st.one_of(
    st.tuples(option_numbers, option_numbers, option_numbers).map("x".join),
    st.tuples(option_numbers, option_numbers).map("x".join),
    option_numbers,
    st.sampled_from(
        [
            "3x224x224",
            "224x224x3",
            "224×224×3",
            "224X224X3",
            "1x1x1",
            "0x0x0",
            "x",
            "224x224x3x1",
            " 224x224x3 ",
            "-224x224x3",
        ]
    ),
    st.text(max_size=12),
)
column_values = st.one_of(
    st.lists(
        st.tuples(st.sampled_from(["", "+", "-"]), st.sampled_from(COLUMN_NAMES)).map("".join),
        min_size=1,
        max_size=6,
    ).map(",".join),
    st.text(alphabet=",+- " + string.ascii_lowercase + "%_", max_size=20),
)
dtype_values = st.one_of(
    st.sampled_from(["fp32", "fp16", "bf16", "int8", "fp64"]),
    st.sampled_from(["FP32", "float32", "fp8", "", "fp16 "]),
    st.text(max_size=6),
)
SPECS = ["alexnet", "lenet5", "resnet18", "In:8x8x3-Conv:3x3x4p1-ReLU-Pool-FC:10",
         "Conv:3x3x8-ReLU-GAP-FC:2", "In:32-FC:10-SM", "VGG16", "no-such-thing",
         "In:8x8x3-Res(Conv:3x3x3p1)*2@r-Cat(Id|Conv:1x1x2)-FC:2"]  # fmt: skip


@st.composite
def shape_args(draw: st.DrawFn) -> list[str]:
    args = ["shape", draw(st.sampled_from(SPECS))]
    options: list[tuple[str, st.SearchStrategy[str]]] = [
        ("--input", input_values),
        ("--batch", option_numbers),
        ("--dtype", dtype_values),
        ("--optimizer", st.sampled_from(["sgd", "momentum", "adam", "rmsprop"])),
        ("--columns", column_values),
        ("--depth", option_numbers),
        ("--format", st.sampled_from(["table", "json", "csv", "markdown", "yaml"])),
    ]
    for flag, values in draw(
        st.lists(st.sampled_from(options), max_size=5, unique_by=lambda o: o[0])
    ):
        args += [flag, draw(values)]
    args += draw(
        st.lists(st.sampled_from(["--explain", "--strict", "--expand"]), max_size=2, unique=True)
    )
    return args


@st.composite
def diff_args(draw: st.DrawFn) -> list[str]:
    args = ["diff", draw(st.sampled_from(SPECS)), draw(st.sampled_from(SPECS))]
    options = [
        ("--input", input_values),
        ("--batch", option_numbers),
        ("--dtype", dtype_values),
        ("--optimizer", st.sampled_from(["sgd", "momentum", "adam", "rmsprop"])),
        ("--format", st.sampled_from(["table", "json", "markdown", "csv"])),
    ]
    for flag, values in draw(
        st.lists(st.sampled_from(options), max_size=4, unique_by=lambda o: o[0])
    ):
        args += [flag, draw(values)]
    return args


@st.composite
def check_args(draw: st.DrawFn) -> list[str]:
    specs = draw(
        st.lists(
            st.sampled_from(
                [
                    *SPECS,
                    "specs",
                    "specs/",
                    "specs/*.toml",
                    "specs/alexnet.toml",
                    "*.toml",
                    "nothing/*.toml",
                    "tests/data/good_full.toml",
                    "tests/data/bad_size.toml",
                    "x" * 300,
                    "a\nb",
                    "-",
                ]
            ),
            min_size=1,
            max_size=3,
        )
    )
    fmt = draw(st.sampled_from(["table", "json", "junit", "github", "markdown", "xml"]))
    return ["check", *specs, "--format", fmt]


@FIXTURES_OK
@given(args=st.one_of(shape_args(), diff_args()))
def test_option_values(args: list[str], cli: Callable[..., Result]) -> None:
    """shape and diff with random option values: an answer, or exit 2 with one message."""
    note(repr(args))
    clean_exit(*invoke(cli, *args))


@FIXTURES_OK
@given(args=check_args())
def test_check_arguments(args: list[str], cli: Callable[..., Result]) -> None:
    """check with random spec arguments (names, paths, globs, directories) and formats."""
    note(repr(args))
    root = Path(__file__).resolve().parent.parent
    cwd = os.getcwd()
    os.chdir(root)  # the relative paths above are the checkout's
    try:
        clean_exit(*invoke(cli, *args), allowed=(0, 1, 2))
    finally:
        os.chdir(cwd)


def test_bounds_catch_a_hang_and_a_blow_up() -> None:
    """The harness itself: a hang and a memory blow-up fail the example instead of the run."""
    if not hasattr(signal, "SIGALRM"):
        pytest.skip("no alarms on this platform")
    with pytest.raises(Hang), bounded(0.1):
        while True:
            pass
    if _address_space():
        with pytest.raises(MemoryError), bounded():
            bytearray(2 * MEMORY_BOUND_BYTES)
