"""Turns declared config and live state into drift findings (ignore rules: compare.ignore)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from envman.bindings import MODELLED
from envman.codes import finding
from envman.compare.differences import Difference, compare, explain
from envman.config import WorkerConfig
from envman.models import Finding, LiveWorker, Source
from envman.terms import Kind

REDACTED = "<redacted>"

NOT_LIVE = frozenset({"name", "main", "account_id", "containers"})
"""Fields that have no live counterpart in a Worker's settings (the name is how we find it,
containers are applications). Of `assets` only the binding is live (the files are an
upload); of `migrations` only the last tag (the script's `migration_tag`)."""

DRIFT_FIELDS = tuple(f for f in WorkerConfig.model_fields if f not in NOT_LIVE)

_KIND_CODES = {Kind.CHANGED: "EM400", Kind.MISSING: "EM401", Kind.UNEXPECTED: "EM402"}

Redact = Callable[[str, Any], Any]
Locate = Callable[[tuple[str | int, ...]], Source | None]


def drift_fields(config: WorkerConfig) -> WorkerConfig:
    """The part of a declared config that live state can be compared with.

    Queue consumers are configured on the queue, not on the Worker's settings, so
    they are left out; so is everything in NOT_LIVE, and each binding kind's `local_only`
    keys (a D1 `database_name` is how wrangler finds the id, not part of the binding). Of a
    single binding (`ai`, `browser`, …) only its name is live: `remote = true` is for
    `wrangler dev`.
    """
    data = config.model_dump(exclude_none=True)
    for field in NOT_LIVE:
        data.pop(field, None)
    assets = data.pop("assets", None) or {}
    if assets.get("binding"):
        data["assets"] = {"binding": assets["binding"]}
    migrations = data.pop("migrations", None)
    if migrations is not None:
        tags = [m.get("tag") for m in migrations if m.get("tag")]
        data["migrations"] = [{"tag": tags[-1]}] if tags else []
    for kind in MODELLED:
        if kind.single:
            single = data.get(kind.field)
            if isinstance(single, dict) and single.get("binding"):
                data[kind.field] = {"binding": single["binding"]}
            continue
        entries = kind.entries(data)
        if not entries:
            continue
        *parents, last = kind.path.split(".")
        holder = data
        for part in parents:
            holder = holder[part]
        if kind.live_type is None:  # configured elsewhere (queue consumers: on the queue)
            del holder[last]
            continue
        holder[last] = {
            name: {k: v for k, v in entry.items() if k not in kind.local_only}
            for name, entry in entries.items()
        }
    if "queues" in data and not data["queues"]:
        del data["queues"]
    return WorkerConfig.model_validate(data)


def worker_findings(
    env: str,
    declared: WorkerConfig,
    live: LiveWorker,
    *,
    redact: Redact,
    locate: Locate,
) -> list[Finding]:
    """Drift findings of one environment's Worker (every version it serves when split)."""
    if not live.exists:
        return [
            finding(
                "EM403",
                env=env,
                path="",
                message=f"Worker {live.script!r} does not exist on the account",
                hint=f"deploy it: wrangler deploy --env {env}",
                kind=Kind.MISSING,
                source=locate(("name",)),
            )
        ]
    expected = drift_fields(declared)
    managed = [f for f in DRIFT_FIELDS if getattr(expected, f) is not None]
    unread = [f for f in managed if f in live.unread]
    findings = [
        finding(
            "EM409",
            env=env,
            path=field,
            message=f"{field} is unknown: {live.unread[field]}",
            hint="drift of this key could not be determined; fix the cause and run again, "
            "or ignore the path (exit code 3)",
            expected=redact(field, _plain(getattr(expected, field))),
            kind=Kind.UNKNOWN,
            source=locate((field,)),
        )
        for field in unread
    ]
    compared = [f for f in managed if f not in unread]
    findings += [
        _finding(env, difference, redact=redact, locate=locate, version=None)
        for difference in compare(expected, live.config, fields=compared, script=live.script)
    ]
    findings += [_unmodelled(env, odd) for odd in live.unsupported]
    if live.versions and len(live.versions) > 1:
        shares = _shares(live)
        findings.append(
            finding(
                "EM408",
                env=env,
                path="",
                message="traffic is split between versions "
                + ", ".join(f"{vid} ({pct:g}%)" for vid, pct in shares.items()),
                hint="finish or roll back the gradual deployment; each version is checked",
            )
        )
        for version_id, config in sorted(live.versions.items()):
            if config == live.config:
                continue
            for difference in compare(expected, config, fields=compared, script=live.script):
                findings.append(
                    _finding(env, difference, redact=redact, locate=locate, version=version_id)
                )
    return findings


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):  # a settings table of WorkerConfig
        return value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _unmodelled(env: str, odd: str) -> Finding:
    """An info finding for a live binding or setting envman does not model."""
    kind, _, name = odd.partition(" ")
    if kind == "setting":
        path, what = f"settings.{name}", f"setting {name!r}"
    else:
        path, what = f"bindings.{name or kind}", f"{kind} binding {name!r}"
    return finding(
        "EM410",
        env=env,
        path=path,
        message=f"the live Worker has a {what} that envman does not model (not compared)",
        hint="listed so that nothing live goes unseen; declare it in the wrangler file",
        actual=kind,
    )


def _shares(live: LiveWorker) -> dict[str, float]:
    deployment = live.deployment or {}
    versions = deployment.get("versions") or []
    shares = {
        str(v.get("version_id")): float(v.get("percentage") or 0)
        for v in versions
        if isinstance(v, dict)
    }
    return shares or dict.fromkeys(live.versions, 0.0)


def _finding(
    env: str, difference: Difference, *, redact: Redact, locate: Locate, version: str | None
) -> Finding:
    path = difference.path
    is_secret = difference.loc[0] == "secrets"
    if is_secret:
        name = difference.loc[1]
        code = "EM404" if difference.kind is Kind.MISSING else "EM405"
        message = (
            f"required secret {name} is not set on the live Worker"
            if difference.kind is Kind.MISSING
            else f"the live Worker has secret {name}, which is not declared"
        )
        hint = (
            f"wrangler secret put {name} --env {env}"
            if difference.kind is Kind.MISSING
            else f"declare it in secrets.required, or delete it: wrangler secret delete {name} --env {env}"
        )
        expected: Any = difference.kind is Kind.MISSING or None
        actual: Any = difference.kind is Kind.UNEXPECTED or None
        expected = "present" if expected else None
        actual = "present" if actual else None
    else:
        code = _KIND_CODES[difference.kind]
        expected = redact(path, difference.expected)
        actual = redact(path, difference.actual)
        redacted = expected == REDACTED or actual == REDACTED
        message = _message(difference, redacted)
        hint = _hint(difference, env)
    if version is not None:
        message = f"{message} (in version {version})"
    return finding(
        code,
        env=env,
        path=path,
        message=message,
        hint=hint,
        expected=expected,
        actual=actual,
        kind=difference.kind,
        source=locate(difference.loc),
    )


def _message(difference: Difference, redacted: bool) -> str:
    path = difference.path
    if difference.kind is Kind.MISSING:
        return f"{path} is declared but not on the live Worker"
    if difference.kind is Kind.UNEXPECTED:
        return f"{path} is on the live Worker but not declared"
    if redacted:
        return f"{path} differs from the live value (values redacted: sensitive)"
    detail = explain(difference)
    if detail:
        return f"{path} differs from the live value: " + "; ".join(detail)
    return f"{path} differs from the live value"


def _hint(difference: Difference, env: str) -> str:
    if difference.kind is Kind.UNEXPECTED:
        return (
            "someone added it outside the config (dashboard or API): declare it, or redeploy "
            f"with `wrangler deploy --env {env}` to remove it"
        )
    return (
        "the live Worker was changed outside the config, or the change was never deployed: "
        f"redeploy with `wrangler deploy --env {env}`, or declare the live value"
    )


def unknown_finding(env: str, reason: str) -> Finding:
    """The finding of an environment whose live state could not be read."""
    return finding(
        "EM406",
        env=env,
        path="",
        message=f"live state unknown: {reason}",
        hint="drift could not be determined; fix the cause and run again (exit code 3)",
    )
