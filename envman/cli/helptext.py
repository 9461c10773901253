"""Help that reads like a CLI: metavars such as ENV, FORMAT and FILE instead of Python types."""

from __future__ import annotations

import functools
import importlib.util
from enum import EnumMeta
from functools import partial
from typing import Any

from envman.cli.panels import format_help

METAVARS: dict[str, str] = {
    "envs": "ENV",
    "env": "ENV",
    "source": "SOURCE",
    "target": "TARGET",
    "entry_id": "ENTRY",
    "formats": "FORMAT",
    "fmt": "FORMAT",
    "outputs": "FILE",
    "output": "FILE",
    "html": "FILE",
    "live_from": "FILE",
    "wrangler": "FILE",
    "config": "FILE",
    "project": "DIR",
    "cwd": "DIR",
    "out_dir": "DIR",
    "fail_on": "SEVERITY",
    "concurrency": "N",
    "rate_limit": "N",
    "timeout": "SECONDS",
    "notify": "URL",
    "notify_on": "WHEN",
    "only": "PATH",
    "mapping": "BINDING=ID",
    "reason": "TEXT",
    "to": "ENTRY",
    "since": "DATE",
}
"""The metavar of each parameter by its Python name; others get one from their type."""

HELP = ("-h", "--help")
COMPLETION_PANEL = "Shell completion"
_COMPLETION = ("install_completion", "show_completion")


def tidy(command: Any) -> Any:
    """`command` and its subcommands with readable metavars; returns `command`.

    Flags show no metavar (typer shows `<bool>`); a choice shows its name (FORMAT) and
    its choices move into the help text; the completion options get a panel of their own;
    the panels are drawn by envman.cli.panels.
    """
    from typer._click import Context

    # click makes the help option on demand; made here, it shows no `<bool>` either
    help_option = command.get_help_option(Context(command, help_option_names=list(HELP)))
    for param in [*command.params, *([help_option] if help_option else [])]:
        _tidy_param(param)
    # typer's panels, drawn without importing rich (see envman.cli.panels)
    command.format_help = partial(format_help, command)
    for sub in getattr(command, "commands", {}).values():
        tidy(sub)
    return command


class _Deferred:
    """typer's coercion of one parameter, built for the first value that needs it.

    typer builds a pydantic TypeAdapter for every parameter of the command that runs,
    even for an option left out (its value None), which it then returns unchanged: a
    dozen of them cost a run more than its own work. None (or no values) is answered here
    as typer's `RuntimeParam.coerce` answers it, and so is a member of the option's own
    enum (a default such as `--fail-on`'s: pydantic would return that very member);
    anything else goes to what typer builds.
    """

    def __init__(self) -> None:
        self._built: Any = None

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        if value is None:
            return () if param.multiple or param.nargs == -1 else None
        annotation = getattr(param.type_descriptor, "annotation", None)
        if isinstance(annotation, EnumMeta) and type(value) is annotation:
            return value
        if self._built is None:
            from typer._coercion import build_runtime_param

            self._built = build_runtime_param(param.type_descriptor)
        return self._built.coerce(value, param=param, ctx=ctx)


@functools.cache
def _typer_builds_coercions() -> bool:
    """Whether this typer builds coercions as `_Deferred` expects (typer 0.29's
    `typer._coercion`); with any other typer, its parameters are left as typer makes them."""
    return importlib.util.find_spec("typer._coercion") is not None


def _tidy_param(param: Any) -> None:
    if (
        getattr(param, "_runtime_param", False) is None
        and hasattr(param, "type_descriptor")
        and _typer_builds_coercions()
    ):
        param._runtime_param = _Deferred()
    name = param.name or ""
    if name in _COMPLETION:
        param.rich_help_panel = COMPLETION_PANEL
    if getattr(param, "is_flag", False):
        param.metavar = ""
        return
    if param.metavar is not None:
        return
    descriptor = getattr(param, "type_descriptor", None)
    choices = list(getattr(descriptor, "choices", None) or ()) if descriptor else []
    metavar = METAVARS.get(name) or _by_type(param, descriptor)
    param.metavar = metavar
    if param.param_type_name == "argument":
        # no `<str>` column, and `ENV` (not typer's `{ENV}`) in the usage line
        usage = metavar if param.required else f"[{metavar}]"
        usage += "..." if param.nargs != 1 else ""
        param.display_type_rich = lambda ctx: None
        param._usage_display_name = lambda: usage
        return
    if choices and param.param_type_name == "option":
        words = ", ".join(str(getattr(c, "value", c)) for c in choices)
        note = f"{metavar}: {words}."
        if note not in (param.help or ""):
            param.help = f"{param.help} {note}" if param.help else note


def _by_type(param: Any, descriptor: Any) -> str:
    if param.param_type_name == "argument":
        return str(param.name or "value").upper()
    if descriptor is not None and getattr(descriptor, "is_path", False):
        return "FILE"
    annotation = getattr(descriptor, "annotation", None)
    if annotation in (int, float):
        return "N"
    return "TEXT"
