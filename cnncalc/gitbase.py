"""Spec files as they were at a git ref, for `check --base REF` (issue 15).

git runs as a program with a list of arguments (never a shell), and the user's ref reaches it
only after it is checked here and behind `--end-of-options`, so no ref can be read as an
option. Every failure (git missing, not a repository, an unknown ref, a shallow clone that
lacks the base) is one CnnCalcError, which the CLI shows as one message with exit 2.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cnncalc.errors import CnnCalcError, shorten
from cnncalc.messages import msg

# What a ref may look like: branch and tag names, remote refs, hashes, HEAD~2, main^; no
# leading '-', no blank, no control character, nothing git reads as a range or a path.
_REF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./@{}~^+-]{0,254}")
_GIT_TIMEOUT_S = 60


@dataclass(frozen=True, slots=True)
class Base:
    """A resolved ref: its name as given, its commit and the repository's top folder."""

    ref: str
    commit: str
    root: Path


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """git with `args`, no shell, no prompt, no pager; git missing is a user error."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, env=env,
                              timeout=_GIT_TIMEOUT_S, check=False)  # fmt: skip
    except FileNotFoundError:
        raise CnnCalcError(msg("gate.git_missing")) from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CnnCalcError(msg("gate.git_failed", problem=exc)) from None


def resolve(ref: str, cwd: Path | None = None) -> Base:
    """The commit `ref` names in the repository around `cwd` (the working directory)."""
    cwd = cwd or Path.cwd()
    if not _REF.fullmatch(ref) or ".." in ref or ref.endswith((".", "/", ".lock")):
        raise CnnCalcError(msg("gate.bad_ref", ref=shorten(ref)))
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise CnnCalcError(msg("gate.not_a_repository", where=shorten(str(cwd))))
    root = Path(top.stdout.decode("utf-8", "replace").strip())
    found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
                 root)  # fmt: skip
    if found.returncode != 0:
        raise CnnCalcError(_missing(ref, root))
    return Base(ref, found.stdout.decode("ascii", "replace").strip(), root)


def _missing(ref: str, root: Path) -> str:
    """Why a ref is not there: a shallow clone that never fetched it, or no such ref."""
    shallow = _git(["rev-parse", "--is-shallow-repository"], root)
    if shallow.stdout.strip() == b"true":
        return msg("gate.shallow", ref=ref)
    return msg("gate.unknown_ref", ref=ref)


def relative(base: Base, path: str | Path) -> str | None:
    """The spec file's path inside the repository ('/'-separated), None when outside it."""
    try:
        return Path(path).resolve().relative_to(base.root.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def read(base: Base, inside: str) -> str | None:
    """The text of the file at `inside` in the base commit; None when it did not exist then."""
    # 'ls-tree' tells a file that is not in the commit (None) from one git cannot read
    listed = _git(["ls-tree", "--name-only", "--end-of-options", base.commit, "--", inside],
                  base.root)  # fmt: skip
    if listed.returncode != 0:
        raise CnnCalcError(_missing(base.ref, base.root))
    if not listed.stdout.strip():
        return None
    shown = _git(["cat-file", "blob", f"{base.commit}:{inside}"], base.root)
    if shown.returncode != 0:  # the tree is there, the blob is not: a partial or shallow clone
        raise CnnCalcError(msg("gate.shallow", ref=base.ref))
    return shown.stdout.decode("utf-8", "replace")
