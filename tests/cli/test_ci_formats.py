"""CI formats from the command line: JUnit follows --fail-on, SARIF paths from the repository root."""

from __future__ import annotations

import json
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import envman
from tests.bundled import copy_project
from tests.inprocess import Envman
from tests.paths import REPO


def _warn_only(project: Path) -> None:
    """A project whose only finding is an info: an unused [[ignore]] rule (EM008)."""
    with (project / "envman.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[ignore]]\ncode = "EM110"\nenv = "staging"\nreason = "nothing matches"\n')


def test_junit_failures_follow_fail_on(project: Path, envman: Envman) -> None:
    _warn_only(project)
    lenient = envman("validate", "-f", "junit", "--fail-on", "warning", cwd=project)
    strict = envman("validate", "-f", "junit", "--fail-on", "info", cwd=project)
    assert (lenient.code, strict.code) == (0, 1)
    relaxed, failing = ET.fromstring(lenient.out), ET.fromstring(strict.out)
    assert relaxed.get("failures") == "0" and "EM008" in lenient.out  # reported, not failed
    assert failing.get("failures") == "1"
    assert next(failing.iter("failure")).get("type") == "EM008"


def test_sarif_paths_are_relative_to_the_repository_root(tmp_path: Path, envman: Envman) -> None:
    (tmp_path / ".git").mkdir()  # the repository; the project lives in a folder of it
    (tmp_path / "infra" / "worker").mkdir(parents=True)
    project = copy_project(tmp_path / "infra" / "worker")
    _warn_only(project)
    staging = project / "environments" / "staging.toml"
    text = staging.read_text(encoding="utf-8")
    staging.write_text(text.replace("[vars]\n", '[vars]\nLOG_LEVEL = "loud"\n', 1))
    result = envman("validate", "-f", "sarif", cwd=project, env={"GITHUB_WORKSPACE": ""})
    run = json.loads(result.out)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    uris = set()
    for item in run["results"]:
        (location,) = item["locations"]  # every result located, a file-less one included
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert location["physicalLocation"]["region"]["startLine"] >= 1
        uris.add(artifact["uri"])
    assert "infra/worker/envman.toml" in uris  # EM008 is about the project file
    assert "infra/worker/environments/staging.toml" in uris


def test_github_workspace_is_the_root_when_it_holds_the_project(
    tmp_path: Path, envman: Envman
) -> None:
    (tmp_path / "checkout" / "svc").mkdir(parents=True)
    project = copy_project(tmp_path / "checkout" / "svc")
    _warn_only(project)
    workspace = tmp_path / "checkout"
    result = envman(
        "validate", "-f", "sarif", cwd=project, env={"GITHUB_WORKSPACE": str(workspace)}
    )
    run = json.loads(result.out)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == workspace.resolve().as_uri() + "/"
    assert {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    } == {"svc/envman.toml"}


def test_the_project_urls_are_one_set() -> None:
    urls = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Homepage"] == urls["Repository"] == envman.HOMEPAGE
    assert urls["Issues"] == envman.ISSUES_URL and urls["Documentation"] == envman.DOCS_URL
    assert envman.finding_help_url("EM402") == f"{envman.DOCS_URL}/reference/finding-codes.md#em4xx"
    headings = (REPO / "docs" / "reference" / "finding-codes.md").read_text(encoding="utf-8")
    assert "\n## EM4xx" in headings  # the anchor the URL points at
