"""Reporters: a registry that renders a Report in each format, and views of plans and entries."""

from __future__ import annotations

from envman.report.html import render_html
from envman.report.notifications import check_url as check_webhook_url
from envman.report.notifications import notify
from envman.report.parts import RenderOptions
from envman.report.registry import REPORTERS, Reporter, render, summary_line, wants_color
from envman.report.views import render_audit, render_config, render_plan

__all__ = [
    "REPORTERS",
    "RenderOptions",
    "Reporter",
    "check_webhook_url",
    "notify",
    "render",
    "render_audit",
    "render_config",
    "render_html",
    "render_plan",
    "summary_line",
    "wants_color",
]
