"""The guardrails of a promotion: the result must validate, and the live target must be sound."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from envman import release
from envman.codes import finding
from envman.models import Finding
from envman.release import FileChange
from envman.usecases.live import LiveOptions, read_live_state
from envman.usecases.validate import validate
from envman.workspace import Workspace, declared, open_workspace


def refusal(target: str, message: str, hint: str) -> Finding:
    """An EM503 finding: a guardrail refused the promotion."""
    return finding("EM503", env=target, path="", message=message, hint=hint)


def result_problems(
    ws: Workspace, changes: Sequence[FileChange], target: str, today: date | None
) -> list[Finding]:
    """Validate the project as it would be after the change (in a scratch copy)."""
    with scratch(ws, changes) as after_ws:
        # The scratch copy holds the config files only: the entry point is not looked up.
        after = validate(after_ws, today=today, files=False)
    errors = [f for f in after.findings if f.severity.value == "error" and f.env in (target, None)]
    if not errors:
        return []
    listed = "; ".join(f"{f.code} {f.path}: {f.message}" for f in errors[:5])
    return [
        refusal(
            target,
            f"{target} would not validate after the promotion: {listed}",
            "fix the source, or narrow the promotion with --only",
        )
    ]


@contextmanager
def scratch(ws: Workspace, changes: Sequence[FileChange]) -> Iterator[Workspace]:
    """The project as it would be after `changes`: its config files copied, then changed."""
    project = ws.require_project("promotion")
    owned = ws.owned
    for change in changes:  # the plan writes only files envman owns, even in a copy
        owned.confine(change.name, source="the plan")
    with tempfile.TemporaryDirectory(prefix="envman-promote-") as folder:
        root = Path(folder)
        for name in (
            "envman.toml",
            project.environments_dir,
            project.schema_file,
            *([ws.wrangler.document.path] if ws.wrangler else []),
        ):
            source = ws.root / name
            if source.is_dir():
                shutil.copytree(source, root / name)
            elif source.is_file():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(source, root / name)
        for change in changes:
            (root / change.name).write_text(change.after, encoding="utf-8")
        yield open_workspace(root)


def live_guardrails(
    ws: Workspace,
    target: str,
    plan: release.Plan,
    *,
    allow_drift: bool,
    live: LiveOptions,
    today: date | None,
) -> tuple[list[Finding], list[str], list[str]]:
    """Refuse when the live target has drifted, or lacks a secret the result requires."""
    from envman import compare

    environ = live.environ if live.environ is not None else dict(os.environ)
    if live.live_from is None and not environ.get("CLOUDFLARE_API_TOKEN"):
        return (
            [],
            [
                f"live check of {target} skipped: CLOUDFLARE_API_TOKEN is not set (no drift or secret check)"
            ],
            [],
        )
    refusals: list[Finding] = []
    flags: list[str] = []
    notes: list[str] = []

    def refuse(message: str, hint: str) -> None:

        refusals.append(refusal(target, message, hint))

    decl = declared(ws, target)
    workers, errors = read_live_state(ws, {target: decl}, live)
    if target in errors:
        if allow_drift:
            flags.append("--allow-drift")
            notes.append(
                f"live state of {target} unknown ({errors[target]}); promoting anyway (--allow-drift)"
            )
        else:
            refuse(
                f"live state of {target} could not be read: {errors[target]}",
                "fix access, or pass --allow-drift (recorded)",
            )
        return refusals, notes, flags
    worker = workers[target]
    findings = compare.worker_findings(
        target, decl.config, worker, redact=ws.schema.redact, locate=decl.source
    )
    findings = compare.apply_ignores(findings, ws.ignore_rules(), today=today or date.today())
    drifted = [
        f
        for f in findings
        if f.suppressed is None and f.env == target and f.code not in {"EM404", "EM405"}
    ]
    if drifted:
        if allow_drift:
            flags.append("--allow-drift")
            notes.append(
                f"{target} has live drift ({len(drifted)} findings); promoting anyway (--allow-drift)"
            )
        else:
            refuse(
                f"{target} has live drift: " + ", ".join(f.path or f.code for f in drifted[:5]),
                f"run `envman drift {target}` and reconcile, or pass --allow-drift (recorded)",
            )
    config = worker.config
    live_secrets = (
        set(config.secrets.required or ()) if config is not None and config.secrets else set()
    )
    step = next((s for s in plan.steps if s.path == "secrets.required"), None)
    required = (
        (step.after or [])
        if step
        else list(decl.config.secrets.required or ())
        if decl.config.secrets
        else []
    )
    missing = sorted(set(required) - live_secrets) if worker.exists else []
    if missing:
        refuse(
            f"secrets the result requires are not set on the live {target} Worker: {', '.join(missing)}",
            "set them first: "
            + "; ".join(f"wrangler secret put {s} --env {target}" for s in missing),
        )
    return refusals, notes, flags
