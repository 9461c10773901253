"""The parts every report format is built from: findings counted, ordered, located, made safe.

Shared by the reporters of `envman.report` and `envman.report_ci` and by the views of
`envman.report_views`; none of it imports a third-party library.
"""

from __future__ import annotations

import json
import math
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from envman import __version__
from envman.terms import Kind, Severity

if TYPE_CHECKING:  # the models are never built here: parts only read them
    from envman.models import Finding, Report, Source


@dataclass(frozen=True)
class RenderOptions:
    """How to render: colour, width and verbosity for text; version and root for SARIF.

    `env_files` maps an environment to its file, used as the SARIF location of findings
    that have no source (GitHub code scanning rejects results without a location); when
    absent, a source file named after the environment (`environments/staging.toml`) is used.
    """

    color: bool = False
    width: int = 100
    verbose: bool = False
    tool_version: str = __version__
    root: str | None = None
    env_files: Mapping[str, str] = field(default_factory=dict)
    fail_on: Severity = Severity.WARNING
    """The command's --fail-on: a JUnit test case fails on a finding this bad or worse."""
    repository: str | None = None
    """The repository's root folder (absolute): SARIF paths are relative to it."""
    base: str = ""
    """The project's folder relative to `repository` ("" when it is the root)."""
    project_file: str | None = None
    """The file a finding about no file is located at in SARIF (envman.toml, or the
    wrangler file of a plain wrangler project), relative to the project."""


SEVERITY_ORDER: tuple[Severity, ...] = (Severity.ERROR, Severity.WARNING, Severity.INFO)
"""Severities, worst first: the order of counts, headings and summaries."""

CLIP = 200
"""Values longer than this are shortened with "…" in text, markdown and github output."""

_PROJECT = "(project)"
"""Heading of findings without an environment; env names cannot contain parentheses."""


def count(findings: Iterable[Finding]) -> dict[Severity, int]:
    """How many findings of each severity, in `SEVERITY_ORDER`."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def count_phrase(findings: Iterable[Finding]) -> str:
    """The counts of `findings` as words: "2 errors, 1 warning", or "no problems"."""
    counts = count(findings)
    parts = [plural(n, s.value) for s, n in counts.items() if n]
    return ", ".join(parts) or "no problems"


def plural(n: int, noun: str) -> str:
    """`n` and `noun`, plural unless one: "1 error", "2 warnings", "3 info"."""
    return f"{n} {noun}" if n == 1 or noun == "info" else f"{n} {noun}s"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def visible(text: str, pattern: re.Pattern[str] = _CONTROL) -> str:
    """Control characters as `\\x1b` (line separators as `\\u2028`) so nothing interprets them."""
    text = text.replace("\r\n", "\n")
    return pattern.sub(lambda m: _escaped(m.group()), text)


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def plain(value: Any) -> Any:
    """`value` as strict JSON data: never fails on tuples, NaN, dates or other objects."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


def clip(text: str, limit: int = CLIP) -> str:
    """`text` shortened to `limit` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compact(value: Any) -> str:
    """`value` as one line of JSON, clipped."""
    return clip(json.dumps(plain(value), ensure_ascii=False))


def values(finding: Finding) -> tuple[str, str]:
    """The expected and actual values of a drift-like finding, as shown."""
    expected = "(not declared)" if finding.kind is Kind.UNEXPECTED else compact(finding.expected)
    actual = "(absent)" if finding.kind is Kind.MISSING else compact(finding.actual)
    return expected, actual


def expected_actual(finding: Finding) -> str | None:
    """The `expected: 1  actual: 2` line of a drift-like finding (one with a `kind`)."""
    if finding.kind is None:
        return None
    expected, actual = values(finding)
    return f"expected: {expected}  actual: {actual}"


def attribution_line(finding: Finding) -> str | None:
    """`changed 2026-… by ops@example.com via dashboard …` of an attributed drift finding."""
    return finding.attribution.describe() if finding.attribution is not None else None


def located(source: Source, root: str | None) -> str:
    """`file:line:col` with the file relative to `root`."""
    return str(source.model_copy(update={"file": relative(source.file, root)}))


def finding_details(finding: Finding, root: str | None) -> list[str]:
    """The lines under a finding: where, expected/actual, hint."""
    lines = [f"at {located(finding.source, root)}"] if finding.source else []
    values = expected_actual(finding)
    lines += [values] if values else []
    who = attribution_line(finding)
    lines += [who] if who else []
    return lines + ([f"hint: {finding.hint}"] if finding.hint else [])


def env_order(report: Report) -> list[str | None]:
    """Project-wide first, then the report's environments, then any others by name."""
    seen = {f.env for f in report.findings} | set(report.unknown)
    order: list[str | None] = [None] if None in seen else []
    order += report.envs
    return order + sorted(e for e in seen if e is not None and e not in report.envs)


def by_env(report: Report, env: str | None) -> list[Finding]:
    """The active findings of `env` (None: project-wide), sorted by `Finding.sort_key`."""
    return sorted((f for f in report.active if f.env == env), key=lambda f: f.sort_key())


def env_label(env: str | None) -> str:
    """The heading of `env`'s findings; "(project)" for project-wide ones."""
    return _PROJECT if env is None else env


def relative(file: str, root: str | None) -> str:
    """`file` relative to `root` when inside it, with forward slashes."""
    path = posixpath.normpath(file.replace("\\", "/"))
    if root:
        base = posixpath.normpath(root.replace("\\", "/")).rstrip("/") + "/"
        if path.startswith(base):
            path = path[len(base) :]
    return path


def finding_json(finding: Finding) -> dict[str, Any]:
    """One finding as in the `json` format (documented in `envman.report`)."""
    source = finding.source
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "env": finding.env,
        "path": finding.path,
        "message": finding.message,
        "hint": finding.hint,
        "kind": finding.kind.value if finding.kind else None,
        "expected": plain(finding.expected),
        "actual": plain(finding.actual),
        "source": {"file": source.file, "line": source.line, "column": source.column}
        if source
        else None,
        "suppressed": finding.suppressed,
        "attribution": finding.attribution.model_dump(mode="json")
        if finding.attribution is not None
        else None,
    }
