"""`torch:MODULE:CALLABLE` specs and spec files with `torch = …` (issue 10, DESIGN §2, §5).

MODULE is a dotted import path (`pkg.models`) or a `.py` file (`models.py`), relative to the
current directory, or to the spec file's directory in a spec file. CALLABLE returns an
nn.Module; it is called under `torch.device("meta")`, so nothing is allocated.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from cnncalc.errors import CnnCalcError, first_line, shorten
from cnncalc.ir import Shape
from cnncalc.messages import msg
from cnncalc.specs import Spec

PREFIX = "torch:"


def split_target(target: str) -> tuple[str, str]:
    """'pkg.models:resnet18' → ('pkg.models', 'resnet18'); the last ':' splits, so a path
    may hold one."""
    module, sep, name = target.strip().rpartition(":")
    if not sep or not module or not name.isidentifier():
        raise CnnCalcError(msg("torch_io.bad_form", spec=shorten(PREFIX + target)))
    return module, name


def load_factory(module: str, name: str, base: Path) -> Any:
    """The callable `name` of a module given as a dotted path or a .py file under `base`."""
    try:
        if module.endswith(".py"):
            path = base / module
            if not path.is_file():
                raise CnnCalcError(msg("torch_io.no_file", path=shorten(module)))
            loaded = _import_file(path)
        else:
            loaded = _import_dotted(module, base)
    except CnnCalcError:
        raise
    except (Exception, SystemExit) as exc:  # noqa: BLE001  (user code: one message)
        raise CnnCalcError(
            msg("torch_io.import_failed", module=shorten(module), error=first_line(exc))
        ) from None
    factory = getattr(loaded, name, None)
    if factory is None:
        raise CnnCalcError(msg("torch_io.no_callable", module=shorten(module), name=name))
    return factory


def _import_file(path: Path) -> Any:
    """Import a .py file as a module of its own, its directory importable while it loads."""
    key = f"cnncalc_torch_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(key, path)
    if spec is None or spec.loader is None:
        raise CnnCalcError(msg("torch_io.no_file", path=shorten(str(path))))
    loaded = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        sys.modules[key] = loaded
        spec.loader.exec_module(loaded)
    finally:
        sys.path.remove(str(path.parent))
    return loaded


def _import_dotted(module: str, base: Path) -> Any:
    """importlib.import_module with `base` importable."""
    sys.path.insert(0, str(base))
    try:
        return importlib.import_module(module)
    finally:
        sys.path.remove(str(base))


def torch_spec(
    target: str,
    input: Shape | None,
    *,
    base: Path,
    kwargs: dict[str, Any] | None = None,
    **fields: Any,
) -> Spec:
    """A Spec whose net is read from the module `target` builds, for an input of `input`."""
    from cnncalc.torch.reader import instantiate, read_net, require_torch

    module_name, name = split_target(target)  # the form first: 'torch:' alone is no module
    if input is None:
        raise CnnCalcError(msg("torch_io.need_input"))
    require_torch()
    factory = load_factory(module_name, name, base)
    module = instantiate(factory, name, kwargs)
    src = PREFIX + target
    net = read_net(module, input, src)  # every row's shape checked against PyTorch's
    fields.setdefault("name", name)
    fields.setdefault("description", msg("torch_io.description", what=type(module).__name__))
    return Spec(net=net, input=input, **fields)


def from_file(
    data: dict[str, Any], file: Path, fail: Any, input: Shape | None, **fields: Any
) -> Spec:
    """A spec file's `torch = "pkg.models:net"` (or `[torch]` with `model` and `kwargs`)."""
    value = data["torch"]
    kwargs: Any = {}
    if isinstance(value, dict):
        unknown = [k for k in value if k not in ("model", "kwargs")]
        if unknown or not isinstance(value.get("model"), str):
            raise fail(msg("torch_io.bad_form", spec=shorten(str(value))), "", "torch")
        kwargs = value.get("kwargs", {})
        value = value["model"]
        if not isinstance(kwargs, dict):
            raise fail(msg("torch_io.kwargs"), "torch", "kwargs")
    elif not isinstance(value, str):
        raise fail(msg("torch_io.bad_form", spec=shorten(repr(value))), "", "torch")
    return torch_spec(value, input, base=file.parent, kwargs=kwargs, **fields)
