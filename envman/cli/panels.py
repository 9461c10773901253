"""The help screens drawn in typer's panels without rich: `--help` must start in a blink.

typer draws help with rich, whose import (markdown, syntax highlighting, tracebacks)
cost more than the rest of `envman --help`. The same screen is drawn here with plain
strings: the usage line, the help text, then the Arguments, Options and Commands panels
(and any other `rich_help_panel`), one row per parameter with its names, metavar and
help, defaults and ranges as typer words them. Help text is shown as written: typer's
rich markup ate `[env.X]` and `[[ignore]]`.
"""

from __future__ import annotations

import inspect
import os
import sys
import textwrap
from typing import Any

_SGR = {
    "option": "1;36",
    "switch": "1;32",
    "type": "1;33",
    "usage": "33",
    "bold": "1",
    "dim": "2",
    "required": "31",
}
"""typer's styles for each part (STYLE_OPTION, STYLE_SWITCH, …), as ANSI codes."""
_GAP = 2
"""Blanks between two columns of a panel."""


def format_help(command: Any, ctx: Any, formatter: Any) -> None:
    """Write `command`'s help into click's `formatter` (what `--help` prints)."""
    from envman.cli.common import STATE, terminal_width
    from envman.report import wants_color

    color = STATE.color is not False and wants_color(sys.stdout, os.environ)
    formatter.write(draw(command, ctx, width=terminal_width(), color=color) + "\n")


def draw(command: Any, ctx: Any, *, width: int, color: bool) -> str:
    """The help screen of `command`, `width` columns wide, in colour or not."""

    def paint(text: str, style: str) -> str:
        return f"\x1b[{_SGR[style]}m{text}\x1b[0m" if color and style and text else text

    usage = command.get_usage(ctx)
    head, _, rest = usage.partition(" ")
    lines = ["", " " + paint(head, "usage") + " " + paint(rest, "bold"), ""]
    text = inspect.cleandoc(command.help or "").partition("\f")[0]
    if text:
        first, *more = text.split("\n\n")
        lines += [" " + line for line in _wrap(first.replace("\n", " "), width - 2)]
        if more:
            lines.append("")
            for paragraph in more:
                lines += [" " + paint(line, "dim") for line in _wrap(paragraph, width - 2)]
        lines.append("")
    for title, rows in _parameter_panels(command, ctx):
        lines += _panel(title, rows, width, paint)
    names = [c.name or "" for c in _commands(command, ctx)]
    widest = max(map(len, names), default=0)
    for title, commands in _grouped(_commands(command, ctx), "Commands"):
        rows = [[(c.name or "", "option"), (_first_paragraph(c), "")] for c in commands]
        lines += _panel(title, rows, width, paint, first=widest)
    return "\n".join(lines)


def _parameter_panels(command: Any, ctx: Any) -> list[tuple[str, list[list[tuple[str, str]]]]]:
    visible = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = [p for p in visible if p.param_type_name == "argument"]
    options = [p for p in visible if p.param_type_name == "option"]
    panels = _grouped(arguments, "Arguments") + _grouped(options, "Options")
    return [(title, [_row(p, ctx) for p in params]) for title, params in panels]


def _grouped(items: list[Any], default: str) -> list[tuple[str, list[Any]]]:
    """`items` by their `rich_help_panel`, the default panel first (as typer orders them)."""
    panels: dict[str, list[Any]] = {default: []}
    for item in items:
        panels.setdefault(getattr(item, "rich_help_panel", None) or default, []).append(item)
    return [(title, found) for title, found in panels.items() if found]


def _commands(command: Any, ctx: Any) -> list[Any]:
    if not hasattr(command, "list_commands"):
        return []
    found = (command.get_command(ctx, name) for name in command.list_commands(ctx))
    return [c for c in found if c is not None and not c.hidden]


def _first_paragraph(command: Any) -> str:
    text = inspect.cleandoc(command.short_help or command.help or "")
    return text.split("\n\n")[0].replace("\n", " ").strip()


def _row(param: Any, ctx: Any) -> list[tuple[str, str]]:
    """The cells of one parameter: required, names, negative names, metavar, help."""
    argument = param.param_type_name == "argument"
    name = param.metavar or param.name or "" if argument else ""
    longs = [o for o in param.opts if "--" in o]
    shorts = [name if argument else o for o in param.opts if "--" not in o]
    negative_longs = [o for o in param.secondary_opts if "--" in o]
    negative_shorts = [o for o in param.secondary_opts if "--" not in o]
    kind = param.display_type_rich(ctx) if hasattr(param, "display_type_rich") else None
    ranged = param._get_number_range_help_str() if hasattr(param, "type_descriptor") else None
    kind = " ".join(part for part in (kind or "", f"[{ranged}]" if ranged else "") if part)
    return [
        ("*" if param.required else "", "required"),
        (",".join(longs), "option"),
        (",".join(shorts), "option" if argument else "switch"),
        (",".join(negative_longs), "option"),
        (",".join(negative_shorts), "switch"),
        (kind, "type"),
        (_help(param, ctx), ""),
    ]


def _help(param: Any, ctx: Any) -> str:
    """A parameter's help, then its environment variable, default and [required], as typer
    adds them."""
    parts = [" ".join(p.replace("\n", " ").strip() for p in (param.help or "").split("\n\n"))]
    envvar = getattr(param, "envvar", None)
    if envvar and getattr(param, "show_envvar", False):
        shown = envvar if isinstance(envvar, str) else ", ".join(map(str, envvar))
        parts.append(f"[env var: {shown}]")
    if hasattr(param, "_extract_default_help_str"):
        default = param._extract_default_help_str(ctx=ctx)
        custom = isinstance(param.show_default, str)
        if custom or (default is not None and (param.show_default or ctx.show_default)):
            text = param._get_default_string(
                ctx=ctx, show_default_is_str=custom, default_value=default
            )
            parts += [f"[default: {text}]"] if text else []
    if param.required:
        parts.append("[required]")
    return " ".join(part for part in parts if part)


def _panel(
    title: str, rows: list[list[tuple[str, str]]], width: int, paint: Any, *, first: int = 0
) -> list[str]:
    """A titled box of rows: each column as wide as its widest cell (the first at least
    `first`), the last one wrapped in what is left; columns empty in every row left out."""
    inner = width - 4
    used = [i for i in range(len(rows[0])) if any(row[i][0] for row in rows)]
    rows = [[row[i] for i in used] for row in rows]
    widths = [max(len(row[i][0]) for row in rows) for i in range(len(used) - 1)]
    if widths:
        widths[0] = max(widths[0], first)
    start = sum(widths) + _GAP * len(widths)
    room = max(inner - start, 10)
    dashes = "─" * max(width - len(title) - 5, 0)
    lines = [paint("╭─", "dim") + f" {title} " + paint(dashes + "╮", "dim")]
    for *cells, (text, style) in rows:
        lead = "".join(
            paint(cell, cell_style) + " " * (w - len(cell) + _GAP)
            for (cell, cell_style), w in zip(cells, widths, strict=True)
        )
        for index, piece in enumerate(_wrap(text, room) or [""]):
            filler = " " * max(inner - start - len(piece), 0)
            body = (lead if index == 0 else " " * start) + paint(piece, style) + filler
            lines.append(paint("│", "dim") + f" {body} " + paint("│", "dim"))
    lines.append(paint("╰" + "─" * (width - 2) + "╯", "dim"))
    return lines


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=max(width, 1), break_on_hyphens=False) or []
