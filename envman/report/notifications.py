"""Builds Slack-compatible drift notifications, decides when to send them, and posts them.

`--notify-on drift` (default) sends when a run has drift or unknown state; `change`
when the set of findings differs from the previous run's (kept in
`.envman/drift-state.json`, so "drift cleared" is announced too); `always` every run.
The message holds the summary and the most important findings (errors first, at most
ten); values are the reporters' already-redacted ones, and secrets are names only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envman.redaction import SECRETS
from envman.report.registry import redacted

if TYPE_CHECKING:
    from envman.models import Finding, Report

WHEN = ("drift", "change", "always")
MAX_FINDINGS = 10
STATE_FILE = ".envman/drift-state.json"


def digest(report: Report) -> str:
    """What a run found, independent of order and wording: for `--notify-on change`."""
    items = sorted(f"{f.env}|{f.code}|{f.path}|{f.kind}" for f in report.active)
    items += sorted(f"unknown|{env}" for env in report.unknown)
    import hashlib  # OpenSSL's bindings: not on the start-up of the commands that never notify

    return hashlib.sha256("\n".join(items).encode()).hexdigest()


def should_send(report: Report, when: str, previous: str | None) -> bool:
    """Whether this run's result is worth a message under the `when` policy."""
    if when == "always":
        return True
    if when == "change":
        if previous is None:
            return bool(report.active or report.unknown)
        return previous != digest(report)
    return bool(report.active or report.unknown)


def message(report: Report, *, project: str) -> dict[str, Any]:
    """The Slack payload (`text` for any webhook, `blocks` for Slack's layout), secrets masked."""
    report = redacted(report)
    counts = report.summary()
    if report.unknown:
        headline = f"envman: drift UNKNOWN for {', '.join(sorted(report.unknown))} in {project}"
    elif report.active:
        drifted = sorted({f.env or "project" for f in report.active})
        headline = f"envman: drift in {project} ({', '.join(drifted)})"
    else:
        headline = f"envman: no drift in {project} ({counts['environments']} environments)"
    ranked = sorted(report.active, key=lambda f: (-f.severity.rank, f.env or "", f.path))
    lines = [_line(f) for f in ranked[:MAX_FINDINGS]]
    if len(ranked) > MAX_FINDINGS:
        lines.append(f"… and {len(ranked) - MAX_FINDINGS} more")
    lines += [f"• {env}: live state unknown: {why}" for env, why in sorted(report.unknown.items())]
    summary = (
        f"{counts['error']} errors, {counts['warning']} warnings, "
        f"{counts['suppressed']} suppressed, {counts['unknown']} unknown"
    )
    text = "\n".join([headline, summary, *lines])
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": summary}},
    ]
    if lines:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}}
        )
    payload: dict[str, Any] = SECRETS.data({"text": text, "blocks": blocks})
    return payload


def _line(finding: Finding) -> str:
    where = f"{finding.env}: " if finding.env else ""
    line = f"• [{finding.severity.value}] {where}`{finding.path or finding.code}` {finding.message}"
    return line + (f" — {finding.attribution.describe()}" if finding.attribution else "")


def check_url(url: str) -> None:
    """UsageError now, before any work, for a URL `post` would never use (scheme, host)."""
    from envman.report import webhook

    SECRETS.add(url)  # a Slack or Teams webhook URL is itself a credential
    webhook.parse(url)


def post(
    url: str, payload: dict[str, Any], *, timeout: float = 10.0, allow_private: bool = False
) -> None:
    """POST the JSON payload (envman.report.webhook: public http(s) only, no redirects)."""
    from envman.report import webhook  # http.client and ssl load only when posting

    webhook.post(url, json.dumps(payload).encode(), timeout=timeout, allow_private=allow_private)


def previous_digest(root: Path) -> str | None:
    from envman.errors import InputError
    from envman.files import present, read_text

    path = root / STATE_FILE
    try:
        data = json.loads(read_text(path, allow_empty=True)) if present(path) else None
    except (InputError, ValueError, RecursionError):
        return None
    value = data.get("digest") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def remember(root: Path, report: Report) -> None:
    from envman.files import atomic_write
    from envman.release import Owned

    # .envman/ must be a real folder inside the project: never written through a link.
    path = Owned.of(root, ()).confine(STATE_FILE, source="the drift notification state")
    atomic_write(path, json.dumps({"digest": digest(report)}) + "\n")


def notify(
    root: Path,
    report: Report,
    *,
    url: str,
    when: str,
    project: str,
    allow_private: bool = False,
) -> bool:
    """Send the notification if `when` says so; remember this run; True when one was sent.

    NotifyError when it cannot be delivered; the run is then not remembered, so that
    `--notify-on change` tries again next time.
    """
    SECRETS.add(url)  # a Slack or Teams webhook URL is itself a credential
    previous = previous_digest(root)
    send = should_send(report, when, previous)
    if send:
        post(url, message(report, project=project), allow_private=allow_private)
    remember(root, report)
    return send
