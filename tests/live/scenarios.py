"""Realistic drift scenarios: a wrangler project deployed into the faithful fake, then drift.

A scenario is a wrangler config (the project's `wrangler.json`, zero-setup) that
`wrangler deploy` puts into a fake Cloudflare answering with Cloudflare's server-side
defaults; `mutate` plays what happened afterwards (nothing, for a no-drift scenario).
`run_drift` returns the exit code `envman drift` would give and the findings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envman import api
from envman.cli.common import exit_code
from envman.models import Finding, Report
from envman.terms import Severity
from tests.fakecf import FakeCloudflare

ACCOUNT = "acc123"
ZONES = ("example.com", "shop.example.com", "example.org")


@dataclass(frozen=True)
class Scenario:
    name: str
    config: dict[str, Any]
    mutate: Callable[[FakeCloudflare, str], None] | None = None
    expect: tuple[tuple[str, str], ...] = ()
    """(path, kind) of every expected non-info finding; empty for a no-drift scenario."""
    deploys: int = 1
    secrets: dict[str, str] = field(default_factory=dict)


def write_project(root: Path, config: dict[str, Any]) -> Path:
    (root / "wrangler.json").write_text(
        json.dumps({**config, "account_id": ACCOUNT}, indent=2), encoding="utf-8"
    )
    (root / "src").mkdir(exist_ok=True)
    (root / "src" / "index.ts").write_text("export default {}\n", encoding="utf-8")
    return root


def deploy(fake: FakeCloudflare, scenario: Scenario) -> None:
    for zone in ZONES:
        if fake.zone_by_name(ACCOUNT, zone) is None:
            fake.add_zone(zone, account_id=ACCOUNT)
    config = {k: v for k, v in scenario.config.items() if k != "env"}
    for _ in range(scenario.deploys):
        fake.seed_from_wrangler(ACCOUNT, config, secrets=scenario.secrets or None)


def live_options(fake: FakeCloudflare, **extra: str) -> api.LiveOptions:
    environ = {
        "CLOUDFLARE_API_TOKEN": fake.token,
        "CLOUDFLARE_ACCOUNT_ID": ACCOUNT,
        "CLOUDFLARE_BASE_URL": fake.base_url,
        "ENVMAN_MAX_RETRIES": "0",
        **extra,
    }
    return api.LiveOptions(environ=environ)


def run_drift(
    fake: FakeCloudflare, root: Path, scenario: Scenario, **options: Any
) -> tuple[int, Report]:
    write_project(root, scenario.config)
    deploy(fake, scenario)
    if scenario.mutate is not None:
        scenario.mutate(fake, scenario.config["name"])
    ws = api.open_workspace(root)
    report = api.drift(ws, options=live_options(fake), **options)
    return exit_code(report, Severity.WARNING), report


def noisy(report: Report) -> list[tuple[str, str]]:
    """(path, kind) of every active finding that is not information."""
    return sorted(
        (f.path, f.kind.value if f.kind else f.code)
        for f in report.active
        if f.severity is not Severity.INFO
    )


def info(report: Report) -> list[Finding]:
    return [f for f in report.active if f.severity is Severity.INFO]
