"""The last wrangler rules ported: each reported where wrangler reports it, and only there."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from envman.models import Finding
from envman.terms import Severity
from envman.wrangler import check, read_wrangler

TODAY = date(2026, 6, 1)
BASE = 'name = "app"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'


def _check(tmp_path: Path, text: str, name: str = "wrangler.toml") -> list[Finding]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return check(read_wrangler(tmp_path / name, name), today=TODAY)


def _found(findings: list[Finding]) -> set[tuple[str | None, str, str]]:
    return {(f.env, f.path, f.code) for f in findings}


def test_a_define_key_only_an_environment_has_warns(tmp_path: Path) -> None:
    findings = _check(
        tmp_path,
        BASE + '[define]\nDEBUG = "false"\n[env.staging.define]\nDEBUG = "true"\nTRACE = "1"\n'
        '[env.bare.define]\nONLY = "1"\n',
    )
    (extra,) = [f for f in findings if f.code == "EM366" and f.env == "staging"]
    assert (extra.path, extra.severity) == ("define.TRACE", Severity.WARNING)
    assert extra.source is not None and extra.source.line == 8
    # `bare` lacks DEBUG (EM314) and has ONLY: both reported
    assert {("bare", "define.DEBUG", "EM314"), ("bare", "define.ONLY", "EM366")} <= _found(findings)


def test_no_define_warning_when_the_top_level_has_no_define(tmp_path: Path) -> None:
    """wrangler only compares with a non-empty top-level define."""
    findings = _check(tmp_path, BASE + '[define]\n[env.staging.define]\nTRACE = "1"\n')
    assert not [f for f in findings if f.code == "EM366"]


@pytest.mark.parametrize(
    ("main", "site", "warned"),
    [
        ("", 'bucket = "./public"\n', True),  # no entry point at all: "workers-site"
        ('main = "src/index.ts"\n', 'bucket = "./public"\n', False),
        ("", 'bucket = "./public"\nentry-point = "workers-site"\n', False),  # deprecated only
        ("", 'bucket = "./public"\nentry-point = ""\n', True),  # empty: the default again
    ],
)
def test_site_without_any_entry_point_falls_back_to_workers_site(
    tmp_path: Path, main: str, site: str, warned: bool
) -> None:
    text = f'name = "app"\ncompatibility_date = "2025-01-01"\n{main}[site]\n{site}'
    findings = [f for f in _check(tmp_path, text) if f.code == "EM356" and f.path == "site"]
    assert bool(findings) is warned


def test_site_fallback_is_reported_for_a_site_without_main(tmp_path: Path) -> None:
    findings = _check(tmp_path, 'name = "app"\ncompatibility_date = "2025-01-01"\n[site]\n'
                      'bucket = "./public"\n')  # fmt: skip
    (fallback,) = [f for f in findings if f.path == "site" and f.code == "EM356"]
    assert "workers-site" in fallback.message and fallback.severity is Severity.WARNING
    assert not [f for f in findings if f.code == "EM312"]  # wrangler has an entry point


def test_cloudchamber_instance_type_with_memory_or_vcpu(tmp_path: Path) -> None:
    findings = _check(
        tmp_path,
        BASE + '[cloudchamber]\ninstance_type = "lite"\nvcpu = 1\n'
        '[env.ok.cloudchamber]\ninstance_type = "lite"\n'
        '[env.limits.cloudchamber]\nmemory = "1GB"\nvcpu = 1\n',
    )
    assert [(f.env, f.path) for f in findings if f.code == "EM347"] == [
        ("top-level", "cloudchamber.instance_type")
    ]


@pytest.mark.parametrize(
    ("value", "refused"),
    [('"yes"', True), ("[1]", True), ("{}", False), ("false", False), ('""', False)],
)
def test_a_containers_unsafe_must_be_a_table(tmp_path: Path, value: str, refused: bool) -> None:
    text = (
        '{"name": "app", "main": "src/index.ts", "compatibility_date": "2025-01-01",'
        ' "containers": [{"name": "box", "image": "docker.io/app:1", "unsafe": ' + value + "}]}"
    )
    found = _found(_check(tmp_path, text, "wrangler.json"))
    assert (("top-level", "containers[0].unsafe", "EM311") in found) is refused


def test_connect_allows_only_tcp(tmp_path: Path) -> None:
    findings = _check(
        tmp_path,
        BASE + '[[connect]]\nprotocol = "udp"\nport = 53\n[[connect]]\nprotocol = "tcp"\n'
        "port = 5432\n",
    )
    (udp,) = [f for f in findings if f.severity is Severity.ERROR]
    assert (udp.path, udp.code) == ("connect[0].protocol", "EM341")
    assert udp.source is not None and udp.source.line == 5


def test_empty_analytics_dataset_and_mtls_certificate_id(tmp_path: Path) -> None:
    findings = _check(
        tmp_path,
        BASE + '[[analytics_engine_datasets]]\nbinding = "AE"\ndataset = ""\n'
        '[[analytics_engine_datasets]]\nbinding = "DEFAULT"\n'
        '[[mtls_certificates]]\nbinding = "CERT"\ncertificate_id = ""\n',
    )
    assert {(f.path, f.code) for f in findings if f.severity is Severity.ERROR} == {
        ("analytics_engine_datasets.AE.dataset", "EM319"),
        ("mtls_certificates.CERT.certificate_id", "EM319"),
    }


def test_previews_keys_have_their_environment_shapes(tmp_path: Path) -> None:
    """wrangler's schema typed previews.cache, .limits, … as a whole config; envman does not."""
    findings = _check(
        tmp_path,
        BASE + '[previews]\nlogpush = "yes"\n[previews.limits]\ncpu_ms = "50"\n'
        "[previews.cache]\n[[previews.kv_namespaces]]\nid = 1\n",
    )
    assert {(f.path, f.code) for f in findings} == {
        ("previews.logpush", "EM311"),
        ("previews.limits.cpu_ms", "EM311"),
        ("previews.cache", "EM342"),  # no `enabled`
        ("previews.kv_namespaces.#0", "EM319"),  # no `binding`
        ("previews.kv_namespaces.#0.id", "EM319"),  # as outside previews
    }


def test_worker_exports_are_checked_as_worker_exports(tmp_path: Path) -> None:
    """An export's `type` picks its shape: a worker export is never asked for `storage`."""
    findings = _check(
        tmp_path,
        '{"name": "app", "main": "src/index.ts", "compatibility_date": "2025-01-01", "exports": {'
        '"default": {"type": "worker", "cache": {"enabled": "yes"}},'
        '"api": {"type": "worker", "cache": {}}, "ok": {"type": "worker"},'
        '"odd": {"type": "service"}}}',
        "wrangler.json",
    )
    assert {(f.path, f.code) for f in findings} == {
        ("exports.default.cache.enabled", "EM311"),
        ("exports.api.cache", "EM342"),
        ("exports.odd.type", "EM341"),
    }
    (odd,) = [f for f in findings if f.path == "exports.odd.type"]
    assert '"durable-object", "worker", "workflow"' in odd.message


def test_keys_wrangler_checks_that_its_newer_schema_does_not_know(tmp_path: Path) -> None:
    """services[].environment, vpc_networks[].network_id, websearch and containers[].
    configuration are unknown to the 4.164 schema (EM310), but wrangler's validation still
    refuses wrong values in them: so does envman."""
    findings = _check(
        tmp_path,
        '{"name": "app", "main": "src/index.ts", "compatibility_date": "2025-01-01",'
        '"services": [{"binding": "S", "service": "s", "environment": 1}],'
        '"vpc_networks": [{"binding": "N", "network_id": 2}],'
        '"websearch": {"remote": true, "engine": "x"},'
        '"containers": [{"name": "c", "image": "docker.io/app:1",'
        ' "configuration": {"vcpu": 1, "cpus": 2}}]}',
        "wrangler.json",
    )
    assert {
        ("services.S.environment", "EM319"),
        ("vpc_networks.N.network_id", "EM319"),
        ("websearch", "EM319"),  # no binding
        ("websearch.engine", "EM310"),
        ("containers[0].configuration.cpus", "EM310"),
    } <= {(f.path, f.code) for f in findings}
