"""The CI reporters: SARIF 2.1.0 valid against its schema, stable fingerprints; JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from envman import HOMEPAGE
from envman.codes import CODES
from envman.models import Report, Source
from envman.report.registry import RenderOptions, render
from tests import paths
from tests.report.reports import FINDINGS, OPTIONS, REPORT, E, finding

SARIF_SCHEMA = paths.TESTS / "data" / "sarif" / "sarif-schema-2.1.0.json"

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
        "artifactLocation": {"uri": "environments/staging.toml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "startColumn": 3},
    }
    # No source: the environment's own file, line 1; none known and no project file given
    # (the CLI always gives one: envman.toml or the wrangler file): no location.
    assert results[("EM500", "staging")]["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "environments/staging.toml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 1},
            }
        }
    ]
    assert "locations" not in results[("EM400", "production")]
    assert "locations" not in results[("EM204", "development")]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["EM110"]["helpUri"].endswith("/docs/reference/finding-codes.md#em1xx")
    assert run["tool"]["driver"]["informationUri"] == HOMEPAGE
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
        "artifactLocation": {"uri": "config/prod.toml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1},
    }
    assert results[1]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {
            "uri": "C%3A/w/dir%20with%20space/prod.toml",
            "uriBaseId": "%SRCROOT%",
        },
        "region": {"startLine": 1},
    }


def test_every_sarif_result_is_located_relative_to_the_repository() -> None:
    options = RenderOptions(
        repository="/repo", base="infra/worker", project_file="envman.toml", root=None
    )
    run = json.loads(render(REPORT, "sarif", options))["runs"][0]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": "file:///repo/"}}
    for result in run["results"]:
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert artifact["uri"].startswith("infra/worker/"), artifact
        assert location["physicalLocation"]["region"]["startLine"] >= 1
    uris = {r["properties"]["env"]: r["locations"][0]["physicalLocation"] for r in run["results"]}
    assert uris["development"]["artifactLocation"]["uri"] == "infra/worker/envman.toml"


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
