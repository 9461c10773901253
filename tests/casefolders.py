"""Case folders of the command-level tests (tests/cases/{validate,drift,promote}/<case>/).

A case is a project and what a command must make of it; tests/cases/README.md says how to
add one. This module builds a case's project in a temporary folder and reduces the
command's JSON output to what the case states, so a case names only what matters.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bundled import copy_project
from tests.paths import CASES

NOT_PROJECT = {"expected.json", "after"}
"""What a case folder holds besides its project: the expectations and golden files."""
FINDING_KEYS = ("code", "env", "path", "severity")
"""What every expected finding states; a case may add any other key of the finding."""


@dataclass(frozen=True)
class Case:
    """One case folder: its command arguments, its project, and its expectations."""

    folder: Path
    area: str

    @property
    def inputs(self) -> dict[str, Any]:
        """`<area>.json`: `args` (after the command's name) and `project` ("bundled" to
        start from the bundled project and lay the case's files over it)."""
        path = self.folder / f"{self.area}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    @property
    def args(self) -> list[str]:
        return list(self.inputs.get("args", []))

    @property
    def expected(self) -> dict[str, Any]:
        return json.loads((self.folder / "expected.json").read_text(encoding="utf-8"))

    def build(self, destination: Path) -> Path:
        """The case's project in `destination`: its files, over the bundled project if asked."""
        if self.inputs.get("project") == "bundled":
            copy_project(destination)
        for path in sorted(self.folder.rglob("*")):
            relative = path.relative_to(self.folder)
            if relative.parts[0] in NOT_PROJECT | {f"{self.area}.json"} or path.is_dir():
                continue
            (destination / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination / relative)
        return destination

    def golden(self) -> dict[str, str]:
        """`after/`: the text each of these project files must have once the command ran."""
        after = self.folder / "after"
        return {
            str(path.relative_to(after)): path.read_text(encoding="utf-8")
            for path in sorted(after.rglob("*"))
            if path.is_file()
        }


def cases(area: str) -> list[Case]:
    folder = CASES / area
    return [Case(path, area) for path in sorted(folder.iterdir()) if path.is_dir()]


def ids(case: Case) -> str:
    return case.folder.name


def assert_findings(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """The same findings by code, env, path and severity; and each further key a case
    states (a hint, a source, expected and actual values) as stated."""
    assert sort([_key(f) for f in actual]) == sort([_key(f) for f in expected])
    for finding in expected:
        assert any(all(a.get(k) == v for k, v in finding.items()) for a in actual), (
            f"no finding is {finding}; found {actual}"
        )


def _key(finding: dict[str, Any]) -> dict[str, Any]:
    return {key: finding.get(key) for key in FINDING_KEYS}


def sort(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
