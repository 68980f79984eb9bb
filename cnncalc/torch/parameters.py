"""What a read's totals cannot show about a module's parameters (issue 10: never a silent
difference): parameters of modules that forward never ran (an auxiliary head in eval mode),
one parameter tied into two modules, and rows whose weights differ from the parameters that
forward used (a module called twice counts at each call). Each is a warning; the totals stay
the figures of the forward that ran."""

from __future__ import annotations

from typing import Any

from cnncalc.messages import msg
from cnncalc.units import exact


def parameter_warnings(
    module: Any, ran: set[str], read: set[int], counted: int
) -> tuple[tuple[str, str], ...]:
    """(row, message) warnings for `module` read into rows counting `counted` weights: `ran`
    are the paths of the modules whose forward started, `read` the id() of the parameters
    that functional calls used (a layer scale, a ParameterList's members)."""
    owners: dict[int, list[tuple[str, Any]]] = {}
    for path, sub in module.named_modules():
        for name, p in sub.named_parameters(recurse=False):
            owners.setdefault(id(p), []).append((f"{path}.{name}" if path else name, p))
    unused: dict[str, int] = {}
    used, warnings = 0, []
    for uses in owners.values():
        p = uses[0][1]
        ran_uses = [name for name, _ in uses if _owner(name) in ran or id(p) in read]
        if not ran_uses:
            top = _first_not_run(_owner(uses[0][0]), ran)
            unused[top] = unused.get(top, 0) + p.numel()
            continue
        used += p.numel()
        if len(ran_uses) > 1:
            warnings.append((_owner(ran_uses[1]), msg("torch_io.tied", name=ran_uses[1],
                                                      other=ran_uses[0], uses=len(ran_uses))))  # fmt: skip
    for top, count in unused.items():
        warnings.append((top, msg("torch_io.unused_params", count=exact(count))))
    if counted != used and not any(len(u) > 1 for u in owners.values()):
        warnings.append(("", msg("torch_io.weights_differ", counted=exact(counted),
                                 held=exact(used))))  # fmt: skip
    return tuple(warnings)


def _owner(name: str) -> str:
    """'layer1.0.conv1' for the parameter 'layer1.0.conv1.weight' ('' for the net's own)."""
    return name.rsplit(".", 1)[0] if "." in name else ""


def _first_not_run(path: str, ran: set[str]) -> str:
    """The outermost module on `path` whose forward never started: 'aux1' for 'aux1.conv.bn'."""
    parts = path.split(".") if path else []
    for i in range(1, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if prefix not in ran:
            return prefix
    return path
