"""The editor JSON Schemas committed in schemas/ are what `envman schema export` writes now."""

from __future__ import annotations

from pathlib import Path

from tests.acceptance.process import REPO, envman


def test_committed_json_schemas_are_up_to_date() -> None:
    result = envman("schema", "export", "--check", cwd=REPO)
    assert result.returncode == 0, (
        "run `envman schema export` and commit schemas/:\n" + result.stdout
    )


def test_export_writes_and_check_notices_staleness(project: Path) -> None:
    tmp_path = project
    stale = tmp_path / "schemas/environment.schema.json"
    stale.write_text("{}\n")
    assert envman("schema", "export", "--check", cwd=tmp_path).returncode == 1
    result = envman("schema", "export", cwd=tmp_path)
    assert result.returncode == 0 and "written  environment.schema.json" in result.stdout
    assert stale.read_text() == (REPO / "schemas/environment.schema.json").read_text()
