"""`envman drift` on the case folders in tests/cases/drift/: a project, a live snapshot, and
the findings and exit code comparing them gives.

Each folder holds `live.json` as `envman snapshot` writes it (read with --live-from), so a
case shows the comparison without a Cloudflare API; tests/cli/test_live.py reads the live
state through the SDK from the fake one. A regression is a new folder (tests/cases/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.casefolders import Case, assert_findings, cases, ids
from tests.inprocess import Envman

CASES = cases("drift")


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_case(case: Case, tmp_path: Path, envman: Envman) -> None:
    expected = case.expected
    snapshot = [] if "--live-from" in case.args else ["--live-from", "live.json"]
    result = envman("drift", "--format", "json", *snapshot, *case.args, cwd=case.build(tmp_path))
    assert result.code == expected["exit"], result.out + result.err
    assert_findings(json.loads(result.out)["findings"], expected["findings"])


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 5
