"""Renders what is not a Report: a resolved config, a promotion plan, audit entries."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from envman.errors import UsageError
from envman.report.parts import clip, compact, finding_json, plural, visible

if TYPE_CHECKING:
    from envman.models import Finding
    from envman.release import Plan


def render_config(data: Mapping[str, Any], fmt: str, *, null: str | None = None) -> str:
    """One environment's resolved config (wrangler's shape) as TOML or JSON, for `envman show`.

    TOML has no null: each JSON null is written as the string `null` gives (`show` gives
    the environment files' `"@none"`); without one, a null is an InputError."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "toml":
        from envman.edit import dumps_toml

        return dumps_toml(data, null=null)
    raise UsageError(f"unknown config format {fmt!r}; use toml or json")


def render_plan(
    plan: Plan,
    *,
    refusals: Sequence[Finding] = (),
    notes: Sequence[str] = (),
    fmt: str = "text",
    redact: Callable[[str, Any], Any] = lambda _path, value: value,
    color: bool = False,
) -> str:
    """A promotion plan: each step with before and after, blocked steps, guardrail refusals.

    With `color`, text is coloured like `terraform plan`: additions green, removals red,
    changes yellow, blocked steps and refusals bold red.
    """
    steps = [
        {
            "path": step.path,
            "action": step.action,
            "before": redact(step.path, step.before),
            "after": redact(step.path, step.after),
            "blocked": step.blocked,
        }
        for step in plan.steps
    ]
    if fmt == "json":
        document = {
            "version": 1,
            "source": plan.source,
            "target": plan.target,
            "fingerprint": plan.fingerprint,
            "steps": steps,
            "environment_specific": [
                {
                    "path": s.path,
                    "source": redact(s.path, s.after),
                    "target": redact(s.path, s.before),
                }
                for s in plan.environment_specific
            ],
            "held_back": [
                {"path": step.path, "names": names, "value": redact(step.path, step.after)}
                for step, names in plan.held_back
            ],
            "refusals": [finding_json(f) for f in refusals],
            "notes": list(notes),
        }
        return json.dumps(document, indent=2, ensure_ascii=False)
    paint = _painter(color)
    head = f"Plan: {plan.source} -> {plan.target} ({plural(len(steps), 'step')})"
    lines = [paint(head, "bold")]
    for step in steps:
        action = str(step["action"])
        mark = {"add": "+", "remove": "-", "change": "~"}[action]
        before, after = clip(compact(step["before"])), clip(compact(step["after"]))
        if action == "add":
            change = paint(visible(after), "green")
        elif action == "remove":
            change = paint(f"{visible(before)} (removed)", "red")
        else:
            change = f"{paint(visible(before), 'red')} -> {paint(visible(after), 'green')}"
        style = {"add": "green", "remove": "red", "change": "yellow"}[action]
        lines.append(f"  {paint(mark, style)} {visible(str(step['path']))}: {change}")
        if step["blocked"]:
            lines.append(paint(f"      BLOCKED: {visible(str(step['blocked']))}", "bold red"))
    if plan.held_back:
        lines.append(
            paint(
                f"Held back (they name {plan.source}; promote one by naming it with --only PATH): "
                f"{len(plan.held_back)}",
                "yellow",
            )
        )
        for held, names in plan.held_back:
            value = clip(compact(redact(held.path, held.after)))
            lines.append(f"  ! {visible(held.path)}: {visible(value)} names {visible(names)!r}")
    if plan.environment_specific:
        count = len(plan.environment_specific)
        lines.append(paint(f"Not promoted (environment-specific): {count}", "dim"))
        lines += [paint(f"  = {visible(s.path)}", "dim") for s in plan.environment_specific]
    lines += [f"Note: {visible(note)}" for note in notes]
    for refusal in refusals:
        lines.append(paint(f"REFUSED: {visible(refusal.message)}", "bold red"))
        if refusal.hint:
            lines.append(f"  hint: {visible(refusal.hint)}")
    return "\n".join(lines)


_SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "bold red": "1;31"}


def _painter(color: bool) -> Callable[[str, str], str]:
    """`paint(text, style)`: `text` in ANSI colour when `color`, else unchanged."""
    if not color:
        return lambda text, _style: text
    return lambda text, style: f"\x1b[{_SGR[style]}m{text}\x1b[0m"


def render_audit(entries: Sequence[Any], fmt: str, *, full: bool = False) -> str:
    """Audit entries (envman.audit.AuditEntry) as text lines or a JSON array."""
    if fmt == "json":
        return json.dumps([e.to_json() for e in entries], indent=2, ensure_ascii=False)
    if not entries:
        return "no audit entries"
    lines: list[str] = []
    for entry in entries:
        when = entry.time.strftime("%Y-%m-%d %H:%M:%SZ")
        route = f"{entry.source} -> {entry.target}" if entry.source else str(entry.target)
        flags = f" [{' '.join(entry.flags)}]" if entry.flags else ""
        lines.append(
            f"{entry.id}  {when}  {entry.action:<8} {route}  {len(entry.changes)} changes  "
            f"by {visible(entry.actor)}{flags}"
        )
        if entry.reason:
            lines.append(f"    reason: {visible(entry.reason)}")
        if full:
            for change in entry.changes:
                lines.append(
                    f"    {visible(change.path)}: {clip(compact(change.before))} -> "
                    f"{clip(compact(change.after))}"
                )
            git = entry.git
            lines.append(
                f"    git: {git.commit or '-'} on {git.branch or '-'}{' (dirty)' if git.dirty else ''}"
            )
            if entry.ci.provider:
                lines.append(f"    ci: {entry.ci.provider} {entry.ci.run_url or ''}".rstrip())
            lines.append(f"    version: {entry.version}  hash: {entry.hash}  prev: {entry.prev}")
            if entry.sig:
                lines.append("    signed: yes (HMAC-SHA256)")
    return "\n".join(lines)
