"""envman sync: the wrangler file written from the environment files, surgically."""

from __future__ import annotations

import difflib
import json
from datetime import date
from pathlib import Path

import pytest

from envman.cli import main
from envman.errors import InputError
from envman.usecases import sync
from envman.usecases.validate import validate
from envman.workspace import open_workspace
from envman.wrangler import read_wrangler, resolve
from tests.usecases.adopted import CORPUS, adopt, folders

TODAY = date(2026, 11, 1)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]


def consistency(project: Path) -> list[tuple[str | None, str, str]]:
    report = validate(open_workspace(project), today=TODAY, files=False)
    return [(f.env, f.code, f.path) for f in report.active if f.code.startswith("EM30")]


# --------------------------------------------------------------------------- the bundled project


def test_one_edit_of_an_environment_file_is_one_edit_of_the_wrangler_file(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        project / "environments" / "staging.toml",
        "RATE_LIMIT_PER_MINUTE = 600",
        "RATE_LIMIT_PER_MINUTE = 700",
    )
    found = validate(open_workspace(project), ["staging"], today=TODAY)
    (mismatch,) = [f for f in found.active if f.code == "EM300"]
    assert "`envman sync staging`" in (mismatch.hint or "")

    before = (project / "wrangler.toml").read_text()
    assert main(["-C", str(project), "sync", "--check"]) == 1
    out = capsys.readouterr()
    assert "vars.RATE_LIMIT_PER_MINUTE" in out.out and "run `envman sync`" in out.err
    assert (project / "wrangler.toml").read_text() == before  # --check writes nothing

    assert main(["-C", str(project), "sync"]) == 0
    assert "[env.staging]: vars.RATE_LIMIT_PER_MINUTE" in capsys.readouterr().out
    after = (project / "wrangler.toml").read_text()
    assert changed_lines(before, after) == [
        "-RATE_LIMIT_PER_MINUTE = 600",
        "+RATE_LIMIT_PER_MINUTE = 700",
    ]
    assert consistency(project) == []
    assert main(["-C", str(project), "sync", "--check"]) == 0
    assert main(["-C", str(project), "sync"]) == 0
    assert "in step with environments/" in capsys.readouterr().out


def test_bindings_vars_and_lists_are_added_changed_and_removed(project: Path) -> None:
    staging = project / "environments" / "staging.toml"
    edit(staging, "FEATURE_NEW_CHARTS = true\n", 'GREETING = "hi"\n')
    edit(staging, 'crons = ["0 3 * * *", "*/15 * * * *"]', 'crons = ["0 4 * * *"]')
    edit(
        staging,
        "[[r2_buckets]]",
        '[[kv_namespaces]]\nbinding = "SESSIONS"\nid = "5e1f"\n\n[[r2_buckets]]',
    )
    edit(staging, 'database_name = "dashboard-staging"', 'database_name = "dash-staging"')
    ws = open_workspace(project)
    result = sync.write(ws, sync.sync(ws))
    assert result.written
    assert result.edited["[env.staging]"] == [
        "d1_databases.DB",
        "kv_namespaces.SESSIONS",
        "triggers",
        "vars.FEATURE_NEW_CHARTS (removed)",
        "vars.GREETING",
    ]
    assert consistency(project) == []
    comments = [line for line in result.before.splitlines() if line.startswith("#")]
    assert [line for line in result.after.splitlines() if line.startswith("#")] == comments


def test_only_the_named_environments_are_synced(project: Path) -> None:
    for env in ("staging", "production"):
        edit(project / "environments" / f"{env}.toml", "[vars]\n", '[vars]\nNEW = "x"\n')
    assert main(["--quiet", "-C", str(project), "sync", "staging"]) == 0
    assert consistency(project) == [("production", "EM300", "vars.NEW")]


def test_an_environment_file_with_errors_is_not_synced(project: Path) -> None:
    edit(project / "environments" / "staging.toml", "workers_dev = false", 'workers_dev = "no"')
    with pytest.raises(InputError, match="errors envman cannot write from"):
        sync.sync(open_workspace(project))


def test_a_file_changed_meanwhile_is_not_overwritten(project: Path) -> None:
    edit(project / "environments" / "staging.toml", "[vars]\n", '[vars]\nNEW = "x"\n')
    ws = open_workspace(project)
    result = sync.sync(ws)
    (project / "wrangler.toml").write_text(result.before + "\n# someone else\n")
    with pytest.raises(InputError, match="changed while envman was syncing"):
        sync.write(ws, result)


def test_a_zero_setup_project_has_nothing_to_sync(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text('name = "a"\ncompatibility_date = "2026-01-01"\n')
    assert main(["-C", str(tmp_path), "sync"]) == 2


# --------------------------------------------------------------------------- adopted projects

TOP_IS_DEV = """\
# the top level is development
name = "app"
main = "src/index.ts"
compatibility_date = "2026-01-01"
route = "dev.example.com/*"

[vars]
LOG_LEVEL = "debug"

[env.staging]
route = "staging.example.com/*"
vars = { LOG_LEVEL = "info" }

[env.production]
compatibility_date = "2025-06-01"
routes = [{ pattern = "example.com/*", zone_name = "example.com" }]
vars = { LOG_LEVEL = "info" }
"""


def adopted(tmp_path: Path, name: str = "wrangler.toml", text: str = TOP_IS_DEV) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    assert main(["--quiet", "-C", str(tmp_path), "init"]) == 0
    return tmp_path


def test_editing_the_top_level_keeps_what_the_others_inherited(tmp_path: Path) -> None:
    project = adopted(tmp_path)
    edit(project / "environments" / "development.toml", '"2026-01-01"', '"2026-03-01"')
    before = read_wrangler(project / "wrangler.toml")
    assert main(["--quiet", "-C", str(project), "sync"]) == 0
    after = read_wrangler(project / "wrangler.toml")
    assert resolve(after, "top-level").raw["compatibility_date"] == "2026-03-01"
    assert resolve(after, "staging").config() == resolve(before, "staging").config()
    assert after.document.data["env"]["staging"]["compatibility_date"] == "2026-01-01"
    assert "compatibility_date" not in before.document.data["env"]["staging"]
    assert consistency(project) == []


def test_a_string_route_stays_a_route(tmp_path: Path) -> None:
    project = adopted(tmp_path)
    edit(
        project / "environments" / "staging.toml",
        '"staging.example.com/*"',
        '"stage.example.com/*"',
    )
    assert main(["--quiet", "-C", str(project), "sync"]) == 0
    text = (project / "wrangler.toml").read_text()
    assert (
        'route = "stage.example.com/*"' in text
        and "routes" not in text.split("[env.staging]")[1].split("[env.production]")[0]
    )
    assert consistency(project) == []


def test_a_missing_section_is_written(tmp_path: Path) -> None:
    project = adopted(tmp_path)
    edit(project / "envman.toml", '"staging", "production"]', '"staging", "qa", "production"]')
    (project / "environments" / "qa.toml").write_text(
        'name = "app-qa"\nmain = "src/index.ts"\ncompatibility_date = "2026-01-01"\n'
        '[vars]\nLOG_LEVEL = "info"\n'
    )
    assert ("qa", "EM301", "env.qa") in consistency(project)
    assert main(["--quiet", "-C", str(project), "sync", "qa"]) == 0
    assert consistency(project) == []


def test_a_jsonc_file_keeps_its_comments(tmp_path: Path) -> None:
    text = """{
  // the Worker
  "name": "app",
  "main": "src/index.ts",
  "compatibility_date": "2026-01-01",
  "vars": { "LOG_LEVEL": "debug" }, // development
  "env": {
    "production": {
      "vars": { "LOG_LEVEL": "info" }, /* quiet */
    },
  },
}
"""
    project = adopted(tmp_path, "wrangler.jsonc", text)
    edit(project / "environments" / "production.toml", 'LOG_LEVEL = "info"', 'LOG_LEVEL = "warn"')
    assert main(["--quiet", "-C", str(project), "sync"]) == 0
    after = (project / "wrangler.jsonc").read_text()
    assert after == text.replace('"LOG_LEVEL": "info"', '"LOG_LEVEL": "warn"')


def test_null_in_a_json_var_is_written_back(tmp_path: Path) -> None:
    data = {
        "name": "app",
        "main": "a.js",
        "compatibility_date": "2026-01-01",
        "vars": {"C": {"a": 1}},
    }
    project = adopted(tmp_path, "wrangler.json", json.dumps(data, indent=2) + "\n")
    edit(project / "environments" / "production.toml", "C = {a = 1}", 'C = {a = "@none"}')
    assert main(["--quiet", "-C", str(project), "sync"]) == 0
    assert json.loads((project / "wrangler.json").read_text())["vars"] == {"C": {"a": None}}


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not here ({CORPUS})")
@pytest.mark.parametrize("folder", folders(), ids=lambda p: p.name[:3])
def test_sync_after_editing_every_stage_of_a_corpus_project(folder: Path, tmp_path: Path) -> None:
    project = adopt(folder, tmp_path / folder.name)
    ws = open_workspace(project)
    for env in ws.envs:
        path = project / "environments" / f"{env}.toml"
        text = path.read_text(encoding="utf-8")
        text = text.replace('compatibility_date = "', 'compatibility_date = "2020-01-01" #', 1)
        path.write_text(text + f'\n[vars]\nSYNCED_BY_ENVMAN = "{env}"\n' if "[vars]" not in text
                        else text.replace("[vars]\n", f'[vars]\nSYNCED_BY_ENVMAN = "{env}"\n', 1))  # fmt: skip
    ws = open_workspace(project)
    wrangler = ws.wrangler.document.path  # type: ignore[union-attr]
    original = (project / wrangler).read_text(encoding="utf-8")
    result = sync.write(ws, sync.sync(ws))
    assert result.written
    assert sync.sync(open_workspace(project), check=True).report.findings == ()
    assert consistency(project) == []
    unchanged = [line for line in changed_lines(original, result.after) if line.startswith("-")]
    assert len(unchanged) <= 2 * len(ws.envs) + 2, unchanged  # a date, a vars line per stage
