"""The promote and rollback use cases: the case folders in tests/cases/promote/ (plan,
refusals, resulting files); a stale plan or a failed audit write changes nothing;
properties on generated projects: promote-then-diff is clean, rollback restores bytes."""

from __future__ import annotations

import importlib
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envman import api
from envman.errors import AuditError, PromotionError
from tests.casefolders import Case, assert_findings, cases, ids
from tests.inprocess import Envman
from tests.properties import examples

FILES = ("environments/production.toml", "wrangler.toml")


def texts(project: Path) -> dict[str, str]:
    return {name: (project / name).read_text() for name in FILES}


CASES = cases("promote")


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_case(case: Case, tmp_path: Path, envman: Envman) -> None:
    """`promote ARGS --format json` (applied with --yes unless --dry-run): its exit code,
    plan steps and refusals; then each file in the case's after/ byte for byte, and a
    project that still validates."""
    expected = case.expected
    project = case.build(tmp_path)
    applied = [] if "--dry-run" in case.args else ["--yes", "--reason", "case"]
    result = envman("promote", *case.args, "--format", "json", *applied, cwd=project)
    assert result.code == expected["exit"], result.out + result.err
    for text in expected.get("stderr", []):
        assert text in result.err, result.err
    if result.code == 2:  # a usage error: no plan at all
        assert result.out == ""
        return
    plan = json.loads(result.out)
    assert [{k: s[k] for k in expected_keys(s, expected["steps"])} for s in plan["steps"]] == (
        expected["steps"]
    )
    assert_findings(plan["refusals"], expected["refusals"])
    for name, text in case.golden().items():
        assert (project / name).read_text(encoding="utf-8") == text, name
    if applied and result.code == 0:
        assert envman("validate", cwd=project).code == 0


def expected_keys(step: dict[str, Any], expected: list[dict[str, Any]]) -> list[str]:
    """The keys of a plan step a case states: path and action always, the rest if stated."""
    stated = {key for s in expected for key in s}
    return [key for key in step if key in {"path", "action"} | stated]


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 5
    assert any(case.golden() for case in CASES)


def test_stale_plan_is_refused(project: Path) -> None:
    ws = api.open_workspace(project)
    proposal = api.propose(ws, "staging", "production", offline=True)
    production = project / "environments/production.toml"
    production.write_text(production.read_text() + "# edited meanwhile\n")
    with pytest.raises(PromotionError, match="changed since the plan"):
        api.apply_promotion(ws, proposal, reason="r", confirmed=True)
    assert not (project / ".envman/audit.jsonl").exists()


def test_a_failed_audit_write_undoes_the_edits(project: Path) -> None:
    before = texts(project)
    ws = api.open_workspace(project)
    proposal = api.propose(ws, "staging", "production", offline=True)
    (project / ".envman").mkdir()
    (project / ".envman/audit.jsonl").mkdir()  # a directory: appending fails
    with pytest.raises(AuditError):
        api.apply_promotion(ws, proposal, reason="r", confirmed=True)
    assert texts(project) == before


# --------------------------------------------------------------------------- properties


names = st.sampled_from(
    ["LOG_LEVEL", "RATE", "FEATURE_A", "FEATURE_B", "API_URL", "RETRIES", "MODE"]
)
values = st.one_of(
    st.integers(min_value=-1000, max_value=1000),
    st.booleans(),
    st.text(alphabet="abcXYZ019 -_./:", max_size=12),
)
var_sets = st.dictionaries(names, values, max_size=6)
flags = st.lists(
    st.sampled_from(["nodejs_compat", "streams_enable_constructors", "url_standard"]),
    unique=True,
    max_size=2,
)


def toml_value(value: Any) -> str:
    return json.dumps(value)  # JSON scalars are valid TOML for ints, bools and these strings


def env_file(name: str, vars_: dict[str, Any], flags_: list[str], comment: str) -> str:
    lines = [
        f"# {comment}",
        f'name = "w-{name}"',
        f"compatibility_flags = {json.dumps(flags_)}",
        "",
        "[vars]  # the vars",
    ]
    lines += [f"{key} = {toml_value(value)}" for key, value in vars_.items()]
    lines += ["", "[[kv_namespaces]]", 'binding = "CACHE"', f'id = "{name}-cache-id"', ""]
    return "\n".join(lines)


def wrangler_file(envs: dict[str, tuple[dict[str, Any], list[str]]]) -> str:
    lines = ['name = "w"', 'main = "src/index.ts"', 'compatibility_date = "2025-01-01"', ""]
    for name, (vars_, flags_) in envs.items():
        lines += [
            f"[env.{name}]",
            f'name = "w-{name}"',
            f"compatibility_flags = {json.dumps(flags_)}",
            "",
            f"[env.{name}.vars]",
        ]
        lines += [f"{key} = {toml_value(value)}" for key, value in vars_.items()]
        lines += [
            "",
            f"[[env.{name}.kv_namespaces]]",
            'binding = "CACHE"',
            f'id = "{name}-cache-id"',
            "",
        ]
    return "\n".join(lines)


def make_project(
    root: Path,
    staging: tuple[dict[str, Any], list[str]],
    production: tuple[dict[str, Any], list[str]],
) -> None:
    (root / "environments").mkdir()
    (root / "src").mkdir()
    (root / "src/index.ts").write_text("export default {}\n")
    (root / "envman.toml").write_text('worker = "w"\nenvironments = ["staging", "production"]\n')
    (root / "environments/staging.toml").write_text(env_file("staging", *staging, "staging"))
    (root / "environments/production.toml").write_text(
        env_file("production", *production, "production: hand-written")
    )
    (root / "wrangler.toml").write_text(
        wrangler_file({"staging": staging, "production": production})
    )


@settings(max_examples=examples(0.4))  # a project on disk, promoted and rolled back, per example
@given(var_sets, flags, var_sets, flags)
def test_promote_then_diff_is_clean_and_rollback_restores_bytes(
    staging_vars: dict[str, Any],
    staging_flags: list[str],
    production_vars: dict[str, Any],
    production_flags: list[str],
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        make_project(root, (staging_vars, staging_flags), (production_vars, production_flags))
        files = [root / "environments/production.toml", root / "wrangler.toml"]
        original = [f.read_bytes() for f in files]
        ws = api.open_workspace(root)
        proposal = api.propose(
            ws, "staging", "production", offline=True, live=api.LiveOptions(environ={})
        )
        if not proposal.plan.steps:
            assert staging_vars == production_vars
            return
        assert proposal.refusals == (), proposal.refusals
        api.apply_promotion(ws, proposal, reason="property", confirmed=True, environ={})
        after = api.open_workspace(root)
        assert [
            f for f in api.diff(after, "staging", "production").findings if f.code == "EM500"
        ] == []
        assert all(f.severity.value != "error" for f in api.validate(after).findings)
        proposal_back, entry = api.propose_rollback(after, "production")
        api.apply_rollback(after, proposal_back, entry, reason="undo", confirmed=True, environ={})
        assert [f.read_bytes() for f in files] == original
        assert api.audit_verify(api.open_workspace(root), environ={}).ok


@settings(max_examples=examples(0.4))  # a project on disk, promoted and rolled back, per example
@given(var_sets, flags, var_sets, flags)
def test_rollback_without_the_backup_restores_by_values(
    staging_vars: dict[str, Any],
    staging_flags: list[str],
    production_vars: dict[str, Any],
    production_flags: list[str],
) -> None:
    """With the transaction backup gone (a fresh clone), rollback edits the values back.

    The data comes back exactly; the bytes only where order survives (a removed key is
    re-added at the end of its table), which is why promotions keep a backup.
    """
    import shutil
    import tomllib

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        make_project(root, (staging_vars, staging_flags), (production_vars, production_flags))
        files = [root / "environments/production.toml", root / "wrangler.toml"]
        original = [tomllib.loads(f.read_text()) for f in files]
        ws = api.open_workspace(root)
        proposal = api.propose(
            ws, "staging", "production", offline=True, live=api.LiveOptions(environ={})
        )
        if not proposal.plan.steps:
            return
        api.apply_promotion(ws, proposal, reason="property", confirmed=True, environ={})
        shutil.rmtree(root / ".envman/transactions")
        after = api.open_workspace(root)
        proposal_back, entry = api.propose_rollback(after, "production")
        api.apply_rollback(after, proposal_back, entry, reason="undo", confirmed=True, environ={})
        assert [tomllib.loads(f.read_text()) for f in files] == original
        assert api.audit_verify(api.open_workspace(root), environ={}).ok


def test_many_changes_cost_one_parse_one_scan_and_one_write_per_file(
    project: Path, envman: Envman, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 promoted vars: each text is parsed once (the scratch copy that validates the
    result reuses what is unchanged), each edited file scanned by the editor once and its
    result once, and written once."""
    staging = project / "environments" / "staging.toml"
    extra = "".join(f"EXTRA_{i:02d} = {i}\n" for i in range(40))
    staging.write_text(staging.read_text().replace("[vars]\n", "[vars]\n" + extra, 1))
    schema = project / "schemas" / "vars.toml"
    declared = "".join(
        f"\n[vars.EXTRA_{i:02d}]\ntype = 'integer'\nrequired = false\n" for i in range(40)
    )
    schema.write_text(schema.read_text() + declared)
    assert envman("sync", "staging", cwd=project).code == 0  # [env.staging] of wrangler.toml
    parsed: list[tuple[str, str]] = []
    scanned: list[str] = []
    written: list[str] = []
    document = importlib.import_module("envman.parse.document")
    driver = importlib.import_module("envman.edit.driver")
    transaction = importlib.import_module("envman.release.transaction")
    parse_toml, scan, atomic_write = document.parse_toml, driver._TomlDoc, transaction.atomic_write

    def counted_parse(text: str, shown: str) -> Any:
        parsed.append((shown, text))
        return parse_toml(text, shown)

    def counted_scan(text: str, filename: str) -> Any:
        scanned.append(filename)
        return scan(text, filename)

    def counted_write(path: Path, text: str) -> None:
        written.append(path.relative_to(project).as_posix())
        atomic_write(path, text)

    document._parsed.cache_clear()
    monkeypatch.setattr(document, "parse_toml", counted_parse)
    monkeypatch.setattr(driver, "_TomlDoc", counted_scan)
    monkeypatch.setattr(transaction, "atomic_write", counted_write)
    result = envman(
        "promote", "staging", "production", "--yes", "--reason", "r", "--offline", cwd=project
    )
    assert result.code == 0, result.out + result.err
    assert "EXTRA_39" in (project / "environments" / "production.toml").read_text()
    assert len(parsed) == len(set(parsed)), sorted(s for s, _ in parsed)
    assert sorted(scanned) == sorted(2 * ["environments/production.toml", "wrangler.toml"])
    edited = [name for name in written if not name.startswith(".envman/")]
    assert sorted(edited) == ["environments/production.toml", "wrangler.toml"]


def test_a_null_inside_a_json_var_is_promoted_and_rolled_back(
    tmp_path: Path, envman: Envman
) -> None:
    """A JSON var holding a null was refused ('cannot write None at `vars.CONFIG`', exit 3):
    the environment file now gets the null as the environment files write it, "@none"."""
    config = {"name": "app", "main": "a.js", "compatibility_date": "2026-01-01"}
    config["env"] = {
        "staging": {"vars": {"CONFIG": {"base": None, "n": 1}}},
        "production": {"vars": {"CONFIG": {"base": 1, "n": 1}}},
    }
    (tmp_path / "wrangler.json").write_text(json.dumps(config))
    (tmp_path / "a.js").write_text("")
    assert envman("--quiet", "init", cwd=tmp_path).code == 0
    production = tmp_path / "environments" / "production.toml"
    before = production.read_text()
    result = envman("promote", "staging", "production", "--offline", "--yes", "--reason", "r",
                    cwd=tmp_path)  # fmt: skip
    assert result.code == 0, result.err
    assert 'CONFIG = {base = "@none", n = 1}' in production.read_text()
    assert json.loads((tmp_path / "wrangler.json").read_text())["env"]["production"] == {
        "vars": {"CONFIG": {"base": None, "n": 1}}
    }
    assert envman("validate", cwd=tmp_path).code == 0
    assert "0 promotable differences" in envman("diff", "staging", "production", cwd=tmp_path).out
    assert envman("rollback", "production", "--yes", "--reason", "r", cwd=tmp_path).code == 0
    assert production.read_text() == before
