"""Findings of the wrangler checks: the per-environment collector, paths as messages show them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from envman.codes import severity_of
from envman.models import Finding, Source
from envman.parse import Loc

Locate: TypeAlias = Callable[[Loc], Source | None]
"""Where a path into a resolved config is written, or None."""


@dataclass
class Ctx:
    """Findings of one environment, and how to locate a path of its resolved config."""

    env: str
    locate: Locate
    document_loc: Callable[[Loc], Loc] = lambda loc: loc
    toml: bool = True
    findings: list[Finding] = field(default_factory=list)

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
    """A path for messages: keys joined by dots, list indexes as [i], DO bindings by name."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] == "durable_objects" and parts[1] == "bindings":
        del parts[1]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


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
