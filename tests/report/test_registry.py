"""The report registry: every format renders every report; text, json, github and markdown parse back."""

from __future__ import annotations

import io
import json
import math
import re
import sys
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from envman.errors import UsageError
from envman.models import Finding, Report, Source
from envman.report import registry
from envman.report.parts import SEVERITY_ORDER, count
from envman.report.registry import REPORTERS, RenderOptions, render, summary_line, wants_color
from envman.terms import Kind
from tests.report.reports import ANSI, CLEAN, FINDINGS, OPTIONS, REPORT, E, N, W, finding


@pytest.mark.parametrize("fmt", list(REPORTERS))
@pytest.mark.parametrize("report", [REPORT, CLEAN], ids=["findings", "clean"])
def test_every_format_renders(fmt: str, report: Report) -> None:
    for color in (False, True):
        output = render(report, fmt, RenderOptions(color=color, verbose=color))
        assert output.strip() and not output.endswith("\n")


def test_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="yaml") as raised:
        render(REPORT, "yaml", OPTIONS)
    assert "sarif" in (raised.value.hint or "")


def test_counts_and_summary_line() -> None:
    assert SEVERITY_ORDER == (E, W, N)
    assert count(REPORT.active) == {E: 4, W: 2, N: 1}
    assert summary_line(REPORT) == (
        "4 errors, 2 warnings, 1 info in 3 environments; 1 suppressed; "
        "drift unknown in 1 environment."
    )
    assert summary_line(CLEAN) == "No problems found in 3 environments."


# --------------------------------------------------------------------------- text


def test_text_plain_has_no_ansi_and_shows_everything() -> None:
    text = render(REPORT, "text", RenderOptions(width=200))
    assert not ANSI.search(text)
    assert "[bold]x[/]" in text and "[env.staging]" in text  # markup never interpreted
    assert "drift unknown: HTTP 403 from the API: [env.production]" in text
    assert "at environments/staging.toml:4" in text
    assert "hint: use one of: debug, info" in text
    assert 'expected: {"nested": {"list": [1, null, 2.5]}}' in text
    assert "expected: true  actual: false" in text
    assert "actual: (absent)" in text
    assert "x" * 500 not in text and "…" in text  # long values are clipped
    assert "1 suppressed finding not shown" in text and "vars.LEGACY" not in text
    assert text.splitlines()[-1] == summary_line(REPORT)
    headings = [line.split(" — ")[0] for line in text.splitlines() if " — " in line]
    assert headings == ["(project)", "development", "staging", "production"]


def test_text_wraps_to_width_under_the_message() -> None:
    lines = render(REPORT, "text", RenderOptions(width=60)).splitlines()
    assert max(len(line) for line in lines) <= 60
    at = lines.index("  warning EM113 vars.A,B:C|D: 100% undeclared, a:b | c")
    assert lines[at + 1 : at + 4] == [
        " " * 16 + "second line",
        " " * 16 + "third @team",
        " " * 16 + "at environments/staging.toml:4",
    ]


def test_text_verbose_lists_suppressed_with_reason() -> None:
    text = render(REPORT, "text", RenderOptions(verbose=True))
    assert "vars.LEGACY" in text and "suppressed: accepted until the v2 cut-over" in text


def test_text_color_uses_ansi_but_never_from_user_data() -> None:
    assert ANSI.search(render(REPORT, "text", RenderOptions(color=True)))
    hostile = Report(
        command="validate",
        envs=("a",),
        findings=(finding("EM100", E, "a", "k", "\x1b[31mred\x07"),),
    )
    plain = render(hostile, "text", RenderOptions())
    assert "\x1b" not in plain and "\\x1b[31mred" in plain


def test_text_clean_report() -> None:
    text = render(CLEAN, "text", OPTIONS)
    assert text.endswith("No problems found in 3 environments.")


# --------------------------------------------------------------------------- json


def test_json_documented_keys_sorted_findings_and_round_trip() -> None:
    data = json.loads(render(REPORT, "json", OPTIONS))
    assert list(data) == [
        "version",
        "command",
        "findings",
        "summary",
        "unknown",
        "environments",
        "shard",  # added by sharded drift runs (additions only: version stays 1)
    ]
    assert data["version"] == 1 and data["command"] == "check"
    assert data["environments"] == list(REPORT.envs)
    assert data["unknown"] == REPORT.unknown
    assert data["summary"] == REPORT.summary()
    keys = [
        "code",
        "severity",
        "env",
        "path",
        "message",
        "hint",
        "kind",
        "expected",
        "actual",
        "source",
        "suppressed",
        "attribution",  # added by drift attribution
    ]
    assert all(list(f) == keys for f in data["findings"])
    expected_order = sorted(FINDINGS, key=Finding.sort_key)
    assert [(f["code"], f["env"]) for f in data["findings"]] == [
        (f.code, f.env) for f in expected_order
    ]
    by_code = {f["code"]: f for f in data["findings"]}
    assert by_code["EM400"]["actual"] == "x" * 500  # json is never clipped
    assert by_code["EM400"]["expected"] == {"nested": {"list": [1, None, 2.5]}}
    assert by_code["EM110"]["source"] == {
        "file": "/repo/environments/staging.toml",
        "line": 12,
        "column": 3,
    }
    assert by_code["EM402"]["suppressed"].startswith("accepted")
    assert by_code["EM113"]["message"] == FINDINGS[1].message


@pytest.mark.parametrize("fmt", list(REPORTERS))
def test_odd_values_never_crash(fmt: str) -> None:
    odd: list[Any] = [
        None,
        math.nan,
        math.inf,
        date(2025, 1, 1),
        (1, 2),
        {1: {"a": [{}]}},
        "y" * 10_000,
        {"deep": [[[[{"x": None}]]]]},
    ]
    report = Report(
        command="drift",
        envs=("p",),
        findings=tuple(
            finding("EM400", E, "p", f"v{i}", "m", expected=v, actual=v, kind=Kind.CHANGED)
            for i, v in enumerate(odd)
        ),
    )
    output = render(report, fmt, OPTIONS)
    if fmt in ("json", "sarif"):
        json.loads(output, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))


# --------------------------------------------------------------------------- github


def _unescape(text: str) -> str:
    codes = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: codes[m.group()], text)


def parse_github(line: str) -> tuple[str, dict[str, str], str]:
    """A workflow command parsed as the runner does: level, properties, message."""
    match = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    assert match, line
    level, props, data = match.groups()
    properties = dict(p.split("=", 1) for p in props.split(",")) if props else {}
    return level, {k: _unescape(v) for k, v in properties.items()}, _unescape(data)


def test_github_commands_parse_back() -> None:
    lines = render(REPORT, "github", OPTIONS).split("\n")  # the runner splits on \n only
    assert lines[-1] == summary_line(REPORT) and not lines[-1].startswith("::")
    commands = [parse_github(line) for line in lines[:-1]]
    assert commands[0] == (
        "error",
        {"title": "drift unknown"},
        f"production: {REPORT.unknown['production']}",
    )
    by_title = {props["title"]: (level, props, message) for level, props, message in commands[1:]}
    assert len(by_title) == len(REPORT.active)  # suppressed ones are not annotated
    level, props, message = by_title["EM110 vars.LOG_LEVEL"]
    assert (level, props["file"], props["line"], props["col"]) == (
        "error",
        "environments/staging.toml",
        "12",
        "3",
    )
    assert message.startswith("staging: value 'verbose' is not one of [bold]x[/]")
    level, props, message = by_title["EM113 vars.A,B:C|D"]
    assert level == "warning" and props == {
        "file": "environments/staging.toml",
        "line": "4",
        "title": "EM113 vars.A,B:C|D",
    }
    assert message == "staging: " + FINDINGS[1].message
    level, props, message = by_title["EM500 vars.FLAG"]
    assert level == "notice" and "file" not in props and "expected: true  actual: false" in message
    assert "…" in by_title["EM400 compatibility_date"][2]


# --------------------------------------------------------------------------- markdown


def _cells(row: str) -> list[str]:
    assert row.startswith("| ") and row.endswith(" |"), row
    return re.split(r"(?<!\\)\|", row)[1:-1]


def test_markdown_tables_have_five_columns_and_escape_data() -> None:
    text = render(REPORT, "markdown", OPTIONS)
    assert text.startswith("## envman check\n")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert rows and all(len(_cells(row)) == 5 for row in rows)
    assert "\\[bold\\]x\\[/\\]" in text and "\\@team" in text  # no markup, no mentions
    assert "second line<br>third" in text
    assert "> **drift unknown:** HTTP 403" in text
    assert "<details>" in text and "accepted until the v2 cut" in text
    assert "environments/staging.toml:12:3" in text  # relative to root
    assert "x" * 300 not in text


# --------------------------------------------------------------------------- colour and imports


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("tty", "environ", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": "0"}, False),  # any non-empty value disables
        (True, {"NO_COLOR": ""}, True),  # empty counts as unset (no-color.org)
        (False, {"FORCE_COLOR": "1"}, True),
        (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        (True, {"TERM": "dumb"}, False),
    ],
)
def test_wants_color(tty: bool, environ: dict[str, str], expected: bool) -> None:
    assert wants_color(_Stream(tty), environ) is expected


def test_wants_color_closed_stream() -> None:
    stream = _Stream(True)
    stream.close()
    assert wants_color(io.StringIO(), {}) is False


# --------------------------------------------------------------------------- properties


@given(
    message=st.text(),
    path=st.text(),
    reason=st.text(min_size=1),
    env=st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True),
)
@example(message="", path="", reason="\u2028", env="a")  # a line separator split a table row
def test_any_text_renders_everywhere(message: str, path: str, reason: str, env: str) -> None:
    report = Report(
        command="check",
        envs=(env,),
        findings=(
            finding(
                "EM110",
                E,
                env,
                path,
                message,
                source=Source(file=path or "f", line=1),
                hint=message,
            ),
            finding(
                "EM400",
                W,
                env,
                path,
                message,
                expected=message,
                actual=[path],
                kind=Kind.CHANGED,
                suppressed=reason,
            ),
        ),
        unknown={env: reason},
    )
    for fmt in REPORTERS:
        output = render(report, fmt, RenderOptions(color=False))
        assert not ANSI.search(output) or fmt != "text"
    data = json.loads(render(report, "json", OPTIONS))
    assert {f["message"] for f in data["findings"]} == {message}
    assert {f["path"] for f in data["findings"]} == {path}
    ET.fromstring(render(report, "junit", OPTIONS))
    for line in render(report, "github", OPTIONS).split("\n")[:-1]:
        _, props, data_ = parse_github(line)
        if props.get("title", "").startswith("EM110"):
            assert props["title"] == f"EM110 {path}".strip() and data_.startswith(
                f"{env}: {message}"
            )
    rows = [
        line for line in render(report, "markdown", OPTIONS).splitlines() if line.startswith("| ")
    ]
    assert all(len(_cells(row)) == 5 for row in rows)


_ENV = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_éß", min_size=1, max_size=12)


@given(
    envs=st.lists(_ENV, min_size=1, max_size=6, unique=True),
    unknown=st.dictionaries(_ENV, st.text(max_size=60), max_size=2),
    suppressed=st.integers(min_value=0, max_value=2),
    verbose=st.booleans(),
    width=st.integers(min_value=20, max_value=120),
)
def test_text_without_rich_is_what_rich_prints(
    envs: list[str], unknown: dict[str, str], suppressed: int, verbose: bool, width: int
) -> None:
    """A plain report (no colour, no grid of findings) is written without rich, the same."""
    hidden = [
        finding("EM113", W, envs[0], f"vars.X{i}", "undeclared", suppressed="legacy")
        for i in range(suppressed)
    ]
    report = Report(command="drift", envs=tuple(envs), findings=tuple(hidden), unknown=unknown)
    options = RenderOptions(width=width, verbose=verbose)
    blocks = registry._text_blocks(report, options)
    plain = registry._plain_text(blocks, options)
    rich = registry._rich_text(blocks, options)
    assert plain is None or plain == rich
    if not verbose and all(e.isascii() for e in envs) and not unknown and width >= 60:
        assert plain is not None  # a clean run in a hook or CI needs no rich


def test_a_clean_text_report_needs_no_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text of a clean run without colour is built without rich (a pre-commit hook's)."""
    for name in ["rich", "rich.console", *(m for m in sys.modules if m.startswith("rich."))]:
        monkeypatch.setitem(sys.modules, name, None)  # importing rich now fails
    text = render(CLEAN, "text", RenderOptions(color=False, width=100))
    assert text.endswith("No problems found in 3 environments.")
    with pytest.raises(ImportError):
        render(CLEAN, "text", RenderOptions(color=True, width=100))
