"""`envman diff A B` reads as a diff: ± lines named after the environments, promotable first."""

from __future__ import annotations

import json
from pathlib import Path

from envman import api
from envman.report import RenderOptions, render
from tests.inprocess import Envman


def test_diff_is_labelled_lines_promotable_first(project: Path, envman: Envman) -> None:
    result = envman("diff", "staging", "production", cwd=project)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "staging -> production: 2 promotable differences, 8 environment-specific"
    promotable = lines.index("Promotable (`envman promote staging production` writes these):")
    specific = lines.index("Environment-specific (never promoted):")
    assert promotable < specific
    at = lines.index("  vars.LOG_LEVEL")
    assert promotable < at < specific
    assert lines[at + 1 : at + 3] == ['    - production  "warn"', '    + staging     "info"']
    added = lines.index("  vars.FEATURE_NEW_CHARTS")
    assert lines[added + 1 : added + 3] == ["    - production  (absent)", "    + staging     true"]
    name = lines.index("  name")
    assert name > specific
    assert lines[name + 1].split() == ["staging", '"dashboard-worker-staging"']
    assert lines[name + 2].split() == ["production", '"dashboard-worker-production"']


def test_no_differences_says_so(project: Path, envman: Envman) -> None:
    result = envman("diff", "production", "production", cwd=project)
    assert result.code == 0
    assert result.out.strip() == "No differences between production and production."


def test_sensitive_values_stay_redacted_in_the_diff(project: Path, envman: Envman) -> None:
    staging = project / "environments" / "staging.toml"
    text = staging.read_text(encoding="utf-8")
    (staging).write_text(text.replace("[vars]", '[vars]\nWEBHOOK_TOKEN = "s3cr3t-value"', 1))
    schema = project / "schemas" / "vars.toml"
    schema.write_text(
        schema.read_text(encoding="utf-8")
        + '\n[vars.WEBHOOK_TOKEN]\ntype = "string"\nsensitive = true\n',
        encoding="utf-8",
    )
    result = envman("diff", "staging", "production", cwd=project)
    assert "WEBHOOK_TOKEN" in result.out and "s3cr3t-value" not in result.out


def test_colour_marks_removed_red_and_added_green(project: Path) -> None:
    report = api.diff(api.open_workspace(project), "staging", "production")
    text = render(report, "text", RenderOptions(color=True))
    assert '\x1b[31m    - production  "warn"\x1b[0m' in text
    assert '\x1b[32m    + staging     "info"\x1b[0m' in text
    assert "\x1b" not in render(report, "text", RenderOptions(color=False))


def test_other_formats_name_the_source(project: Path) -> None:
    report = api.diff(api.open_workspace(project), "staging", "production")
    data = json.loads(render(report, "json"))
    assert data["source"] == "staging" and data["environments"] == ["production"]
    assert {f["code"] for f in data["findings"]} == {"EM500", "EM501"}
