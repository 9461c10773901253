"""Tests of envman.report: every format renders every report, parses back, and escapes data."""

from __future__ import annotations

import io
import json
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envman.codes import CODES
from envman.errors import UsageError
from envman.models import Finding, Kind, Report, Severity, Source
from envman.report.parts import SEVERITY_ORDER, count
from envman.report.registry import REPORTERS, RenderOptions, render, summary_line, wants_color

SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json"
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


# --------------------------------------------------------------------------- sarif


def test_sarif_is_valid_and_complete() -> None:
    log = json.loads(render(REPORT, "sarif", OPTIONS))
    if not SARIF_SCHEMA.exists():  # pragma: no cover - the schema is committed
        pytest.skip("tests/data/sarif/sarif-schema-2.1.0.json is absent")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(log)
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("envman", "9.9.9")
    used = sorted({f.code for f in FINDINGS})
    assert [r["id"] for r in driver["rules"]] == used
    for rule in driver["rules"]:
        code = CODES[rule["id"]]
        assert rule["name"] == code.title and rule["fullDescription"]["text"] == code.help
        assert (
            rule["defaultConfiguration"]["level"]
            == {"error": "error", "warning": "warning", "info": "note"}[code.severity]
        )
    results = {(r["ruleId"], r["properties"]["env"]): r for r in run["results"]}
    assert len(results) == len(FINDINGS)
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}
    located = results[("EM110", "staging")]["locations"][0]["physicalLocation"]
    assert located == {
        "artifactLocation": {"uri": "environments/staging.toml"},
        "region": {"startLine": 12, "startColumn": 3},
    }
    # No source: the environment's own file, without a region; none known: no location.
    assert results[("EM500", "staging")]["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": "environments/staging.toml"}}}
    ]
    assert "locations" not in results[("EM400", "production")]
    assert "locations" not in results[("EM204", "development")]
    assert results[("EM402", "production")]["suppressions"][0]["justification"].startswith(
        "accepted"
    )
    assert "suppressions" not in results[("EM110", "staging")]
    assert "staging: vars.LOG_LEVEL: " in results[("EM110", "staging")]["message"]["text"]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert all(r["ruleIndex"] == used.index(r["ruleId"]) for r in run["results"])


def test_sarif_fingerprints_are_stable_and_distinct() -> None:
    def prints(report: Report) -> list[str]:
        return [
            r["partialFingerprints"]["envmanFinding/v1"]
            for r in json.loads(render(report, "sarif", OPTIONS))["runs"][0]["results"]
        ]

    moved = Report(
        command="check",
        envs=REPORT.envs,
        findings=tuple(
            f.model_copy(update={"message": "reworded", "source": None}) for f in FINDINGS
        ),
    )
    assert prints(REPORT) == prints(moved)
    assert len(set(prints(REPORT))) == len(FINDINGS)


def test_sarif_env_files_option_and_uris() -> None:
    report = Report(
        command="drift",
        envs=("prod",),
        findings=(
            finding("EM400", E, "prod", "vars.A", "m"),
            finding(
                "EM400",
                E,
                "prod",
                "vars.B",
                "m",
                source=Source(file="C:\\w\\dir with space\\prod.toml", line=0),
            ),
        ),
    )
    results = json.loads(
        render(report, "sarif", RenderOptions(env_files={"prod": "config/prod.toml"}))
    )["runs"][0]["results"]
    assert results[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "config/prod.toml"}
    }
    assert results[1]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "C%3A/w/dir%20with%20space/prod.toml"}
    }


# --------------------------------------------------------------------------- junit


def test_junit_parses_with_counts() -> None:
    root = ET.fromstring(render(REPORT, "junit", OPTIONS))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert list(suites) == ["(project)", "development", "staging", "production"]
    areas = ["schema", "cross-environment", "wrangler", "drift"]
    assert [c.get("name") for c in suites["development"].iter("testcase")] == areas
    assert [c.get("name") for c in suites["staging"].iter("testcase")] == [*areas, "promotion"]
    dev = suites["development"]
    assert (dev.get("tests"), dev.get("failures"), dev.get("errors")) == ("4", "1", "0")
    (failure,) = dev.iter("failure")
    assert failure.get("type") == "EM204" and "r2_buckets.UPLOADS" in (failure.text or "")
    staging_failure = next(suites["staging"].iter("failure"))
    assert (
        staging_failure.get("type") == "EM110,EM113"
        and staging_failure.get("message") == "1 error, 1 warning"
    )
    prod = suites["production"]
    (error,) = prod.iter("error")
    assert "drift unknown" in (error.get("message") or "") and "EM401" in (error.text or "")
    assert (prod.get("errors"), prod.get("failures")) == ("1", "0")
    total = sum(int(s.get("tests") or 0) for s in suites.values())
    assert (
        root.get("tests") == str(total)
        and root.get("failures") == "3"
        and root.get("errors") == "1"
    )


def test_junit_valid_with_control_characters() -> None:
    report = Report(
        command="validate",
        envs=("a",),
        findings=(finding("EM100", E, "a", "k\x00", "bad \x01\x0b\x1b \ufffe text"),),
    )
    root = ET.fromstring(render(report, "junit", OPTIONS))
    assert "\\x01" in (next(root.iter("failure")).text or "")
    assert [c.get("name") for c in root.iter("testcase")] == [
        "schema",
        "cross-environment",
        "wrangler",
    ]


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


def test_importing_report_does_not_import_rich() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import envman.report.registry"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = [
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line
    ]
    assert "envman.report.registry" in imported
    assert not [name for name in imported if name.split(".")[0] == "rich"]


# --------------------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(
    message=st.text(),
    path=st.text(),
    reason=st.text(min_size=1),
    env=st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True),
)
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
