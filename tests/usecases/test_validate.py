"""`envman validate` on the case folders in tests/cases/validate/: findings and exit codes.

Each folder is a project (or the files that differ from the bundled one) and what
validating it gives; a regression is a new folder (tests/cases/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.casefolders import Case, assert_findings, cases, ids
from tests.inprocess import Envman

CASES = cases("validate")


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_case(case: Case, tmp_path: Path, envman: Envman) -> None:
    expected = case.expected
    result = envman("validate", "--format", "json", *case.args, cwd=case.build(tmp_path))
    assert result.code == expected["exit"], result.out + result.err
    for text in expected.get("stderr", []):
        assert text in result.err
    if "findings" in expected:
        report = json.loads(result.out)
        assert_findings(report["findings"], expected["findings"])
        assert report["environments"] == expected.get("environments", report["environments"])


def test_there_are_cases_of_findings_and_of_bad_input() -> None:
    assert len([c for c in CASES if "findings" in c.expected]) >= 5
    assert len([c for c in CASES if c.expected["exit"] == 3]) >= 5
