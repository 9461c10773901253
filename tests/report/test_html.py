"""`envman report --html`: one self-contained page; every value escaped; drift per cell."""

from __future__ import annotations

import re
from pathlib import Path

from envman import api
from envman.report.html import render_html
from envman.usecases.live import LiveOptions
from envman.usecases.overview import overview
from tests.inprocess import Envman

HOSTILE = '</script><script>document.title="pwned"</script>"\'<b>\u2028'


def _hostile(project: Path) -> None:
    staging = project / "environments" / "staging.toml"
    text = staging.read_text(encoding="utf-8")
    value = HOSTILE.replace("\\", "\\\\").replace('"', '\\"').replace("\u2028", "\\u2028")
    staging.write_text(text.replace("[vars]\n", f'[vars]\nMOTTO = "{value}"\n', 1))


def test_the_page_is_self_contained_and_escapes_every_value(project: Path) -> None:
    _hostile(project)
    picture = overview(api.open_workspace(project))
    page = render_html(picture)
    assert page.startswith("<!DOCTYPE html>") and page.count("<script>") == 1
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert "<link" not in page and "@import" not in page
    assert HOSTILE not in page and "&lt;/script&gt;&lt;script&gt;" in page
    assert "\u2028" not in page and "\\u2028" in page  # shown, never a raw line separator


def test_rows_are_every_setting_with_its_kind_and_differences(project: Path) -> None:
    picture = overview(api.open_workspace(project))
    rows = {row.path: row for row in picture.rows}
    assert picture.envs == ("development", "staging", "production")
    assert rows["vars.LOG_LEVEL"].kind == "promotable"
    assert rows["vars.API_BASE_URL"].kind == "environment-specific"
    assert rows["main"].kind == "same"
    assert [c.differs for c in rows["vars.LOG_LEVEL"].cells.values()] == [False, False, True]
    assert rows["vars.FEATURE_NEW_CHARTS"].cells["production"].value is None


def test_drift_marks_its_cell_and_findings_link_to_file_and_line(project: Path) -> None:
    snapshot = project / "examples" / "live-snapshot.json"
    picture = overview(api.open_workspace(project), live=LiveOptions(live_from=snapshot))
    cell = {r.path: r for r in picture.rows}["vars.RATE_LIMIT_PER_MINUTE"].cells["production"]
    assert cell.drift is not None and cell.drift.code == "EM400" and cell.value == 600
    page = render_html(picture, page_dir="reports")
    assert 'href="../environments/production.toml#L10"' in page
    assert re.search(
        r'<td class="differs drift" data-env="production" '
        r'data-path="vars.RATE_LIMIT_PER_MINUTE"><code>600</code>'
        r'<span class="live"[^>]*>live: 6000 \(EM400\)</span></td>',
        page,
    )


def test_sensitive_values_are_redacted(project: Path) -> None:
    schema = project / "schemas" / "vars.toml"
    schema.write_text(
        schema.read_text(encoding="utf-8").replace(
            "[vars.API_BASE_URL]", "[vars.API_BASE_URL]\nsensitive = true", 1
        ),
        encoding="utf-8",
    )
    page = render_html(overview(api.open_workspace(project)))
    assert (
        "dashboard-staging.example.com" not in page.split('data-path="vars.API_BASE_URL"')[1][:300]
    )
    assert "&lt;redacted&gt;" in page


def test_the_command_writes_the_page(project: Path, envman: Envman) -> None:
    result = envman(
        "report",
        "--html",
        "out/envs.html",
        "--live-from",
        "examples/live-snapshot.json",
        cwd=project,
    )
    assert result.code == 0, result.err
    assert "3 environments" in result.err
    page = (project / "out" / "envs.html").read_text(encoding="utf-8")
    assert 'href="../environments/' in page
    assert envman("report", cwd=project).code == 2  # neither --html nor a subcommand
