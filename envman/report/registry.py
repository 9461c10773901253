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
          "code": "EM110",                # stable code, see docs/reference/finding-codes.md
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
          "suppressed": "reason of the ignore rule" | null,
          "attribution": {                # drift findings: who last changed the live value
            "when": "2026-01-02T03:04:05Z", "author": "ops@example.com" | null,
            "via": "dashboard" | "api" | "wrangler" | "terraform" | ... | null,
            "action": "settings edit" | ... | null, "message": "..." | null,
            "version": "<version id>" | null,
            "evidence": "version" | "audit log" | "unknown", "note": "..." | null
          } | null
        }
      ],
      "summary": {"error": 1, "warning": 0, "info": 0,  # active (not suppressed) findings
                  "suppressed": 0, "environments": 3, "unknown": 0},
      "unknown": {"production": "why its live state could not be read"},
      "environments": ["development", "staging", "production"],
      "shard": "2/4" | null                # the slice of a sharded run (--shard 2/4)
    }
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, TextIO

from envman.errors import UsageError
from envman.redaction import SECRETS
from envman.report.diffview import render_diff
from envman.report.parts import (
    SEVERITY_ORDER,
    RenderOptions,
    attribution_line,
    by_env,
    count_phrase,
    env_label,
    env_order,
    expected_actual,
    finding_json,
    located,
    plural,
    relative,
    values,
    visible,
)
from envman.terms import Severity

if TYPE_CHECKING:  # the models are never built here: reporters only read them
    from envman.models import Finding, Report

_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_EMOJI = {Severity.ERROR: "❌", Severity.WARNING: "⚠️", Severity.INFO: "ℹ️"}
_LISTED_CLEAN = 3
"""Clean environments listed one per line when others have findings; more are one line."""


Reporter = Callable[["Report", RenderOptions], str]


def _order(finding: Finding) -> tuple[str, int, str, str]:
    return finding.sort_key()


def render(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    """Render `report` in the format named `fmt` (a key of `REPORTERS`), secrets masked.

    Registered secrets (redaction.SECRETS) are masked in every string of the report
    before a reporter escapes it (markdown would escape a token's `_`, and a later text
    search would miss it), and once more in the rendered text.
    """
    reporter = REPORTERS.get(fmt)
    if reporter is None:
        hint = f"use one of: {', '.join(REPORTERS)}"
        raise UsageError(f"unknown output format {fmt!r}", hint=hint)
    return SECRETS.text(reporter(redacted(report), options or RenderOptions()))


def redacted(report: Report) -> Report:
    """`report` with every registered secret masked in its messages, values and reasons."""
    if not SECRETS:
        return report
    return type(report).model_validate(SECRETS.data(report.model_dump()))


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


def summary_line(report: Report) -> str:
    """One line for the end of any output: "2 errors, 1 warning in 3 environments"."""
    where = plural(len(report.envs), "environment")
    active = report.active
    none = "No known problems" if report.unknown else "No problems found"
    if report.command == "drift" and not report.unknown:
        none = "No drift"
    text = f"{count_phrase(active)} in {where}" if active else f"{none} in {where}"
    if report.suppressed:
        text += f"; {len(report.suppressed)} suppressed"
    if report.unknown:
        text += f"; drift unknown in {plural(len(report.unknown), 'environment')}"
    return text + "."


# --------------------------------------------------------------------------- text


_Line = list[tuple[str, str]]
"""One line of the text report: its pieces and their rich styles ("" for none)."""


def _text(report: Report, options: RenderOptions) -> str:
    if report.command == "diff" and report.source is not None:
        return render_diff(report, options)
    blocks = _text_blocks(report, options)
    plain = _plain_text(blocks, options)
    return plain if plain is not None else _rich_text(blocks, options)


def _text_blocks(
    report: Report, options: RenderOptions
) -> list[_Line | tuple[list[Finding], bool]]:
    """The text report as lines, and as (findings, with_env) where a grid of findings goes."""
    blocks: list[_Line | tuple[list[Finding], bool]] = []
    envs = env_order(report)
    clean = [e for e in envs if e is not None and not by_env(report, e) and e not in report.unknown]
    collapse = (
        not options.verbose
        and len(report.envs) > 1
        and (len(clean) == len(envs) or len(clean) > _LISTED_CLEAN)
    )
    for env in envs:
        findings = by_env(report, env)
        if collapse and env in clean:
            continue
        blocks.append([(env_label(env), "bold underline"), (f" — {count_phrase(findings)}", "")])
        if env in report.unknown:
            reason = visible(report.unknown[env])
            blocks.append([("  ! drift unknown: ", "bold red"), (reason, "")])
        if findings:
            blocks.append((findings, False))
    suppressed = sorted(report.suppressed, key=_order)
    if suppressed and options.verbose:
        blocks.append([(f"suppressed ({len(suppressed)})", "bold underline")])
        blocks.append((suppressed, True))
    elif suppressed:
        hidden = plural(len(suppressed), "suppressed finding")
        blocks.append([(f"{hidden} not shown (--verbose)", "")])
    if collapse and len(clean) < len(envs):
        blocks.append(
            [(f"{plural(len(clean), 'other environment')}: no problems (--verbose lists them)", "")]
        )
    worst = next((s for s in SEVERITY_ORDER if any(f.severity is s for f in report.active)), None)
    style = "bold red" if report.unknown else _STYLE[worst] if worst else "bold green"
    blocks.append([(summary_line(report), style)])
    return blocks


def _plain_text(
    blocks: list[_Line | tuple[list[Finding], bool]], options: RenderOptions
) -> str | None:
    """The report without rich, when rich would only print its lines as they are: no colour,
    no grid of findings, every line printable, one cell per character, within the width
    (rich would wrap it).

    A clean run in a pre-commit hook or CI (no terminal, so no colour) never imports rich.
    """
    if options.color:
        return None
    lines = []
    for block in blocks:
        if not isinstance(block, list):
            return None
        line = "".join(text for text, _ in block)
        if len(line) > options.width or not _narrow(line):
            return None
        lines.append(line.rstrip())
    return "\n".join(lines)


_NARROW = frozenset("—–…→×·")
"""The non-ASCII characters envman's own lines use: each one terminal cell wide."""


def _narrow(line: str) -> bool:
    """Whether `line` is printable with one cell per character (as rich would measure it)."""
    return line.isprintable() and (line.isascii() or all(c.isascii() or c in _NARROW for c in line))


def _rich_text(blocks: list[_Line | tuple[list[Finding], bool]], options: RenderOptions) -> str:
    # rich is imported here only: `import envman.report.registry` must stay cheap (DESIGN.md).
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
            body = Text(visible(f"{head}: {finding.message}" if head else finding.message))
            if finding.source:
                body.append("\n" + visible(f"at {located(finding.source, options.root)}"), "dim")
            if finding.kind is not None:
                # the heart of a drift: emphasised, never dimmed
                expected, actual = values(finding)
                body.append("\nexpected: ", "bold")
                body.append(visible(expected), "bold green")
                body.append("  actual: ", "bold")
                body.append(visible(actual), "bold red")
            who = attribution_line(finding)
            extra = [who] if who else []
            extra += [f"hint: {finding.hint}"] if finding.hint else []
            extra += [f"suppressed: {finding.suppressed}"] if finding.suppressed else []
            for detail in extra:
                body.append("\n" + visible(detail), style="dim")
            severity = Text(finding.severity.value, style=_STYLE[finding.severity])
            grid.add_row(severity, Text(finding.code, style="bold"), body)
        console.print(Padding(grid, (0, 0, 0, 2)))

    for block in blocks:
        if isinstance(block, list):
            console.print(Text.assemble(*block))
        else:
            print_findings(block[0], with_env=block[1])
    # Grid cells are padded to the width; trailing blanks only get in the way of diffs.
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()).rstrip("\n")


# --------------------------------------------------------------------------- json


def _json(report: Report, options: RenderOptions) -> str:
    document = {
        "version": 1,
        "command": report.command,
        "findings": [finding_json(f) for f in sorted(report.findings, key=_order)],
        "summary": report.summary(),
        "unknown": dict(report.unknown),
        "environments": list(report.envs),
        "shard": report.shard,
        **({"source": report.source} if report.source is not None else {}),
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
    for finding in sorted(report.active, key=_order):
        props: dict[str, str] = {}
        if finding.source:
            props["file"] = relative(finding.source.file, options.root)
            if finding.source.line:
                props["line"] = str(finding.source.line)
                if finding.source.column:
                    props["col"] = str(finding.source.column)
        props["title"] = f"{finding.code} {finding.path}".strip()
        message = f"{finding.env}: {finding.message}" if finding.env else finding.message
        extra = [
            expected_actual(finding),
            attribution_line(finding),
            f"hint: {finding.hint}" if finding.hint else None,
        ]
        message = "\n".join([message, *(x for x in extra if x)])
        joined = ",".join(f"{key}={_gh_property(value)}" for key, value in props.items())
        lines.append(f"::{_GITHUB_LEVEL[finding.severity]} {joined}::{_gh_data(message)}")
    lines.append(summary_line(report))
    return "\n".join(lines)


# --------------------------------------------------------------------------- markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#!|~@&])")


def _md(text: str) -> str:
    """Text safe in a GFM table cell: no markup, mentions, HTML, pipes or line breaks."""
    return _MD_SPECIAL.sub(r"\\\1", visible(text)).replace("\n", "<br>")


def _md_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_head(*names: str) -> list[str]:
    return [_md_row(names), _md_row(["---"] * len(names))]


def _markdown(report: Report, options: RenderOptions) -> str:
    lines = [f"## envman {_md(report.command)}", "", _md(summary_line(report)), ""]
    for env in env_order(report):
        findings = by_env(report, env)
        lines += [f"### {_md(env_label(env))} — {count_phrase(findings)}", ""]
        if env in report.unknown:
            lines += [f"> **drift unknown:** {_md(report.unknown[env])}", ""]
        if not findings:
            continue
        lines += _md_head("Severity", "Code", "Path", "Message", "Location")
        for f in findings:
            extra = [expected_actual(f), attribution_line(f), f"hint: {f.hint}" if f.hint else None]
            message = "<br>".join(_md(x) for x in [f.message, *extra] if x is not None)
            location = _md(located(f.source, options.root)) if f.source else ""
            sev = f"{_EMOJI[f.severity]} {f.severity.value}"
            lines.append(_md_row([sev, _md(f.code), _md(f.path), message, location]))
        lines.append("")
    suppressed = sorted(report.suppressed, key=_order)
    if suppressed:
        lines += ["<details>", f"<summary>{len(suppressed)} suppressed</summary>", ""]
        lines += _md_head("Environment", "Code", "Path", "Message", "Reason")
        for f in suppressed:
            cells = [env_label(f.env), f.code, f.path, f.message, f.suppressed or ""]
            lines.append(_md_row(_md(c) for c in cells))
        lines += ["", "</details>"]
    return "\n".join(lines).rstrip("\n")


def _sarif(report: Report, options: RenderOptions) -> str:
    from envman.report.ci import sarif  # CI formats load on use: validate stays quick

    return sarif(report, options)


def _junit(report: Report, options: RenderOptions) -> str:
    from envman.report.ci import junit

    return junit(report, options)


REPORTERS: dict[str, Reporter] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "markdown": _markdown,
    "sarif": _sarif,
    "junit": _junit,
}
"""Every output format by name; the first is the default."""
