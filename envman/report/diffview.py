"""`envman diff A B` in text: a diff named after the two environments, promotable first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from envman.report.parts import RenderOptions, compact, plural, visible
from envman.terms import Kind

if TYPE_CHECKING:  # the models are never built here: the view only reads them
    from envman.models import Finding, Report

PROMOTABLE = "EM500"
"""The code of a difference `envman promote` copies (EM501: environment-specific)."""

_SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32"}


def render_diff(report: Report, options: RenderOptions) -> str:
    """Each difference as `- TARGET value` / `+ SOURCE value` lines (what a promotion from
    SOURCE would write into TARGET), the promotable ones first; environment-specific ones
    after, both values labelled; "No differences" when there are none."""
    source, target = report.source or "source", report.envs[-1]
    promotable = [f for f in report.active if f.code == PROMOTABLE]
    specific = [f for f in report.active if f.code != PROMOTABLE]

    def paint(text: str, style: str) -> str:
        return f"\x1b[{_SGR[style]}m{text}\x1b[0m" if options.color else text

    if not promotable and not specific:
        return f"No differences between {source} and {target}."
    width = max(len(source), len(target))
    lines = [
        paint(
            f"{source} -> {target}: {plural(len(promotable), 'promotable difference')}, "
            f"{len(specific)} environment-specific",
            "bold",
        )
    ]
    if promotable:
        lines += [
            "",
            paint(f"Promotable (`envman promote {source} {target}` writes these):", "bold"),
        ]
        for item in promotable:
            before, after = _values(item)
            lines.append(f"  {visible(item.path)}")
            lines.append(paint(f"    - {target:<{width}}  {visible(before)}", "red"))
            lines.append(paint(f"    + {source:<{width}}  {visible(after)}", "green"))
            if item.hint:  # a guardrail holds this one back
                lines.append(paint(f"      blocked: {visible(item.hint)}", "red"))
    if specific:
        lines += ["", paint("Environment-specific (never promoted):", "bold")]
        for item in specific:
            before, after = _values(item)
            lines.append(f"  {visible(item.path)}")
            lines.append(f"      {source:<{width}}  {visible(after)}")
            lines.append(f"      {target:<{width}}  {visible(before)}")
    return "\n".join(lines)


def _values(item: Finding) -> tuple[str, str]:
    """(target's value, source's value) as shown; `(absent)` where one has none."""
    before = "(absent)" if item.kind is Kind.MISSING else compact(item.actual)
    after = "(absent)" if item.kind is Kind.UNEXPECTED else compact(item.expected)
    return before, after
