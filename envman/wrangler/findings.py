"""Findings of the wrangler checks: the per-environment collector, paths as messages show them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeAlias

from envman.bindings import KINDS
from envman.codes import severity_of
from envman.models import Finding, Source
from envman.parse import Loc

Locate: TypeAlias = Callable[[Loc], Source | None]
"""Where a path into a resolved config is written, or None."""


@dataclass
class Ctx:
    """Findings of one environment, and how to locate and name a path of its resolved config."""

    env: str
    locate: Locate
    document_loc: Callable[[Loc], Loc] = lambda loc: loc
    toml: bool = True
    findings: list[Finding] = field(default_factory=list)
    raw: Mapping[str, Any] = field(default_factory=dict)
    """The checked config: what `where` reads the names of entries from."""

    def where(self, loc: Loc) -> str:
        """`loc` as findings name it (labelled): binding entries by name, not by index."""
        return labelled(self.raw, loc)

    def add(
        self,
        code: str,
        loc: Loc,
        path: str,
        message: str,
        hint: str | None = None,
        *,
        source: Source | None = None,
    ) -> None:
        """Record a finding at `loc` of the resolved config (or at `source` when given)."""
        self.findings.append(
            Finding(
                code=code,
                severity=severity_of(code),
                env=self.env,
                path=path,
                message=message,
                hint=hint,
                source=source or self.locate(loc),
            )
        )


def dotted(loc: Sequence[str | int]) -> str:
    """A path for messages: keys joined by dots, list indexes as [i]; `durable_objects.bindings`
    entries are `durable_objects.NAME` (as envman's models key them)."""
    parts = list(loc)
    start = 1 if parts[:1] == ["previews"] else 0
    if parts[start : start + 2] == ["durable_objects", "bindings"] and len(parts) > start + 2:
        del parts[start + 1]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


NAMING: Mapping[tuple[str, ...], str] = MappingProxyType(
    {kind.wrangler: kind.naming for kind in KINDS if not kind.single}
)
"""The lists of named entries (every list kind of the binding catalogue) and their naming key."""


def entry_label(entry: Any, index: int, naming: str) -> str:
    """How paths name an entry of a list: its `naming` key, else "#index"."""
    name = entry.get(naming) if isinstance(entry, Mapping) else None
    return name if isinstance(name, str) and name else f"#{index}"


def entry_at(loc: Loc) -> tuple[int, tuple[str, ...]] | None:
    """Where in `loc` the index of a named entry is (also inside `previews`), and its list.

    `("previews", "kv_namespaces", 0, "id")` -> (2, ("kv_namespaces",)); None when `loc` is
    not in (or at) an entry of a catalogued list.
    """
    start = 1 if loc[:1] == ("previews",) else 0
    for parts in NAMING:
        n = start + len(parts)
        if len(loc) > n and tuple(loc[start:n]) == parts and isinstance(loc[n], int):
            return n, parts
    return None


def labelled(raw: Mapping[str, Any], loc: Loc) -> str:
    """`loc` for messages: catalogued entries by name (`kv_namespaces.CACHE.id`), else `[i]`.

    Every finding of the wrangler checks names an entry this way, so one entry has one
    path whichever check reports it; `raw` is the config `loc` points into.
    """
    at = entry_at(loc)
    if at is None:
        return dotted(loc)
    n, parts = at
    container: Any = raw
    for part in loc[:n]:
        container = container.get(part) if isinstance(container, Mapping) else None
    index = int(loc[n])
    entry = container[index] if isinstance(container, list) and index < len(container) else None
    return dotted((*loc[:n], entry_label(entry, index, NAMING[parts]), *loc[n + 1 :]))


def kind_of(value: Any) -> str:
    """What `value` is, in words, for "…, not …" messages: "the string '8787'", "a list"."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.date | dt.time):
        return "a TOML date"
    return "null" if value is None else type(value).__name__
