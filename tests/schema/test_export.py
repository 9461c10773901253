"""The editor JSON Schemas committed in schemas/ are what `envman schema export` writes now."""

from __future__ import annotations

from pathlib import Path

from tests.inprocess import Envman
from tests.paths import REPO


def test_committed_json_schemas_are_up_to_date(envman: Envman) -> None:
    result = envman("schema", "export", "--check", cwd=REPO)
    assert result.code == 0, "run `envman schema export` and commit schemas/:\n" + result.out


def test_export_writes_and_check_notices_staleness(project: Path, envman: Envman) -> None:
    tmp_path = project
    stale = tmp_path / "schemas/environment.schema.json"
    stale.write_text("{}\n")
    assert envman("schema", "export", "--check", cwd=tmp_path).code == 1
    result = envman("schema", "export", cwd=tmp_path)
    assert result.code == 0 and "written  environment.schema.json" in result.out
    assert stale.read_text() == (REPO / "schemas/environment.schema.json").read_text()
