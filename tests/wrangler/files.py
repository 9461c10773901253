"""Wrangler files for the tests: a minimal valid top level, a fixed today, findings as tuples."""

from __future__ import annotations

from datetime import date

from envman.models import Finding

TODAY = date(2026, 6, 1)


def found(findings: list[Finding]) -> set[tuple[str | None, str, str]]:
    return {(f.env, f.path, f.code) for f in findings}


def only(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


BASE = 'name = "app"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
