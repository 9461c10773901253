"""Sample reports for the reporters' tests: every severity, kind and odd value."""

from __future__ import annotations

import re
from typing import Any

from envman.models import Finding, Report, Source
from envman.report.registry import RenderOptions
from envman.terms import Kind, Severity

ANSI = re.compile(r"\x1b\[")
E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO


def finding(
    code: str, severity: Severity, env: str | None, path: str, message: str, **kw: Any
) -> Finding:
    return Finding(code=code, severity=severity, env=env, path=path, message=message, **kw)


FINDINGS = (
    finding(
        "EM110",
        E,
        "staging",
        "vars.LOG_LEVEL",
        "value 'verbose' is not one of [bold]x[/]",
        hint="use one of: debug, info",
        source=Source(file="/repo/environments/staging.toml", line=12, column=3),
    ),
    finding(
        "EM113",
        W,
        "staging",
        "vars.A,B:C|D",
        "100% undeclared, a:b | c\nsecond line\r\nthird @team",
        source=Source(file="environments/staging.toml", line=4),
    ),
    finding(
        "EM500",
        N,
        "staging",
        "vars.FLAG",
        "would promote",
        expected=True,
        actual=False,
        kind=Kind.CHANGED,
    ),
    finding(
        "EM400",
        E,
        "production",
        "compatibility_date",
        "live differs ✓ ünïcode",
        expected={"nested": {"list": [1, None, 2.5]}},
        actual="x" * 500,
        kind=Kind.CHANGED,
    ),
    finding(
        "EM401",
        E,
        "production",
        "kv_namespaces.CACHE",
        "declared, not live",
        expected={"id": "abc"},
        kind=Kind.MISSING,
    ),
    finding(
        "EM402",
        W,
        "production",
        "vars.LEGACY",
        "present live",
        actual="**********",
        kind=Kind.UNEXPECTED,
        suppressed="accepted until the v2 cut-over, see #12",
    ),
    finding(
        "EM007",
        E,
        None,
        "",
        "envman.toml: [env.staging] is not a table",
        source=Source(file="envman.toml", line=1, column=1),
    ),
    finding("EM204", W, "development", "r2_buckets.UPLOADS", "binding missing here"),
)
REPORT = Report(
    command="check",
    envs=("development", "staging", "production"),
    findings=FINDINGS,
    unknown={
        "production": "HTTP 403 from the API: [env.production] token lacks Workers Scripts:Read"
    },
)
CLEAN = Report(command="validate", envs=("development", "staging", "production"))
OPTIONS = RenderOptions(root="/repo", tool_version="9.9.9")
