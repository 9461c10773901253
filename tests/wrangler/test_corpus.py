"""envman.wrangler on 60 real wrangler files from public repositories (../shared/corpus).

Each file is read, every environment resolved, and check() must return located findings
without raising; the subtle mistakes the corpus README lists must be among them.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from envman.models import Finding
from envman.project import TOP_LEVEL
from envman.wrangler import WranglerFile, check, find_wrangler_file, read_wrangler, resolve_all
from tests import paths

CORPUS = paths.CORPUS
TODAY = date(2026, 11, 1)
"""Fixed, so that "in the future" does not change with the clock."""

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not here ({CORPUS})")


def _folders() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


@cache
def _read(folder: Path) -> tuple[WranglerFile, tuple[Finding, ...]]:
    path = find_wrangler_file(folder)
    assert path is not None, f"no wrangler file in {folder.name}"
    wf = read_wrangler(path, f"{folder.name}/{path.name}")
    return wf, tuple(check(wf, today=TODAY))


def found(folder: str) -> set[tuple[str | None, str, str]]:
    return {(f.env, f.path, f.code) for f in _read(CORPUS / folder)[1]}


@pytest.mark.parametrize("folder", _folders(), ids=lambda p: p.name[:3])
def test_every_file_reads_resolves_and_checks(folder: Path) -> None:
    wf, findings = _read(folder)
    resolved = resolve_all(wf)
    assert [r.env for r in resolved] == [TOP_LEVEL, *wf.env_names]
    for r in resolved:
        r.config()  # never raises for what wrangler reads
        assert r.worker_name is None or isinstance(r.worker_name, str)
    for finding in findings:
        assert finding.source is not None and finding.source.file == wf.document.path
        assert finding.env in (TOP_LEVEL, *wf.env_names)
    keys = [(f.env or "", f.path) for f in findings]
    assert keys == sorted(keys)


def test_the_corpus_has_60_files_and_117_environments() -> None:
    folders = _folders()
    assert len(folders) == 60
    formats = Counter(find_wrangler_file(f).name for f in folders)  # type: ignore[union-attr]
    assert formats == {"wrangler.toml": 35, "wrangler.jsonc": 17, "wrangler.json": 8}
    environments = sum(len(resolve_all(_read(f)[0])) - 1 for f in folders)
    assert environments == 117
    index = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))["entries"]
    for entry in index:
        assert _read(CORPUS / entry["folder"])[0].env_names == tuple(entry["env_names"])


def test_route_and_routes_in_one_environment() -> None:
    assert ("production", "route", "EM316") in found("022-nftstorage-nftstorage.link")


def test_vars_after_dev_header_and_a_key_inside_an_r2_entry() -> None:
    findings = {f.path: f for f in _read(CORPUS / "049-yurufuwayuya-visual-prompt-builder")[1]}
    assert findings["dev.vars"].code == "EM310" and "[dev]" in (findings["dev.vars"].hint or "")
    slip = findings["r2_buckets.IMAGE_BUCKET.pages_build_output_dir"]
    assert (slip.code, slip.env) == ("EM310", "production")
    assert "[env.production.r2_buckets]" in (slip.hint or "")


def test_services_after_build_header() -> None:
    assert (TOP_LEVEL, "build.services", "EM310") in found("046-web3-storage-gendex-consumer")


def test_workers_dev_inside_vars() -> None:
    assert {(e, "vars.workers_dev", "EM338") for e in (TOP_LEVEL, "staging", "prod")} <= found(
        "023-nodejs-release-cloudflare-worker"
    )


def test_empty_database_id_and_bucket_name() -> None:
    assert ("staging", "d1_databases.DB.database_id", "EM319") in found("017-midday-ai-languine")
    assert ("production", "r2_buckets.REGISTRY.bucket_name", "EM320") in found(
        "004-cloudflare-serverless-registry"
    )


def test_node_compat_is_an_error_even_with_nodejs_compat() -> None:
    for folder in ("027-RideTracker-RideTrackerService", "028-RideTracker-RouteService"):
        assert (TOP_LEVEL, "node_compat", "EM323") in found(folder)
    (finding,) = [
        f for f in _read(CORPUS / "032-SoZaynDigitaL-sozayn.github.io")[1] if f.code == "EM323"
    ]
    assert "already" in (finding.hint or "")


def test_inherited_routes_shadow_a_route_and_carry_a_custom_domain() -> None:
    findings = found("032-SoZaynDigitaL-sozayn.github.io")
    assert ("production", "route", "EM339") in findings
    assert {("production", "routes", "EM324"), ("staging", "routes", "EM324")} <= findings


def test_non_inheritable_bindings_missing_from_environments() -> None:
    assert {
        ("staging", k, "EM314") for k in ("kv_namespaces", "r2_buckets", "vectorize", "vars")
    } <= found("012-irfndi-prism-liquidity-agent")
    assert {(e, "d1_databases", "EM314") for e in ("production", "dev")} <= found(
        "005-doichev-kostia-doichev-kostia"
    )
    assert ("staging", "vars.CONTENT_CLAIMS", "EM314") in found("034-storacha-hoverboard")


def test_wrangler_v1_keys() -> None:
    v1 = found("048-web3-storage-web3.storage")
    assert {(TOP_LEVEL, "type", "EM310"), (TOP_LEVEL, "build.upload", "EM310")} <= v1
    assert (TOP_LEVEL, "compatibility_date", "EM312") in v1
    assert ("production", "zone_id", "EM310") in v1
    assert (TOP_LEVEL, "miniflare", "EM310") in found("041-utily-cloudly-analytics")


def test_findings_by_code() -> None:
    """The whole corpus, summarised: a change here is a change of behaviour to review."""
    codes = Counter(f.code for folder in _folders() for f in _read(folder)[1])
    assert codes == {
        "EM310": 23,  # unknown keys: v1 leftovers, table-scoping slips, typos
        "EM312": 10,  # v1 files without compatibility_date or main; nameless top levels
        "EM314": 19,
        "EM316": 1,
        "EM319": 2,
        "EM320": 2,
        "EM323": 3,
        "EM324": 2,
        "EM325": 1,
        "EM338": 3,
        "EM339": 1,
        "EM340": 1,
        "EM348": 1,  # a container's instance_type "standard", renamed by wrangler
        "EM353": 4,  # `unsafe` is experimental (wrangler warns too)
        "EM354": 8,  # unsafe bindings of types wrangler now supports directly (ratelimit)
    }
