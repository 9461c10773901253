"""Reporters: a registry that renders a Report as text, json, github, markdown, sarif or junit.

Every reporter is a function `(Report, RenderOptions) -> str` returning the whole output
without a final newline; `--format` choices are the keys of `REPORTERS`. Reporters render
what the core gives them (redacted values stay redacted) and never fail on a JSON value.

The `json` format (stable; additions only, `version` changes on anything else)::

    {
      "version": 1,                       # of this format
      "command": "validate",              # validate | diff | drift | check | ...
      "findings": [                       # every finding, suppressed ones included,
        {                                 # sorted by env, severity (worst first), path, code
          "code": "EM110",                # stable code, see docs/finding-codes.md
          "severity": "error",            # error | warning | info
          "env": "staging",               # null for project-wide findings
          "path": "vars.LOG_LEVEL",       # dotted config path ("" when none)
          "message": "...",
          "hint": "..." | null,
          "kind": "changed" | "missing" | "unexpected" | null,
          "expected": <any JSON> | null,  # declared value (drift, diff, wrangler checks)
          "actual": <any JSON> | null,    # live / other value
          "source": {"file": "environments/staging.toml", "line": 12 | null,
                     "column": 3 | null} | null,
          "suppressed": "reason of the ignore rule" | null
        }
      ],
      "summary": {"error": 1, "warning": 0, "info": 0,  # active (not suppressed) findings
                  "suppressed": 0, "environments": 3, "unknown": 0},
      "unknown": {"production": "why its live state could not be read"},
      "environments": ["development", "staging", "production"]
    }
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import quote

from envman import __version__
from envman.codes import CODES
from envman.errors import UsageError
from envman.models import Finding, Kind, Report, Severity, Source
from envman.promote import Plan

SEVERITY_ORDER: tuple[Severity, ...] = (Severity.ERROR, Severity.WARNING, Severity.INFO)
"""Severities, worst first: the order of counts, headings and summaries."""

INFORMATION_URI = "https://pypi.org/project/envman/"
CLIP = 200
"""Values longer than this are shortened with "…" in text, markdown and github output."""

_AREAS = ("schema", "cross-environment", "wrangler", "drift", "promotion")
_AREA_OF_DIGIT = dict(zip("012345", ("schema", *_AREAS), strict=True))
_AREAS_RUN: dict[str, tuple[str, ...]] = {
    "validate": _AREAS[:3],
    "drift": ("drift",),
    "check": _AREAS[:4],
    "diff": ("promotion",),
    "promote": ("promotion",),
}
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_EMOJI = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}
_PROJECT = "(project)"
"""Heading of findings without an environment; env names cannot contain parentheses."""


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


Reporter = Callable[[Report, RenderOptions], str]


def render(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    """Render `report` in the format named `fmt` (a key of `REPORTERS`)."""
    reporter = REPORTERS.get(fmt)
    if reporter is None:
        hint = f"use one of: {', '.join(REPORTERS)}"
        raise UsageError(f"unknown output format {fmt!r}", hint=hint)
    return reporter(report, options or RenderOptions())


def wants_color(stream: TextIO, environ: Mapping[str, str]) -> bool:
    """Whether to colour output to `stream`: a terminal, unless NO_COLOR; FORCE_COLOR forces.

    Per no-color.org and force-color.org a variable counts when set to a non-empty value,
    whatever the value ("0" included); NO_COLOR wins over FORCE_COLOR.
    """
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def count(findings: Iterable[Finding]) -> dict[Severity, int]:
    """How many findings of each severity, in `SEVERITY_ORDER`."""
    counts = dict.fromkeys(SEVERITY_ORDER, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def count_phrase(findings: Iterable[Finding]) -> str:
    """The counts of `findings` as words: "2 errors, 1 warning", or "no problems"."""
    counts = count(findings)
    parts = [_plural(n, s.value) for s, n in counts.items() if n]
    return ", ".join(parts) or "no problems"


def summary_line(report: Report) -> str:
    """One line for the end of any output: "2 errors, 1 warning in 3 environments"."""
    where = _plural(len(report.envs), "environment")
    active = report.active
    none = "No known problems" if report.unknown else "No problems found"
    text = f"{count_phrase(active)} in {where}" if active else f"{none} in {where}"
    if report.suppressed:
        text += f"; {len(report.suppressed)} suppressed"
    if report.unknown:
        text += f"; drift unknown in {_plural(len(report.unknown), 'environment')}"
    return text + "."


# --------------------------------------------------------------------------- shared helpers


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 or noun == "info" else f"{n} {noun}s"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _visible(text: str, pattern: re.Pattern[str] = _CONTROL) -> str:
    """Control characters as `\\x1b` so no terminal or parser ever interprets them."""
    text = text.replace("\r\n", "\n")
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _plain(value: Any) -> Any:
    """`value` as strict JSON data: never fails on tuples, NaN, dates or other objects."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _clip(text: str, limit: int = CLIP) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _compact(value: Any) -> str:
    return _clip(json.dumps(_plain(value), ensure_ascii=False))


def _values(finding: Finding) -> str | None:
    """The `expected: 1  actual: 2` line of a drift-like finding (one with a `kind`)."""
    if finding.kind is None:
        return None
    expected = "(not declared)" if finding.kind is Kind.UNEXPECTED else _compact(finding.expected)
    actual = "(absent)" if finding.kind is Kind.MISSING else _compact(finding.actual)
    return f"expected: {expected}  actual: {actual}"


def _located(source: Source, root: str | None) -> str:
    """`file:line:col` with the file relative to `root`."""
    return str(source.model_copy(update={"file": _relative(source.file, root)}))


def _details(finding: Finding, root: str | None) -> list[str]:
    """The lines under a finding: where, expected/actual, hint."""
    lines = [f"at {_located(finding.source, root)}"] if finding.source else []
    values = _values(finding)
    lines += [values] if values else []
    return lines + ([f"hint: {finding.hint}"] if finding.hint else [])


def _env_order(report: Report) -> list[str | None]:
    """Project-wide first, then the report's environments, then any others by name."""
    seen = {f.env for f in report.findings} | set(report.unknown)
    order: list[str | None] = [None] if None in seen else []
    order += report.envs
    return order + sorted(e for e in seen if e is not None and e not in report.envs)


def _by_env(report: Report, env: str | None) -> list[Finding]:
    return sorted((f for f in report.active if f.env == env), key=Finding.sort_key)


def _label(env: str | None) -> str:
    return _PROJECT if env is None else env


def _area(code: str) -> str:
    """The check area of a code, from its hundreds digit: EM1xx is "schema"."""
    return _AREA_OF_DIGIT.get(code[2:3], "other")


def _relative(file: str, root: str | None) -> str:
    """`file` relative to `root` when inside it, with forward slashes."""
    path = posixpath.normpath(file.replace("\\", "/"))
    if root:
        base = posixpath.normpath(root.replace("\\", "/")).rstrip("/") + "/"
        if path.startswith(base):
            path = path[len(base) :]
    return path


# --------------------------------------------------------------------------- text


def _text(report: Report, options: RenderOptions) -> str:
    # rich is imported here only: `import envman.report` must stay cheap (DESIGN.md).
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=options.color,
        no_color=not options.color,
        color_system="standard" if options.color else None,
        width=options.width,
        legacy_windows=False,
        highlight=False,
        markup=False,  # user data such as `[env.staging]` is never markup
        emoji=False,
    )

    def print_findings(findings: list[Finding], *, with_env: bool = False) -> None:
        # A grid, so that long messages wrap under the message, not under the severity.
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, min_width=len("warning"))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for finding in findings:
            where = [finding.env] if with_env and finding.env else []
            head = ": ".join([*where, finding.path] if finding.path else where)
            body = Text(_visible(f"{head}: {finding.message}" if head else finding.message))
            details = _details(finding, options.root)
            details += [f"suppressed: {finding.suppressed}"] if finding.suppressed else []
            for detail in details:
                body.append("\n" + _visible(detail), style="dim")
            severity = Text(finding.severity.value, style=_STYLE[finding.severity])
            grid.add_row(severity, Text(finding.code, style="bold"), body)
        console.print(Padding(grid, (0, 0, 0, 2)))

    for env in _env_order(report):
        findings = _by_env(report, env)
        console.print(Text(_label(env), style="bold underline"), f"— {count_phrase(findings)}")
        if env in report.unknown:
            reason = _visible(report.unknown[env])
            console.print(Text.assemble(("  ! drift unknown: ", "bold red"), reason))
        if findings:
            print_findings(findings)
    suppressed = sorted(report.suppressed, key=Finding.sort_key)
    if suppressed and options.verbose:
        console.print(Text(f"suppressed ({len(suppressed)})", style="bold underline"))
        print_findings(suppressed, with_env=True)
    elif suppressed:
        hidden = _plural(len(suppressed), "suppressed finding")
        console.print(f"{hidden} not shown (--verbose)")
    worst = next((s for s in SEVERITY_ORDER if any(f.severity is s for f in report.active)), None)
    style = "bold red" if report.unknown else _STYLE[worst] if worst else "bold green"
    console.print(Text(summary_line(report), style=style))
    # Grid cells are padded to the width; trailing blanks only get in the way of diffs.
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()).rstrip("\n")


# --------------------------------------------------------------------------- json


def _finding_json(finding: Finding) -> dict[str, Any]:
    source = finding.source
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "env": finding.env,
        "path": finding.path,
        "message": finding.message,
        "hint": finding.hint,
        "kind": finding.kind.value if finding.kind else None,
        "expected": _plain(finding.expected),
        "actual": _plain(finding.actual),
        "source": {"file": source.file, "line": source.line, "column": source.column}
        if source
        else None,
        "suppressed": finding.suppressed,
    }


def _json(report: Report, options: RenderOptions) -> str:
    document = {
        "version": 1,
        "command": report.command,
        "findings": [_finding_json(f) for f in sorted(report.findings, key=Finding.sort_key)],
        "summary": report.summary(),
        "unknown": dict(report.unknown),
        "environments": list(report.envs),
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- github


def _gh_data(text: str) -> str:
    # The runner's rules (actions/toolkit, command.ts escapeData / escapeProperty).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(report: Report, options: RenderOptions) -> str:
    lines = [
        f"::error title=drift unknown::{_gh_data(f'{env}: {reason}')}"
        for env, reason in report.unknown.items()
    ]
    for finding in sorted(report.active, key=Finding.sort_key):
        props: dict[str, str] = {}
        if finding.source:
            props["file"] = _relative(finding.source.file, options.root)
            if finding.source.line:
                props["line"] = str(finding.source.line)
                if finding.source.column:
                    props["col"] = str(finding.source.column)
        props["title"] = f"{finding.code} {finding.path}".strip()
        message = f"{finding.env}: {finding.message}" if finding.env else finding.message
        extra = [_values(finding), f"hint: {finding.hint}" if finding.hint else None]
        message = "\n".join([message, *(x for x in extra if x)])
        joined = ",".join(f"{key}={_gh_property(value)}" for key, value in props.items())
        lines.append(f"::{_GITHUB_LEVEL[finding.severity]} {joined}::{_gh_data(message)}")
    lines.append(summary_line(report))
    return "\n".join(lines)


# --------------------------------------------------------------------------- markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#!|~@&])")


def _md(text: str) -> str:
    """Text safe in a GFM table cell: no markup, mentions, HTML, pipes or line breaks."""
    return _MD_SPECIAL.sub(r"\\\1", _visible(text)).replace("\n", "<br>")


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_head(*names: str) -> list[str]:
    return [_md_row(names), _md_row(["---"] * len(names))]


def _markdown(report: Report, options: RenderOptions) -> str:
    lines = [f"## envman {_md(report.command)}", "", _md(summary_line(report)), ""]
    for env in _env_order(report):
        findings = _by_env(report, env)
        lines += [f"### {_md(_label(env))} — {count_phrase(findings)}", ""]
        if env in report.unknown:
            lines += [f"> **drift unknown:** {_md(report.unknown[env])}", ""]
        if not findings:
            continue
        lines += _md_head("Severity", "Code", "Path", "Message", "Location")
        for f in findings:
            extra = [_values(f), f"hint: {f.hint}" if f.hint else None]
            message = "<br>".join(_md(x) for x in [f.message, *extra] if x is not None)
            location = _md(_located(f.source, options.root)) if f.source else ""
            sev = f"{_EMOJI[f.severity]} {f.severity.value}"
            lines.append(_md_row([sev, _md(f.code), _md(f.path), message, location]))
        lines.append("")
    suppressed = sorted(report.suppressed, key=Finding.sort_key)
    if suppressed:
        lines += ["<details>", f"<summary>{len(suppressed)} suppressed</summary>", ""]
        lines += _md_head("Environment", "Code", "Path", "Message", "Reason")
        for f in suppressed:
            cells = [_label(f.env), f.code, f.path, f.message, f.suppressed or ""]
            lines.append(_md_row(_md(c) for c in cells))
        lines += ["", "</details>"]
    return "\n".join(lines).rstrip("\n")


# --------------------------------------------------------------------------- sarif


def _sarif_rule(code: str) -> dict[str, Any]:
    known = CODES.get(code)
    title = known.title if known else code
    text = known.help if known else f"envman finding {code}."
    level = _SARIF_LEVEL[known.severity] if known else "warning"
    return {
        "id": code,
        "name": title,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "help": {"text": f"{code} {title}: {text}"},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["envman", _area(code)]},
    }


def _sarif_uri(file: str, root: str | None) -> str:
    path = _relative(file, root)
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(path, safe="/")


def _env_files(report: Report, options: RenderOptions) -> dict[str, str]:
    """An environment's own file: given in options, else a source file named after it."""
    files: dict[str, str] = {}
    for finding in sorted(report.findings, key=Finding.sort_key):
        if finding.source:
            stem = posixpath.splitext(posixpath.basename(_relative(finding.source.file, None)))[0]
            files.setdefault(stem, finding.source.file)
    return {env: files[env] for env in report.envs if env in files} | dict(options.env_files)


def _sarif_result(
    finding: Finding, index: int, env_files: Mapping[str, str], options: RenderOptions
) -> dict[str, Any]:
    where = ": ".join(x for x in (finding.env, finding.path) if x)
    text = f"{where}: {finding.message}" if where else finding.message
    text += f"\nhint: {finding.hint}" if finding.hint else ""
    identity = "\0".join([finding.code, finding.env or "", finding.path])
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": text},
    }
    file = finding.source.file if finding.source else env_files.get(finding.env or "")
    if file:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _sarif_uri(file, options.root)}}
        line = finding.source.line if finding.source else None
        if line is not None and line >= 1:
            physical["region"] = {"startLine": line}
            column = finding.source.column if finding.source else None
            if column is not None and column >= 1:
                physical["region"]["startColumn"] = column
        result["locations"] = [{"physicalLocation": physical}]
    result["partialFingerprints"] = {
        "envmanFinding/v1": hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()
    }
    result["properties"] = {
        "env": finding.env,
        "path": finding.path,
        "kind": finding.kind.value if finding.kind else None,
        "expected": _plain(finding.expected),
        "actual": _plain(finding.actual),
    }
    if finding.suppressed is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.suppressed}
        ]
    return result


def _sarif(report: Report, options: RenderOptions) -> str:
    findings = sorted(report.findings, key=Finding.sort_key)
    codes = sorted({f.code for f in findings})
    index = {code: i for i, code in enumerate(codes)}
    env_files = _env_files(report, options)
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{env}: drift unknown: {reason}"},
            "descriptor": {"id": "EM406"},
        }
        for env, reason in report.unknown.items()
    ]
    run = {
        "tool": {
            "driver": {
                "name": "envman",
                "version": options.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [_sarif_rule(code) for code in codes],
            }
        },
        "invocations": [
            {"executionSuccessful": not report.unknown, "toolExecutionNotifications": notifications}
        ],
        "results": [_sarif_result(f, index[f.code], env_files, options) for f in findings],
        "columnKind": "unicodeCodePoints",
        "properties": {"command": report.command, "environments": list(report.envs)},
    }
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- junit


def _xml(text: str) -> str:
    return _visible(text, _XML_INVALID)


def _finding_text(finding: Finding, root: str | None) -> str:
    where = f"{finding.path}: " if finding.path else ""
    head = f"{finding.severity.value} {finding.code} {where}{finding.message}"
    return "\n".join([head, *(f"  {line}" for line in _details(finding, root))])


def _junit(report: Report, options: RenderOptions) -> str:
    root = ET.Element("testsuites", name=_xml(f"envman {report.command}"))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for env in _env_order(report):
        findings = _by_env(report, env)
        ran = _AREAS_RUN.get(report.command, ()) if env is not None else ()
        used = {_area(f.code) for f in findings} | ({"drift"} if env in report.unknown else set())
        areas = [*ran, *(a for a in (*_AREAS, "other") if a in used and a not in ran)]
        suite = ET.SubElement(root, "testsuite", name=_xml(_label(env)))
        classname = _xml(f"envman.{_label(env)}")
        counts = {"tests": len(areas), "failures": 0, "errors": 0}
        for area in areas:
            case = ET.SubElement(suite, "testcase", name=area, classname=classname)
            mine = [f for f in findings if _area(f.code) == area]
            text = _xml("\n\n".join(_finding_text(f, options.root) for f in mine))
            bad = [f for f in mine if f.severity is not Severity.INFO]
            if area == "drift" and env in report.unknown:
                reason = f"drift unknown: {report.unknown[env]}"
                error = ET.SubElement(case, "error", message=_xml(reason), type="unknown")
                error.text = "\n\n".join(x for x in (_xml(reason), text) if x)
                counts["errors"] += 1
            elif bad:
                codes = ",".join(dict.fromkeys(f.code for f in bad))
                failure = ET.SubElement(case, "failure", message=count_phrase(bad), type=codes)
                failure.text = text
                counts["failures"] += 1
            elif mine:
                ET.SubElement(case, "system-out").text = text
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("skipped", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


REPORTERS: dict[str, Reporter] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "markdown": _markdown,
    "sarif": _sarif,
    "junit": _junit,
}
"""Every output format by name; the first is the default."""


def render_config(data: Mapping[str, Any], fmt: str) -> str:
    """One environment's resolved config (wrangler's shape) as TOML or JSON, for `envman show`."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "toml":
        from envman.edit import dumps_toml

        return dumps_toml(data)
    raise UsageError(f"unknown config format {fmt!r}; use toml or json")


def render_plan(
    plan: Plan,
    *,
    refusals: Sequence[Finding] = (),
    notes: Sequence[str] = (),
    fmt: str = "text",
    redact: Callable[[str, Any], Any] = lambda _path, value: value,
) -> str:
    """A promotion plan: each step with before and after, blocked steps, guardrail refusals."""
    steps = [
        {
            "path": step.path,
            "action": step.action,
            "before": redact(step.path, step.before),
            "after": redact(step.path, step.after),
            "blocked": step.blocked,
        }
        for step in plan.steps
    ]
    if fmt == "json":
        document = {
            "version": 1,
            "source": plan.source,
            "target": plan.target,
            "fingerprint": plan.fingerprint,
            "steps": steps,
            "environment_specific": [
                {
                    "path": s.path,
                    "source": redact(s.path, s.after),
                    "target": redact(s.path, s.before),
                }
                for s in plan.environment_specific
            ],
            "refusals": [_finding_json(f) for f in refusals],
            "notes": list(notes),
        }
        return json.dumps(document, indent=2, ensure_ascii=False)
    lines = [f"Plan: {plan.source} -> {plan.target} ({_plural(len(steps), 'step')})"]
    for step in steps:
        mark = {"add": "+", "remove": "-", "change": "~"}[str(step["action"])]
        if step["action"] == "add":
            change = _clip(_compact(step["after"]))
        elif step["action"] == "remove":
            change = f"{_clip(_compact(step['before']))} (removed)"
        else:
            change = f"{_clip(_compact(step['before']))} -> {_clip(_compact(step['after']))}"
        lines.append(f"  {mark} {_visible(str(step['path']))}: {_visible(change)}")
        if step["blocked"]:
            lines.append(f"      BLOCKED: {_visible(str(step['blocked']))}")
    if plan.environment_specific:
        lines.append(f"Not promoted (environment-specific): {len(plan.environment_specific)}")
        lines += [f"  = {_visible(s.path)}" for s in plan.environment_specific]
    lines += [f"Note: {_visible(note)}" for note in notes]
    for refusal in refusals:
        lines.append(f"REFUSED: {_visible(refusal.message)}")
        if refusal.hint:
            lines.append(f"  hint: {_visible(refusal.hint)}")
    return "\n".join(lines)


def render_audit(entries: Sequence[Any], fmt: str, *, full: bool = False) -> str:
    """Audit entries (envman.audit.AuditEntry) as text lines or a JSON array."""
    if fmt == "json":
        return json.dumps([e.to_json() for e in entries], indent=2, ensure_ascii=False)
    if not entries:
        return "no audit entries"
    lines: list[str] = []
    for entry in entries:
        when = entry.time.strftime("%Y-%m-%d %H:%M:%SZ")
        route = f"{entry.source} -> {entry.target}" if entry.source else str(entry.target)
        flags = f" [{' '.join(entry.flags)}]" if entry.flags else ""
        lines.append(
            f"{entry.id}  {when}  {entry.action:<8} {route}  {len(entry.changes)} changes  "
            f"by {_visible(entry.actor)}{flags}"
        )
        if entry.reason:
            lines.append(f"    reason: {_visible(entry.reason)}")
        if full:
            for change in entry.changes:
                lines.append(
                    f"    {_visible(change.path)}: {_clip(_compact(change.before))} -> "
                    f"{_clip(_compact(change.after))}"
                )
            git = entry.git
            lines.append(
                f"    git: {git.commit or '-'} on {git.branch or '-'}{' (dirty)' if git.dirty else ''}"
            )
            if entry.ci.provider:
                lines.append(f"    ci: {entry.ci.provider} {entry.ci.run_url or ''}".rstrip())
            lines.append(f"    version: {entry.version}  hash: {entry.hash}  prev: {entry.prev}")
            if entry.sig:
                lines.append("    signed: yes (HMAC-SHA256)")
    return "\n".join(lines)
