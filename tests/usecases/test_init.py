"""envman init: adopting a plain wrangler project, on the real corpus and on small cases.

On every corpus config: `init` succeeds and leaves the wrangler file as it was; every
stage's environment file resolves to what wrangler resolves (string routes stay strings);
and `validate` afterwards reports no problem zero-setup `validate` did not. A problem is
(code, environment, path); an environment that inherits the value from the top level
shares the top level's problem (wrangler's checks report an inherited value once), and
a shared resource or Worker name (EM201, EM202) is one problem whichever of the two
environments it is reported on (that follows the pipeline order).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from envman.cli import main
from envman.models import Finding
from envman.project import TOP_LEVEL
from envman.report import render_config
from envman.usecases import init, sync
from envman.usecases.promote import diff
from envman.usecases.validate import show, validate
from envman.workspace import NULL_TOKEN, declared, open_workspace
from envman.wrangler import resolve
from tests.usecases.adopted import CORPUS, folders, wrangler_copy

TODAY = date(2026, 11, 1)
corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not here ({CORPUS})")


def _problem(f: Finding, env: str | None) -> tuple[str, str | None, str]:
    return (f.code, None if f.code in ("EM201", "EM202") else env, f.path)


@cache
def _adopted(folder: Path, into: Path) -> tuple[Path, tuple[Finding, ...], init.Adoption]:
    """A corpus entry's zero-setup findings, then the entry adopted (once per test session)."""
    project = wrangler_copy(folder, into)
    before = validate(open_workspace(project), today=TODAY).active
    adoption = init.plan(project)
    init.write(adoption)
    return project, before, adoption


@pytest.fixture(scope="module")
def adoptions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus")


@corpus
@pytest.mark.parametrize("folder", folders(), ids=lambda p: p.name[:3])
def test_init_adopts_every_corpus_config(folder: Path, adoptions: Path) -> None:
    project, before, adoption = _adopted(folder, adoptions / folder.name)
    original = next(p for p in folder.iterdir() if p.name.startswith("wrangler."))
    assert (project / original.name).read_bytes() == original.read_bytes()
    ws = open_workspace(project)
    zero = open_workspace(wrangler_copy(folder, project.parent / f"{folder.name}-zero"))
    assert ws.envs == adoption.stages and ws.project.top_level == adoption.top_level

    # the round trip: each stage shows what wrangler resolves for it
    for stage in ws.envs:
        wrangler_env = TOP_LEVEL if stage == ws.project.top_level else stage
        wrangler = resolve(zero.wrangler, wrangler_env)  # type: ignore[arg-type]
        assert declared(ws, stage).config == wrangler.config()
        shown = show(ws, stage)
        assert shown == show(ws, stage, source="wrangler")
        assert render_config(shown, "toml", null=NULL_TOKEN)  # as `envman show` prints it
        _string_routes_stay_strings(wrangler.raw, shown)
    for source, target in itertools.pairwise(ws.envs):  # as promotion goes: never exit 4
        diff(ws, source, target)

    # validate-parity: nothing zero-setup validate did not report
    top = ws.project.top_level or TOP_LEVEL
    had = {_problem(f, top if f.env == TOP_LEVEL else f.env) for f in before}

    def inherited(f: Finding) -> bool:
        if f.env not in zero.wrangler.env_names:  # type: ignore[union-attr]
            return False
        origin = resolve(zero.wrangler, f.env).origin.get(f.path.split(".")[0])  # type: ignore[arg-type]
        return origin is not None and origin[0] != "env"

    after = validate(ws, today=TODAY).active
    new = [
        f
        for f in after
        if _problem(f, f.env) not in had and not (inherited(f) and _problem(f, top) in had)
    ]
    assert not new, [(f.code, f.env, f.path, f.message) for f in new]
    assert sync.sync(ws, check=True).report.findings == ()


def _string_routes_stay_strings(raw: dict[str, Any], shown: dict[str, Any]) -> None:
    written = [r for r in (raw.get("routes") or [raw.get("route")]) if isinstance(r, str) and r]
    for route in written:
        assert route in shown["routes"], (route, shown.get("routes"))


@corpus
def test_what_init_inferred_on_the_corpus(adoptions: Path) -> None:
    """The counts quoted in docs: stages, top levels, and the starter schemas."""
    results = [_adopted(f, adoptions / f.name)[2] for f in folders()]
    assert len(results) == 60 and sum(len(a.stages) for a in results) >= 117
    counts = Counter()
    for adoption in results:
        counts["top level is a stage"] += adoption.top_level is not None
        for var in adoption.vars:
            counts["vars"] += 1
            counts[f"type {var.type}"] += 1
            counts["scope environment"] += var.scope == "environment"
            counts["sensitive"] += var.sensitive
        counts["accepted"] += len(adoption.accepted)
    string_routes = sum(
        '"' in line and "{" not in line
        for f in folders()
        for text in [(adoptions / f.name / "environments").glob("*.toml")]
        for path in text
        for line in path.read_text().splitlines()
        if line.startswith("routes = [")
    )
    assert string_routes >= 9
    assert counts["top level is a stage"] >= 40
    print(json.dumps({**dict(sorted(counts.items())), "string routes": string_routes}))
    assert counts["scope environment"] >= 40 and counts["sensitive"] >= 4


# --------------------------------------------------------------------------- small cases

STAGED = """\
name = "app"
main = "src/index.ts"
compatibility_date = "2026-01-01"
route = "dev.example.com/*"

[vars]
ENVIRONMENT = "development"
OAUTH_ISSUER = "https://app.dev.example.com/auth"
LOG_LEVEL = "debug"
API_TOKEN_SECRET = "not-really"

[env.staging]
route = "staging.example.com/*"

[env.staging.vars]
ENVIRONMENT = "staging"
OAUTH_ISSUER = "https://staging.example.com/auth"
LOG_LEVEL = "info"
API_TOKEN_SECRET = "not-really"

[env.production]
routes = [{ pattern = "example.com/*", zone_name = "example.com" }]

[env.production.vars]
ENVIRONMENT = "production"
OAUTH_ISSUER = "https://example.com/auth"
LOG_LEVEL = "info"
API_TOKEN_SECRET = "not-really"
"""


def staged(tmp_path: Path, text: str = STAGED) -> Path:
    (tmp_path / "wrangler.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_top_level_that_is_development_becomes_the_first_stage(tmp_path: Path) -> None:
    project = staged(tmp_path)
    assert main(["-C", str(project), "init"]) == 0
    ws = open_workspace(project)
    assert ws.envs == ("development", "staging", "production")
    assert ws.project.top_level == "development" and ws.project.protected == ("production",)
    assert (project / "wrangler.toml").read_text(encoding="utf-8") == STAGED
    text = (project / "environments" / "development.toml").read_text(encoding="utf-8")
    assert 'routes = ["dev.example.com/*"]' in text  # a string route stays a string
    report = validate(ws, today=TODAY, files=False)
    assert [f.code for f in report.active] == [], report.active
    assert main(["-C", str(project), "sync", "--check"]) == 0


def test_the_schema_keeps_stage_identity_out_of_promotion(tmp_path: Path) -> None:
    project = staged(tmp_path)
    assert main(["--quiet", "-C", str(project), "init"]) == 0
    schema = (project / "schemas" / "vars.toml").read_text(encoding="utf-8")
    assert '[vars.ENVIRONMENT]\ntype = "string"\nscope = "environment"' in schema
    assert '[vars.OAUTH_ISSUER]\ntype = "url"\nscope = "environment"' in schema
    assert (
        '[vars.LOG_LEVEL]\ntype = "string"\n' in schema
        and 'LOG_LEVEL]\ntype = "string"\nscope' not in schema
    )
    assert '[vars.API_TOKEN_SECRET]\ntype = "string"\nsensitive = true' in schema
    ws = open_workspace(project)
    planned = {f.path: f.code for f in diff(ws, "staging", "production").findings}
    assert planned["vars.ENVIRONMENT"] == "EM501" and planned["vars.OAUTH_ISSUER"] == "EM501"


def test_options_name_the_stages_and_the_top_level(tmp_path: Path) -> None:
    project = staged(tmp_path)
    adoption = init.plan(project, stages=["dev", "staging", "production"])
    assert adoption.stages == ("dev", "staging", "production") and adoption.top_level == "dev"
    adoption = init.plan(project, top_level="local")
    assert adoption.stages[0] == "local"
    adoption = init.plan(project, stages=["staging", "production"], no_top_level=True)
    assert adoption.top_level is None and "top_level" not in adoption.files["envman.toml"]
    adoption = init.plan(project, stages=["production"], no_top_level=True)
    assert any("[env.staging] is not a stage" in note for note in adoption.notes)


@pytest.mark.parametrize(
    "args",
    [
        ["--top-level-as", "staging"],
        ["--stages", "development,qa,production"],
        ["--stages", "staging,staging"],
        ["--top-level-as", "x", "--no-top-level"],
        ["--top-level-as", "a b"],
    ],
)
def test_options_that_cannot_hold_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    project = staged(tmp_path)
    assert main(["-C", str(project), "init", *args]) == 2
    assert not (project / "envman.toml").exists()


def test_init_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = staged(tmp_path)
    (project / "schemas").mkdir()
    (project / "schemas" / "vars.toml").write_text("# mine\n")
    assert main(["-C", str(project), "init"]) == 2
    assert "schemas/vars.toml already exists" in capsys.readouterr().err
    assert not (project / "envman.toml").exists()  # nothing written, not even the rest
    assert (project / "schemas" / "vars.toml").read_text() == "# mine\n"
    assert main(["--quiet", "-C", str(project), "init", "--force"]) == 0
    assert (project / "schemas" / "vars.toml").read_text().startswith("# Typed vars")


def test_dry_run_prints_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = staged(tmp_path)
    assert main(["-C", str(project), "init", "--dry-run"]) == 0
    assert "# ---- environments/staging.toml" in capsys.readouterr().out
    assert sorted(p.name for p in project.iterdir()) == ["wrangler.toml"]


def test_init_prints_what_it_decided_and_the_next_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["-C", str(staged(tmp_path)), "init"]) == 0
    out = capsys.readouterr().out
    assert "adopted wrangler.toml: development -> staging -> production" in out
    assert "ENVIRONMENT (string, environment): names its stage" in out
    assert "envman sync" in out and "envman promote development staging" in out


def test_a_json_null_survives_the_round_trip(tmp_path: Path) -> None:
    (tmp_path / "wrangler.json").write_text(
        json.dumps(
            {
                "name": "app",
                "main": "index.js",
                "compatibility_date": "2026-01-01",
                "vars": {"CONFIG": {"base": None, "list": [1, None, {"x": None}]}},
            }
        )
    )
    assert main(["--quiet", "-C", str(tmp_path), "init"]) == 0
    assert '"@none"' in (tmp_path / "environments" / "production.toml").read_text()
    ws = open_workspace(tmp_path)
    assert declared(ws, "production").config.vars == {
        "CONFIG": {"base": None, "list": [1, None, {"x": None}]}
    }
    assert sync.sync(ws, check=True).report.findings == ()


def test_show_writes_a_json_null_as_the_environment_files_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`show` printed 'cannot write None as TOML' (exit 3) for any JSON null var."""
    data: dict[str, Any] = {"name": "app", "main": "index.js", "compatibility_date": "2026-01-01"}
    data["vars"] = {"CONFIG": {"base": None, "list": [1, None]}, "TOP": None}
    (tmp_path / "wrangler.json").write_text(json.dumps(data))
    assert main(["--quiet", "-C", str(tmp_path), "init"]) == 0
    for source in ("declared", "wrangler"):
        capsys.readouterr()
        assert main(["-C", str(tmp_path), "show", "production", "--source", source]) == 0
        out = capsys.readouterr().out
        assert 'CONFIG = {base = "@none", list = [1, "@none"]}\nTOP = "@none"\n' in out
        args = ["-C", str(tmp_path), "show", "production", "--source", source, "-f", "json"]
        assert main(args) == 0
        assert json.loads(capsys.readouterr().out)["vars"] == data["vars"]


@pytest.mark.parametrize(
    ("name", "text", "where", "path"),
    [
        ("wrangler.jsonc", '{"name": "app",\n "vars": {"OK": 1, "BIG": 1e999}}', ":2:20", "vars.BIG"),
        ("wrangler.toml", 'name = "app"\n[env.staging.vars]\nL = [1, nan]\n', ":3:9",
         "env.staging.vars.L[1]"),
    ],
)  # fmt: skip
def test_a_number_json_cannot_hold_is_refused_not_written_as_null(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, where: str, path: str
) -> None:
    """Adopting it would put null (pydantic's JSON for infinity) in the environment file:
    the value would be lost. init says where it is, and writes nothing."""
    (tmp_path / name).write_text(text)
    assert main(["-C", str(tmp_path), "init"]) == 3
    err = capsys.readouterr().err
    assert f"{name}{where}: {path} is the number" in err and "which JSON cannot hold" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_pipeline_findings_at_adoption_are_accepted_for_review(tmp_path: Path) -> None:
    text = STAGED + '\n[[env.production.kv_namespaces]]\nbinding = "CACHE"\nid = "abc123"\n'
    project = staged(tmp_path, text)
    adoption = init.plan(project)
    assert [(f.code, f.env, f.path) for f in adoption.accepted] == [
        ("EM204", "development", "kv_namespaces.CACHE"),
        ("EM204", "staging", "kv_namespaces.CACHE"),
    ]
    init.write(adoption)
    report = validate(open_workspace(project), today=TODAY, files=False)
    assert [f.code for f in report.active] == [] and report.summary()["suppressed"] == 2
    shown = validate(open_workspace(project), today=TODAY, files=False, ignores=False)
    assert [f.code for f in shown.active] == ["EM204", "EM204"]
    assert init.plan(project, baseline=False).accepted == ()


def test_no_wrangler_file_is_an_input_error(tmp_path: Path) -> None:
    assert main(["-C", str(tmp_path), "init"]) == 3
