"""wrangler's config JSON Schema in envman: the committed copy, the problems it finds, the cost."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from envman.codes import CODES
from envman.wrangler import check, environment_keys, read_wrangler, top_level_keys
from tests import paths
from tests.inprocess import Envman
from tools.wrangler_schema import SOURCE, TARGET, render

TODAY = date(2026, 6, 1)
CASES = paths.CASES / "wrangler"
SHARED_SCHEMA = paths.SHARED / "wrangler" / "config-schema.json"


@pytest.mark.skipif(not SHARED_SCHEMA.is_file(), reason="../shared/wrangler is not here")
def test_committed_schema_is_made_from_wranglers() -> None:
    source = json.loads(SHARED_SCHEMA.read_text(encoding="utf-8"))
    assert TARGET.read_text(encoding="utf-8") == render(source), (
        "run `python -m tools.wrangler_schema` and commit envman/wrangler/config-schema.json"
    )
    assert SOURCE.name == SHARED_SCHEMA.name


def test_known_keys_come_from_the_schema() -> None:
    assert "kv_namespaces" in environment_keys()
    assert "keep_vars" in top_level_keys() and "keep_vars" not in environment_keys()


def _check(tmp_path: Path, text: str, name: str = "wrangler.toml") -> set[tuple[str, str, str]]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return {(f.env or "", f.path, f.code) for f in check(read_wrangler(path, name), today=TODAY)}


def findings(stdout: str) -> set[tuple[str, str, str]]:
    return {(f["code"], f["env"] or "", f["path"]) for f in json.loads(stdout)["findings"]}


BASE = 'name = "w"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[dev]\nport = "FOO"\n', ("top-level", "dev.port", "EM311")),
        ('[dev]\nlocal_protocol = "wss"\n', ("top-level", "dev.local_protocol", "EM341")),
        ("[cache]\ncross_version_cache = true\n", ("top-level", "cache", "EM342")),
        (
            '[[kv_namespaces]]\nbinding = "K"\npreview = "x"\n',
            ("top-level", "kv_namespaces.K.preview", "EM310"),
        ),
        (
            '[[migrations]]\ntag = "v1"\nrenamed_classes = ["A"]\n',
            ("top-level", "migrations[0].renamed_classes[0]", "EM326"),
        ),
        ('[placement]\nmode = "bogus"\n', ("top-level", "placement.mode", "EM321")),
        (
            '[env.s]\n[[env.s.services]]\nbinding = "S"\nservice = 1\n',
            ("s", "services.S.service", "EM319"),
        ),
        ("durable_objects = {}\n", ("top-level", "durable_objects", "EM343")),
    ],
)
def test_schema_problems_become_findings(
    tmp_path: Path, text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in _check(tmp_path, BASE + text)


def test_an_unknown_key_suggests_the_known_one(tmp_path: Path) -> None:
    path = tmp_path / "wrangler.toml"
    path.write_text(BASE + '[[kv_namespaces]]\nbinding = "K"\npreview = "x"\n', encoding="utf-8")
    (finding,) = [f for f in check(read_wrangler(path), today=TODAY) if f.code == "EM310"]
    assert finding.hint == "did you mean 'preview_id'?"
    assert finding.source is not None and finding.source.line == 6


def test_environment_file_binding_tables_get_the_same_checks(project: Path, envman: Envman) -> None:
    """A typo in a binding table of an environment file is flagged as in the wrangler file."""
    staging = project / "environments" / "staging.toml"
    staging.write_text(
        staging.read_text(encoding="utf-8")
        + '\n[[kv_namespaces]]\nbinding = "SESSIONS"\npreview = "abc"\n',
        encoding="utf-8",
    )
    result = envman("validate", "--format", "json", cwd=project)
    assert ("EM310", "staging", "kv_namespaces.SESSIONS.preview") in findings(result.out)
    report = json.loads(result.out)
    (typo,) = [f for f in report["findings"] if f["path"] == "kv_namespaces.SESSIONS.preview"]
    assert typo["hint"] == "did you mean 'preview_id'?"


def test_every_wrangler_rule_code_has_a_case_folder() -> None:
    """Each code of a ported wrangler rule (EM341-EM364) is shown by a case under tests/cases."""
    shown = set()
    for expected in CASES.glob("*/expected.json"):
        shown |= {e["code"] for e in json.loads(expected.read_text(encoding="utf-8"))}
    ported = {c for c in CODES if "EM341" <= c <= "EM364" and c not in ("EM359",)}
    assert ported - shown == set()


def test_every_wrangler_code_names_the_message_it_mirrors() -> None:
    for code in CODES.values():
        if "EM341" <= code.code <= "EM364":
            assert code.wrangler != "envman only", code.code


def test_a_missing_entry_point_and_unmanaged_keys(tmp_path: Path, envman: Envman) -> None:
    """validate looks the entry point up (EM359) and lists keys it does not manage (EM365)."""
    (tmp_path / "wrangler.toml").write_text(
        BASE + '[dev]\nport = 8787\n[[unsafe.bindings]]\nname = "X"\ntype = "custom"\n',
        encoding="utf-8",
    )
    result = envman("validate", "--format", "json", cwd=tmp_path)
    got = findings(result.out)
    assert ("EM359", "top-level", "main") in got
    (listed,) = [f for f in json.loads(result.out)["findings"] if f["code"] == "EM365"]
    assert listed["message"] == "not managed by envman: dev, unsafe"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ts").write_text("export default {}\n", encoding="utf-8")
    assert ("EM359", "top-level", "main") not in findings(
        envman("validate", "--format", "json", cwd=tmp_path).out
    )
