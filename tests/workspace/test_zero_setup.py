"""A plain wrangler project (no envman.toml) is a Project too: no command is a bug there."""

from __future__ import annotations

from pathlib import Path

import pytest

from envman.cli import main
from envman.workspace import open_workspace

WRANGLER = """\
name = "shop"
main = "src/index.ts"
compatibility_date = "2025-01-01"
account_id = "acc123"

[vars]
MODE = "dev"

[[kv_namespaces]]
binding = "CACHE"
id = "0f2ac74b498b48028cb68387c421e279"

[env.staging]
vars = { MODE = "staging" }
kv_namespaces = [{ binding = "CACHE", id = "1f2ac74b498b48028cb68387c421e279" }]

[env.production]
vars = { MODE = "production" }
kv_namespaces = [{ binding = "CACHE", id = "2f2ac74b498b48028cb68387c421e279" }]
"""

COMMANDS = [
    ["validate"],
    ["validate", "staging"],
    ["show", "top-level"],
    ["show", "production", "--source", "wrangler", "--format", "json"],
    ["drift", "--all"],
    ["drift", "staging", "--live-from", "missing.json"],
    ["snapshot", "staging", "-o", "live.json"],
    ["check", "production"],
    ["diff", "staging", "production"],
    ["promote", "staging", "production", "--dry-run"],
    ["promote", "staging", "production", "--yes"],
    ["rollback", "production", "--yes"],
    ["audit", "log"],
    ["audit", "show", "20250101T000000Z-abc"],
    ["audit", "verify"],
    ["schema", "export", "--check"],
    ["report", "--html", "envs.html"],
    ["report", "merge", "missing.json"],
    ["sync", "--check"],
    ["init"],
    ["reconcile", "production", "--push", "--dry-run"],
    ["drift", "staging", "--adopt", "--dry-run"],
    ["promote", "staging", "production", "--plan-out", "plan.json"],
    ["rollback", "production", "--dry-run"],
]


@pytest.fixture
def plain_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "wrangler.toml").write_text(WRANGLER, encoding="utf-8")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ts").write_text("export default {}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_project_is_derived_from_the_wrangler_file(plain_project: Path) -> None:
    ws = open_workspace()
    assert ws.zero_setup
    assert ws.project.worker == "shop" and ws.project.account_id == "acc123"
    assert ws.envs == ("top-level", "staging", "production")
    assert ws.project.protected == () and ws.project.audit_log == ".envman/audit.jsonl"


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a))
def test_no_command_is_an_internal_error(
    plain_project: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(argv)
    err = capsys.readouterr().err
    assert code in (0, 1, 2, 3), err
    assert "internal error" not in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["promote", "staging", "production"], ["rollback", "staging"]])
def test_commands_that_need_envman_toml_say_how_to_adopt(
    plain_project: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "plain wrangler project" in err and "envman init" in err
