"""`envman reconcile ENV --push`: bring the live Worker back to the declared config via the API.

Planned from a drift run like `--adopt`, in the other direction: each drifted path is a
step from the live value to the declared one. Pushed through the SDK without a code
upload: vars and bindings (one settings PATCH; every binding not changed goes as
`inherit`, so secrets and unmodelled bindings stay), compatibility date and flags, usage
model, limits, placement, observability, logpush, tail consumers, cron triggers,
workers.dev and preview URLs, routes and custom domains. Refused, with the command that
does it: a missing secret (`wrangler secret put`), anything that needs new code
(`wrangler deploy --env ENV`), and any push while traffic is split between versions.
One audit entry of kind `push` records what was written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from envman import audit, release
from envman.bindings import MODELLED, BindingKind, kind_of
from envman.config import WorkerConfig
from envman.errors import PromotionError
from envman.models import Finding, LiveWorker
from envman.release import locked
from envman.terms import Kind
from envman.usecases.adopt import selected
from envman.usecases.guardrails import refusal
from envman.usecases.live import LiveOptions, _account_id, _settings, drift_state
from envman.usecases.promote import _seal
from envman.workspace import Workspace

VERSION_KEYS = ("compatibility_date", "compatibility_flags", "usage_model", "limits", "placement")
SCRIPT_KEYS = ("observability", "logpush", "tail_consumers")
_BINDING_FIELDS = frozenset({"vars", "secrets", *(k.field for k in MODELLED if k.live_type)})


@dataclass(frozen=True)
class PushProposal:
    """A push ready to run: the plan (live -> declared), what to write, and what is refused."""

    plan: release.Plan
    push: Any  # envman.live.writes.Push | None (the SDK stays off the import path)
    refusals: tuple[Finding, ...]
    notes: tuple[str, ...]
    protected: bool
    options: LiveOptions


def propose_push(
    ws: Workspace,
    env: str,
    *,
    only: Sequence[str] = (),
    options: LiveOptions | None = None,
    today: date | None = None,
) -> PushProposal:
    """Plan pushing `env`'s declared config to its live Worker; nothing is written."""
    from envman.live import Push

    project = ws.require_project("pushing declared config")
    ws.select([env])
    options = options or LiveOptions()
    state = drift_state(ws, [env], options=options, today=today, attribution=False)
    report = state.report
    refusals: list[Finding] = []
    notes = [f"{f.path}: not read, not pushed" for f in report.active if f.kind is Kind.UNKNOWN]
    worker = state.workers.get(env)
    if env in report.unknown or worker is None:
        refusals.append(refusal(env, f"live state of {env} is unknown", "run again"))
    elif not worker.exists:
        refusals.append(
            refusal(env, f"{worker.script} does not exist live", f"wrangler deploy --env {env}")
        )
    if any(f.code == "EM408" for f in report.findings):
        refusals.append(
            refusal(
                env,
                "traffic is split between versions: a settings edit is refused while it is",
                "finish or roll back the gradual deployment first",
            )
        )
    chosen = selected(report.findings, env, only)
    push: Push | None = None
    steps: list[release.Step] = []
    if not refusals and worker is not None:
        wanted: list[Finding] = []
        for item in chosen:
            why = _refused(item, env)
            if why:
                refusals.append(refusal(env, f"{item.path}: {why[0]}", why[1]))
            else:
                wanted.append(item)
        declared = state.decls[env].config
        steps = [release.Step(f.path, f.actual, f.expected) for f in wanted]
        push = _push(declared, worker, [f.path for f in wanted]) if wanted else None
    plan = release.Plan(source="declared", target=env, steps=tuple(steps))
    return PushProposal(
        plan=plan,
        push=push,
        refusals=tuple(refusals),
        notes=tuple(notes),
        protected=env in project.protected,
        options=options,
    )


def _refused(item: Finding, env: str) -> tuple[str, str] | None:
    """Why a drift finding cannot be pushed through the settings API, and what does it."""
    head = item.path.split(".")[0]
    if item.code == "EM404":
        name = item.path.split(".", 1)[1]
        return "a secret's value cannot be pushed", f"wrangler secret put {name} --env {env}"
    if "(in version " in item.message:
        return "differs in a version that is not the latest", "finish the gradual deployment"
    pushable = {*VERSION_KEYS, *SCRIPT_KEYS, *_BINDING_FIELDS, "triggers", "routes"}
    if head in pushable or head in ("workers_dev", "preview_urls"):
        return None
    return "needs a new code upload", f"wrangler deploy --env {env}"


def _push(declared: WorkerConfig, worker: LiveWorker, paths: Sequence[str]) -> Any:
    from envman import compare
    from envman.live import Push

    wanted = compare.drift_fields(declared)
    data = wanted.model_dump(mode="json", exclude_none=True)
    heads = {p.split(".")[0] for p in paths}
    settings: dict[str, Any] = {k: data.get(k) for k in (*VERSION_KEYS, *SCRIPT_KEYS) if k in heads}
    if heads & _BINDING_FIELDS:
        settings["bindings"] = _bindings(wanted, worker, paths)
    crons = tuple((data.get("triggers") or {}).get("crons") or ()) if "triggers" in heads else None
    subdomain = None
    if heads & {"workers_dev", "preview_urls"}:
        live = worker.config or WorkerConfig()
        enabled = wanted.workers_dev if wanted.workers_dev is not None else live.workers_dev
        subdomain = (bool(enabled), wanted.preview_urls)
    routes = tuple(data.get("routes") or ()) if "routes" in heads else None
    return Push(
        script=worker.script,
        settings=settings or None,
        crons=crons,
        subdomain=subdomain,
        routes=routes,
    )


def _bindings(wanted: WorkerConfig, worker: LiveWorker, paths: Sequence[str]) -> list[Any]:
    """The whole binding list of the PATCH: changed ones as declared, the rest inherited."""
    live = worker.config or WorkerConfig()
    changed: set[str] = set()
    for path in paths:
        if path.split(".")[0] in _BINDING_FIELDS:
            changed |= _names_at(path, wanted) | _names_at(path, live)
    names = [name for _, name in live.binding_names()]
    names += [o.partition(" ")[2] for o in worker.unsupported if not o.startswith("setting ")]
    result: list[dict[str, Any]] = [
        {"type": "inherit", "name": n} for n in dict.fromkeys(names) if n and n not in changed
    ]
    declared = _uploads(wanted)
    result += [declared[n] for n in sorted(changed) if n in declared]
    return result


def _names_at(path: str, config: WorkerConfig) -> set[str]:
    """The binding names a drift path stands for in `config` (a single kind's own name)."""
    head, _, rest = path.partition(".")
    single = next((k for k in MODELLED if k.single and k.field == head), None)
    if single is not None:
        value = getattr(config, head)
        return {value.binding} if value is not None and value.binding else set()
    kind = kind_of(path)
    return {path[len(kind.path) + 1 :]} if kind is not None else {rest}


def _uploads(config: WorkerConfig) -> dict[str, dict[str, Any]]:
    """Every declared binding in the shape the settings API takes, by binding name."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in (config.vars or {}).items():
        text = isinstance(value, str)
        key = "text" if text else "json"
        out[name] = {"type": "plain_text" if text else "json", "name": name, key: value}
    for kind in MODELLED:
        if not kind.live_type:
            continue
        if kind.single:
            single = getattr(config, kind.field)
            if single is not None and single.binding:
                out[single.binding] = {"type": kind.live_type, "name": single.binding}
            continue
        for name, entry in kind.entries(config).items():
            out[name] = _upload(kind, name, entry.model_dump(mode="json", exclude_none=True))
    return out


def _upload(kind: BindingKind, name: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    fields = {theirs: entry[ours] for ours, theirs in kind.live_keys.items() if ours in entry}
    return {"type": kind.live_type, "name": name, **fields}


def apply_push(
    ws: Workspace,
    proposal: PushProposal,
    *,
    reason: str | None,
    environ: Mapping[str, str] | None = None,
) -> audit.AuditEntry:
    """Write the push through the SDK, then its one audit entry (kind `push`) under the lock."""
    from envman.live import push_sync

    project = ws.require_project("pushing declared config")
    plan = proposal.plan
    if proposal.refusals:
        raise PromotionError("push refused: " + "; ".join(f.message for f in proposal.refusals))
    if proposal.push is None or not plan.steps:
        raise PromotionError(f"nothing to push: {plan.target} matches its declared config")
    if proposal.protected and not reason:
        raise PromotionError(f"{plan.target} is protected: give --reason")
    settings = _settings(proposal.options)
    token = settings.cloudflare_api_token
    log = ws.root / project.audit_log
    environ = dict(os.environ if environ is None else environ)
    key = audit.key_from_environ(environ)
    sensitive = ws.schema.sensitive_names()
    with locked(ws.root, log=log):
        pushed = push_sync(
            proposal.push,
            settings=settings,
            token=token.get_secret_value() if token else "",
            account_id=_account_id(ws, settings),
        )
        return audit.append(
            log,
            action="push",
            source="declared",
            target=plan.target,
            changes=[
                audit.Change(
                    path=s.path,
                    before=_seal(s.path, s.before, sensitive, key),
                    after=_seal(s.path, s.after, sensitive, key),
                )
                for s in plan.steps
            ],
            reason=reason,
            flags=[],
            context=audit.gather_context(ws.root, environ),
            key=key,
            data={"script": proposal.push.script, "written": pushed.done},
        )
