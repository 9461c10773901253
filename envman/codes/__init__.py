"""The catalogue of stable finding codes: severity, title, help and wrangler's message for each."""

from __future__ import annotations

from typing import Any

from envman.codes.code import Code
from envman.codes.general import GENERAL
from envman.codes.rules import RULES
from envman.codes.wrangler import WRANGLER
from envman.models import Finding
from envman.terms import Severity

CODES: dict[str, Code] = {
    c.code: c for c in sorted((*GENERAL, *WRANGLER, *RULES), key=lambda c: c.code)
}


def severity_of(code: str) -> Severity:
    """The default severity of a code."""
    return CODES[code].severity


def finding(code: str, **fields: Any) -> Finding:
    """A Finding of `code` at its catalogued severity; `fields` are the rest of Finding's."""
    return Finding(code=code, severity=severity_of(code), **fields)


__all__ = ["CODES", "Code", "finding", "severity_of"]
