"""Write new values as TOML in wrangler's usual style; the one module that uses tomlkit."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from envman.bindings import MODELLED
from envman.edit.doc import Path, _Unwritable

_AOT_PATHS = {*(k.wrangler for k in MODELLED if not k.single), ("migrations",)}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_chunks(
    path: Path, table: dict[str, Any], *, element: bool = False, header: str = "", indent: str = ""
) -> list[str]:
    """`table` as TOML blocks (a header and its keys, then its sub-tables), joined by blank lines."""
    lines: list[str] = []
    children: list[tuple[Path, Any]] = []
    for key, value in table.items():
        child = (*path, key)
        if not element and (_table_style(child, value) or _aot_style(child, value)):
            children.append((child, value))
        else:
            lines.append(f"{indent}{_toml_key(key)} = {_toml_value(value)}")
    chunks: list[str] = []
    if element or (path and (lines or not children)):
        head = header or (f"[[{_dotted(path)}]]" if element else f"[{_dotted(path)}]")
        chunks.append("\n".join([head, *lines]))
    elif lines:
        chunks.append("\n".join(lines))
    for child, value in children:
        if isinstance(value, dict):
            chunks += _toml_chunks(child, value)
        else:
            for entry in value:
                chunks += _toml_chunks(child, entry, element=True)
    return chunks


def _section_rel(path: Path) -> Path:
    return path[2:] if path[:1] == ("env",) and len(path) >= 2 else path


def _table_style(path: Path, value: Any) -> bool:
    """Whether a table value is written as a [header] table rather than an inline one."""
    if not isinstance(value, dict) or not all(isinstance(p, str) for p in path):
        return False
    rel = _section_rel(path)
    return not (rel[:1] == ("vars",) and len(rel) > 1)


def _aot_style(path: Path, value: Any) -> bool:
    """Whether a list is written as [[array.of.tables]] (the binding lists) rather than inline."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) for v in value)
        and all(isinstance(p, str) for p in path)
        and _section_rel(path) in _AOT_PATHS
    )


def _toml_key(key: str | int) -> str:
    import tomlkit

    if isinstance(key, int) or not _BARE_KEY.fullmatch(key):
        return tomlkit.string(str(key)).as_string()
    return key


def _plain(char: str) -> bool:
    """Whether a TOML literal string can hold `char` as it is."""
    return char == "\t" or " " <= char != "\x7f"


def _dotted(path: Path) -> str:
    return ".".join(_toml_key(p) for p in path)


def _toml_value(value: Any, kind: str = "", old: str = "", nl: str = "\n") -> str:
    """`value` written as TOML; a string keeps the old literal/multi-line style when it can."""
    import tomlkit

    if isinstance(value, str):
        if kind == "literal" and "'" not in value and all(_plain(c) for c in value):
            return f"'{value}'"
        if kind in ("mlbasic", "mlliteral") and "\n" in value:
            # A line break right after the opening quotes is not part of the value.
            first = nl if old[3:4] in ("\r", "\n") or value.startswith("\n") else ""
            if (
                kind == "mlliteral"
                and "'''" not in value
                and all(_plain(c) or c == "\n" for c in value)
            ):
                return "'''" + first + value.replace("\n", nl) + "'''"
            body = "".join(
                c if _plain(c) and c not in '"\\' else "\n" if c == "\n" else f"\\u{ord(c):04x}"
                for c in value
            )
            return '"""' + first + body.replace("\n", nl) + '"""'
        return tomlkit.string(value).as_string()
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return tomlkit.item(value).as_string()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        pad = " " if value and old.startswith("{ ") else ""  # `{ a = 1 }` like its neighbour
        members = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + pad + members + pad + "}"
    raise _Unwritable(value)
