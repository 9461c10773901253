"""Reporters for CI systems: SARIF 2.1.0 for code scanning and JUnit XML."""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from envman import HOMEPAGE, finding_help_url
from envman.codes import CODES
from envman.models import Finding, Report
from envman.report.parts import (
    RenderOptions,
    attribution_line,
    by_env,
    count_phrase,
    env_label,
    env_order,
    finding_details,
    plain,
    relative,
    visible,
)
from envman.terms import Severity

SRCROOT = "%SRCROOT%"
"""The base every SARIF artifact URI is relative to: the repository's root."""

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
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _area(code: str) -> str:
    """The check area of a code, from its hundreds digit: EM1xx is "schema"."""
    return _AREA_OF_DIGIT.get(code[2:3], "other")


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
        "helpUri": finding_help_url(code),
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["envman", _area(code)]},
    }


def _sarif_uri(file: str, options: RenderOptions) -> str:
    """`file` (relative to the project, or absolute) relative to the repository's root."""
    path = relative(file, options.root)
    if path.startswith("/") and options.repository:
        path = relative(path, options.repository)
    if path.startswith("/"):
        return "file://" + quote(path)
    return quote(posixpath.normpath(posixpath.join(options.base, path)), safe="/")


def _env_files(report: Report, options: RenderOptions) -> dict[str, str]:
    """An environment's own file: given in options, else a source file named after it."""
    files: dict[str, str] = {}
    for finding in sorted(report.findings, key=Finding.sort_key):
        if finding.source:
            stem = posixpath.splitext(posixpath.basename(relative(finding.source.file, None)))[0]
            files.setdefault(stem, finding.source.file)
    return {env: files[env] for env in report.envs if env in files} | dict(options.env_files)


def _sarif_result(
    finding: Finding, index: int, env_files: Mapping[str, str], options: RenderOptions
) -> dict[str, Any]:
    where = ": ".join(x for x in (finding.env, finding.path) if x)
    text = f"{where}: {finding.message}" if where else finding.message
    who = attribution_line(finding)
    text += f"\n{who}" if who else ""
    text += f"\nhint: {finding.hint}" if finding.hint else ""
    identity = "\0".join([finding.code, finding.env or "", finding.path])
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": text},
    }
    file = finding.source.file if finding.source else env_files.get(finding.env or "")
    file = file or options.project_file  # code scanning drops a result without a location
    if file:
        uri = _sarif_uri(file, options)
        artifact = {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": SRCROOT}
        line = finding.source.line if finding.source else None
        column = finding.source.column if finding.source else None
        located = line is not None and line >= 1
        region = {"startLine": line if located and line else 1}  # a file-wide finding: line 1
        if located and column is not None and column >= 1:
            region["startColumn"] = column
        physical = {"artifactLocation": artifact, "region": region}
        result["locations"] = [{"physicalLocation": physical}]
    result["partialFingerprints"] = {
        "envmanFinding/v1": hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()
    }
    result["properties"] = {
        "env": finding.env,
        "path": finding.path,
        "kind": finding.kind.value if finding.kind else None,
        "expected": plain(finding.expected),
        "actual": plain(finding.actual),
    }
    if finding.suppressed is not None:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.suppressed}
        ]
    return result


def sarif(report: Report, options: RenderOptions) -> str:
    """A SARIF 2.1.0 log: one run, a rule per code used, a result per finding."""
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
                "informationUri": HOMEPAGE,
                "rules": [_sarif_rule(code) for code in codes],
            }
        },
        "invocations": [
            {"executionSuccessful": not report.unknown, "toolExecutionNotifications": notifications}
        ],
        "results": [_sarif_result(f, index[f.code], env_files, options) for f in findings],
        "columnKind": "unicodeCodePoints",
        **(
            {"originalUriBaseIds": {SRCROOT: {"uri": Path(options.repository).as_uri() + "/"}}}
            if options.repository
            else {}
        ),
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
    return visible(text, _XML_INVALID)


def _finding_text(finding: Finding, root: str | None) -> str:
    where = f"{finding.path}: " if finding.path else ""
    head = f"{finding.severity.value} {finding.code} {where}{finding.message}"
    return "\n".join([head, *(f"  {line}" for line in finding_details(finding, root))])


def junit(report: Report, options: RenderOptions) -> str:
    """JUnit XML: a test suite per environment, a test case per check area."""
    root = ET.Element("testsuites", name=_xml(f"envman {report.command}"))
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for env in env_order(report):
        findings = by_env(report, env)
        ran = _AREAS_RUN.get(report.command, ()) if env is not None else ()
        used = {_area(f.code) for f in findings} | ({"drift"} if env in report.unknown else set())
        areas = [*ran, *(a for a in (*_AREAS, "other") if a in used and a not in ran)]
        suite = ET.SubElement(root, "testsuite", name=_xml(env_label(env)))
        classname = _xml(f"envman.{env_label(env)}")
        counts = {"tests": len(areas), "failures": 0, "errors": 0}
        for area in areas:
            case = ET.SubElement(suite, "testcase", name=area, classname=classname)
            mine = [f for f in findings if _area(f.code) == area]
            text = _xml("\n\n".join(_finding_text(f, options.root) for f in mine))
            bad = [f for f in mine if f.severity.rank >= options.fail_on.rank]
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
