"""`envman report --html`: one self-contained page with the environment × setting matrix."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from envman.report.parts import compact, visible

if TYPE_CHECKING:  # the models are never built here: the page only reads them
    from envman.models import Finding


class _Cell(Protocol):
    @property
    def value(self) -> Any: ...
    @property
    def differs(self) -> bool: ...
    @property
    def drift(self) -> Finding | None: ...


class _Row(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def cells(self) -> Mapping[str, _Cell]: ...


class Picture(Protocol):
    """What the page shows (envman.usecases.overview.Overview)."""

    @property
    def project(self) -> str: ...
    @property
    def envs(self) -> tuple[str, ...]: ...
    @property
    def rows(self) -> Sequence[_Row]: ...
    @property
    def findings(self) -> tuple[Finding, ...]: ...
    @property
    def live(self) -> str | None: ...
    @property
    def unknown(self) -> Mapping[str, str]: ...


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}p.meta{color:#57606a;margin:0 0 1rem}
table{border-collapse:collapse;margin:0 0 1.5rem}th,td{border:1px solid #d0d7de;
padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
td code{white-space:pre-wrap;word-break:break-all;font-size:12px}
tr.same td.path{color:#57606a}td.differs{background:#fff8c5}
td.drift{background:#ffebe9;outline:2px solid #cf222e;outline-offset:-2px}
.kind{font-size:11px;border-radius:1em;padding:0 .5em;white-space:nowrap}
.promotable{background:#dafbe1}.environment-specific{background:#ddf4ff}.same{background:#eaeef2}
.absent{color:#8c959f;font-style:italic}.live{display:block;color:#cf222e;font-size:12px}
.error{color:#cf222e}.warning{color:#9a6700}.info{color:#57606a}
label{display:inline-block;margin:0 0 .6rem}body.only-differences tr.same{display:none}
"""

_SCRIPT = """
(function () {
  var box = document.getElementById("only-differences");
  function apply() { document.body.classList.toggle("only-differences", box.checked); }
  box.addEventListener("change", apply);
  apply();
  document.body.setAttribute("data-ready", "yes");
})();
"""


def render_html(picture: Picture, *, page_dir: str = ".") -> str:
    """The page: no external asset, every user value escaped (text and attributes).

    `page_dir` is where the page is written relative to the project, so that links to the
    files of findings are relative to the page and work offline.
    """
    e = _escape
    envs = picture.envs
    head = "".join(f'<th scope="col">{e(env)}</th>' for env in envs)
    body = [_row(row, envs) for row in picture.rows]
    drifted = sum(1 for row in picture.rows for c in row.cells.values() if c.drift is not None)
    live = (
        f"live state from {e(picture.live)}: {drifted} drifted cell{'s' * (drifted != 1)}"
        if picture.live
        else "live state not read (add --live-from SNAPSHOT to see drift)"
    )
    unknown = "".join(
        f'<li class="error">{e(env)}: drift unknown: {e(why)}</li>'
        for env, why in sorted(picture.unknown.items())
    )
    findings = "".join(_finding(f, page_dir) for f in picture.findings)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>envman: {e(picture.project)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{e(picture.project)}: {len(envs)} environments, {len(picture.rows)} settings</h1>",
        f'<p class="meta">{live}. <span class="kind promotable">promotable</span> '
        '<span class="kind environment-specific">environment-specific</span> '
        '<span class="kind same">same everywhere</span>; a yellow cell differs from the '
        f"first environment ({e(envs[0]) if envs else ''}), a red one from live.</p>",
        f"<ul>{unknown}</ul>" if unknown else "",
        '<label><input type="checkbox" id="only-differences"> only settings that differ</label>',
        '<table id="matrix"><thead><tr><th scope="col">setting</th><th scope="col">kind</th>',
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>",
        f"<h2>Findings ({len(picture.findings)})</h2>",
        '<table id="findings"><thead><tr><th>severity</th><th>code</th><th>environment</th>'
        "<th>where</th><th>message</th></tr></thead>",
        f"<tbody>{findings}</tbody></table>",
        f"<script>{_SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _row(row: _Row, envs: tuple[str, ...]) -> str:
    e = _escape
    cells = []
    for env in envs:
        cell = row.cells[env]
        classes = " ".join(c for c in ("differs" * cell.differs, "drift" * bool(cell.drift)) if c)
        shown = (
            '<span class="absent">not set</span>'
            if cell.value is None
            else f"<code>{e(visible(compact(cell.value)))}</code>"
        )
        if cell.drift is not None:
            actual = "(absent)" if cell.drift.actual is None else compact(cell.drift.actual)
            shown += (
                f'<span class="live" title="{e(cell.drift.message)}">'
                f"live: {e(visible(actual))} ({e(cell.drift.code)})</span>"
            )
        cells.append(
            f'<td class="{classes}" data-env="{e(env)}" data-path="{e(row.path)}">{shown}</td>'
        )
    return (
        f'<tr class="{e(row.kind)}"><td class="path"><code>{e(row.path)}</code></td>'
        f'<td><span class="kind {e(row.kind)}">{e(row.kind)}</span></td>{"".join(cells)}</tr>'
    )


def _finding(item: Finding, page_dir: str) -> str:
    e = _escape
    where = ""
    if item.source is not None:
        target = posixpath.relpath(item.source.file, page_dir) if page_dir else item.source.file
        anchor = f"#L{item.source.line}" if item.source.line else ""
        label = str(item.source)
        where = f'<a href="{e(target + anchor)}">{e(label)}</a>'
    path = f"{item.path}: " if item.path else ""
    return (
        f'<tr><td class="{e(item.severity.value)}">{e(item.severity.value)}</td>'
        f"<td>{e(item.code)}</td><td>{e(item.env or '')}</td><td>{where}</td>"
        f"<td>{e(visible(path + item.message))}</td></tr>"
    )


def _escape(text: object) -> str:
    """HTML-escaped, quotes included; U+2028/2029 as entities (they end lines in scripts)."""
    import html  # its entity tables load with it: not on every command's start-up

    escaped = html.escape(str(text), quote=True)
    return escaped.replace("\u2028", "&#x2028;").replace("\u2029", "&#x2029;")
