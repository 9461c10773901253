"""What the TOML scan returns: each header, `key = value` statement and value with its span."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

Loc = tuple[str | int, ...]


class TomlValue(NamedTuple):
    """A value as written: its span, and its members or elements when it has them.

    `kind` is "scalar" (numbers, booleans, dates), a string style ("basic", "literal",
    "mlbasic", "mlliteral"), "array", or "table" for an inline table.
    """

    start: int
    end: int
    kind: str
    items: tuple[TomlItem, ...] = ()


class TomlItem(NamedTuple):
    """An element of an array, or a member (`key = value`) of an inline table."""

    start: int  # of its key (a member) or of its value (an element)
    key: tuple[str, ...] | None  # a member's dotted key, unescaped
    value: TomlValue
    comma: int | None  # the comma after it
    sep: str = ""  # what is written between a member's key and its value: ` = `


class TomlHeader(NamedTuple):
    """A `[table]` or `[[array.of.tables]]` header line."""

    line: int  # the start of its line
    end: int  # after its line break
    path: Loc  # with the index of each array-of-tables element it goes through
    aot: bool
    raw: str  # `[[ env.production.kv_namespaces ]]` as written
    lead: int  # the start of the comment lines right above it (its own line when none)


class TomlPair(NamedTuple):
    """A `key = value` statement of a table (not a member of an inline table)."""

    line: int  # the start of its line
    key_start: int
    parts: tuple[str, ...]  # its dotted key, unescaped
    path: Loc  # the table's path and the parts
    value: TomlValue
    end: int  # after its line break
    owner: int  # the index of the header whose table holds it; -1 for the top level
    sep: str  # between the key and the value: ` = `


@dataclass(frozen=True)
class TomlScan:
    """A TOML text located: its headers and `key = value` statements in order, with spans.

    `positions` maps each key path (strings for keys, integers for array indexes, as
    in tomllib's data) to the 1-based (line, column) where it is written: a key at its
    key (a table at its header's last key, an element of an array of tables at its
    `[[`), an array element at its value. Spans are character offsets into `text`.
    `stopped` is where the scan met text it does not follow (text that tomllib
    rejects), else None. `data` is tomllib's (empty from `scan_toml`).
    """

    text: str
    headers: tuple[TomlHeader, ...]
    pairs: tuple[TomlPair, ...]
    positions: dict[Loc, tuple[int, int]]
    stopped: int | None
    data: dict[str, Any] = field(default_factory=dict)
