"""A finding code: its severity, title, help, and the wrangler message it mirrors."""

from __future__ import annotations

from dataclasses import dataclass

from envman.terms import Severity


@dataclass(frozen=True)
class Code:
    """A stable finding code; docs/reference/finding-codes.md and SARIF rules are generated from these."""

    code: str
    severity: Severity
    title: str
    help: str
    wrangler: str = "envman only"
    """The wrangler diagnostic this code mirrors (its message, `{x}` for what varies), or
    "envman only" when wrangler has no such check."""


E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO
