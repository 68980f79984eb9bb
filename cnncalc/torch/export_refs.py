"""`export --to pytorch` of a net with `&label` references (issues 10, 11): forward() keeps the
tensors a later branch reads in local variables, as a PyTorch user writes a U-Net
(`e4 = x` … `x = torch.cat([self.up4[0](e4), self.up4[1](x)], dim=1)`), and deletes each after
its last read, as the static analysis frees it (DESIGN §4). Blocks without a reference inside
stay the modules export_py writes; a block with one becomes an nn.ModuleList of its branches,
called by the generated code.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from torch import nn

from cnncalc.torch import modules

_TAKEN = re.compile(r"(x|y\d+|self|torch|nn|F|OrderedDict)$")


def has_ref(module: nn.Module) -> bool:
    """Whether a `&label` reference is inside `module`."""
    return any(isinstance(m, modules.Ref) for m in module.modules())


def _branches(module: nn.Module) -> list[nn.Module]:
    """A Res's or Cat's branches, in the order they run."""
    if isinstance(module, modules.Res):
        return [module.main] + ([module.shortcut] if module.shortcut is not None else [])
    return list(module.branches)


def _attr(path: str, name: str) -> str:
    """`path.name`, or getattr for a name Python cannot write after a dot."""
    if name.isidentifier() and not keyword.iskeyword(name):
        return f"{path}.{name}"
    return f"getattr({path}, {name!r})"


class Forward:
    """The constructor expressions and forward() lines of a net with references."""

    def __init__(self, writer: Any, top: nn.Module) -> None:
        self.writer = writer  # export_py's _Writer: expressions of modules without references
        self.lines: list[str] = []
        self.locals: dict[str, str] = {}  # label → the local variable holding its tensor
        self.reads: dict[str, int] = {}  # label → references still to write
        for m in top.modules():
            if isinstance(m, modules.Ref):
                self.reads[m.label] = self.reads.get(m.label, 0) + 1
        self.free: list[str] = []  # locals read for the last time, deleted after the merge
        self.count = 0

    def init(self, module: nn.Module, indent: int) -> str:
        """Python text making `module`; references are left to forward()."""
        if not has_ref(module):
            return self.writer.expr(module, indent)
        pad = " " * indent
        if isinstance(module, modules.Seq):
            parts = [f'("{name}", {self.init(c, indent + 4)})' for name, c
                     in module.named_children() if not isinstance(c, modules.Ref)]  # fmt: skip
            if not parts:
                return "nn.Sequential()"
            return (f"nn.Sequential(OrderedDict([\n{pad}    " + f",\n{pad}    ".join(parts)
                    + f",\n{pad}]))")  # fmt: skip
        parts = [self.init(b, indent + 4) for b in _branches(module)]
        return f"nn.ModuleList([\n{pad}    " + f",\n{pad}    ".join(parts) + f",\n{pad}])"

    def run(self, module: nn.Module, path: str, var: str, out: str) -> str:
        """Lines computing `module` (at attribute `path`) from local `var` into local `out`;
        the local that holds the result."""
        if not has_ref(module):
            self.lines.append(f"{out} = {path}({var})")
            return out
        if isinstance(module, modules.Seq):
            for name, child in module.named_children():
                if isinstance(child, modules.Ref):
                    var = self.read(child.label)
                    continue
                var = self.run(child, _attr(path, name), var, out)
                if name in module.keep:
                    self.lines.append(f"{self.keep(name)} = {var}")
            return var
        outs = []
        for i, branch in enumerate(_branches(module)):
            self.count += 1
            local = f"y{self.count}"
            before = len(self.lines)
            outs.append(self.run(branch, f"{path}[{i}]", var, local))
            if len(self.lines) == before + 1 and self.lines[-1].startswith(local + " = "):
                outs[-1] = self.lines.pop()[len(local) + 3 :]  # one call: written in place
            elif outs[-1] == local:
                self.free.append(local)
        if isinstance(module, modules.Cat):
            self.lines.append(f"{out} = torch.cat([{', '.join(outs)}], dim=1)")
        else:
            shortcut = [var] if module.shortcut is None else []
            self.lines.append(f"{out} = {' + '.join(outs + shortcut)}")
        if self.free:
            self.lines.append(f"del {', '.join(self.free)}")
            self.free.clear()
        return out

    def keep(self, label: str) -> str:
        """A new local for the tensor labelled `label`."""
        name = label if label.isidentifier() and not keyword.iskeyword(label) else "t_" + label
        name = name if not _TAKEN.match(name) else "t_" + name
        while name in self.locals.values():
            name += "_"
        self.locals[label] = name
        return name

    def read(self, label: str) -> str:
        """The local of `label` for a reference; after its last read it is deleted."""
        self.reads[label] -= 1
        if not self.reads[label]:
            self.free.append(self.locals[label])
        return self.locals[label]


def forward_of(top: nn.Module, writer: Any) -> tuple[list[str], list[str]]:
    """The `self.name = …` lines and forward()'s lines of a net with references."""
    fwd = Forward(writer, top)
    attrs = [f"        self.{name} = {fwd.init(c, 8)}" for name, c in top.named_children()]
    fwd.run(top, "self", "x", "x")
    return attrs, ["        " + line for line in fwd.lines]
