"""The live use cases: drift, snapshot and check, and reading live state (or a snapshot) for them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from envman.config import WorkerConfig
from envman.errors import InputError
from envman.models import Finding, LiveWorker, Report, Snapshot, unique, validated
from envman.project import TOP_LEVEL
from envman.redaction import REDACTED, SECRETS
from envman.usecases.validate import accept, validate
from envman.workspace import Declared, Workspace, declared


@dataclass(frozen=True)
class LiveOptions:
    """How to read live state: from Cloudflare (settings overrides) or from a saved snapshot."""

    live_from: Path | None = None
    concurrency: int | None = None
    timeout: float | None = None
    rate_limit: int | None = None
    environ: dict[str, str] | None = None
    shards: int = 1
    """How many shards share the token: each takes 1/shards of the default request budget."""


def _settings(options: LiveOptions) -> Any:
    from envman.settings import load_settings

    settings = load_settings(
        options.environ,
        concurrency=options.concurrency,
        timeout=options.timeout,
        rate_limit_requests=options.rate_limit,
    )
    if options.rate_limit is None and options.shards > 1:
        share = max(1, settings.rate_limit_requests // options.shards)
        settings = settings.model_copy(update={"rate_limit_requests": share})
    return settings


def _account_id(ws: Workspace, settings: Any) -> str:
    account = settings.cloudflare_account_id
    if not account:
        account = ws.project.account_id
    if not account and ws.wrangler is not None:
        value = ws.wrangler.document.data.get("account_id")
        account = value if isinstance(value, str) else None
    return account or ""


def _targets(ws: Workspace, decls: dict[str, Declared], *, everything: bool) -> list[Any]:
    from envman.live import Target, host_of

    targets = []
    for env, decl in decls.items():
        routes = [r for r in decl.config.routes or () if not r.custom_domain]
        zones = sorted({r.zone_id or r.zone_name or "" for r in routes if r.zone_id or r.zone_name})
        hosts = sorted({host_of(r.pattern) for r in routes if not (r.zone_id or r.zone_name)})
        script = ws.worker_name(env, decl.config) or env
        target = Target(env=env, script=script, zones=tuple(zones), hosts=tuple(hosts))
        if not everything:
            target = replace(target, reads=_declared_reads(decl))
        targets.append(target)
    return targets


def _declared_reads(decl: Declared) -> frozenset[str]:
    """The optional live reads whose fields this environment declares (the rest are not compared)."""
    config = decl.config
    reads = {
        "secrets": config.secrets is not None,
        "schedules": config.triggers is not None,
        "subdomain": config.workers_dev is not None or config.preview_urls is not None,
        "routes": config.routes is not None,
        "migrations": config.migrations is not None,
    }
    return frozenset(name for name, needed in reads.items() if needed)


def read_live_state(
    ws: Workspace,
    decls: dict[str, Declared],
    options: LiveOptions,
    progress: Any = None,
    *,
    everything: bool = True,
) -> tuple[dict[str, LiveWorker], dict[str, str]]:
    """Live Workers of `decls` by environment, and the environments that could not be read.

    With `everything=False` only what the environments declare is read (for drift).
    """
    workers, errors, _ = read_live_counted(ws, decls, options, progress, everything=everything)
    return workers, errors


def read_live_counted(
    ws: Workspace,
    decls: dict[str, Declared],
    options: LiveOptions,
    progress: Any = None,
    *,
    everything: bool = True,
) -> tuple[dict[str, LiveWorker], dict[str, str], int]:
    """`read_live_state` and the number of requests it made (0 from a snapshot)."""
    if options.live_from is not None:
        return (*_from_snapshot(ws, decls, options.live_from), 0)
    from envman.live import read_live_sync

    settings = _settings(options)
    result = read_live_sync(
        _targets(ws, decls, everything=everything),
        settings=settings,
        account_id=_account_id(ws, settings),
        progress=progress,
    )
    workers = {
        env: worker.model_copy(update={"unsupported": tuple(result.unsupported.get(env, ()))})
        for env, worker in result.workers.items()
    }
    sensitive = ws.schema.sensitive_names()
    for worker in workers.values():
        for config in (worker.config, *worker.versions.values()):
            vars_ = config.vars if config is not None else None
            SECRETS.add_all(v for name, v in (vars_ or {}).items() if name in sensitive)
    return workers, dict(result.errors), result.requests


def _from_snapshot(
    ws: Workspace, decls: dict[str, Declared], path: Path
) -> tuple[dict[str, LiveWorker], dict[str, str]]:
    from envman.files import read_text
    from envman.parse import parse_jsonc

    # The JSONC parser: located syntax errors and a bound on nesting, unlike json.loads.
    raw = parse_jsonc(read_text(path, str(path)), str(path)).data
    snapshot, problems = validated(Snapshot, raw)
    if snapshot is None:
        first = problems[0]
        where = ".".join(str(p) for p in first.loc)
        raise InputError(f"not an envman snapshot: {where}: {first.message}", file=str(path))
    by_env = {w.env: w for w in snapshot.workers}
    by_script = {w.script: w for w in snapshot.workers}
    workers: dict[str, LiveWorker] = {}
    errors: dict[str, str] = {}
    sensitive = ws.schema.sensitive_names()
    for env, decl in decls.items():
        script = ws.worker_name(env, decl.config) or env
        worker = by_script.get(script) or by_env.get(env)
        if worker is None:
            errors[env] = f"{path} holds no Worker for {env} ({script})"
        else:
            workers[env] = _presence_only(worker, decl.config.vars or {}, sensitive)
    return workers, errors


def _presence_only(
    worker: LiveWorker, declared: dict[str, Any], sensitive: frozenset[str]
) -> LiveWorker:
    """A snapshot's `<redacted>` sensitive vars compared by presence: they take the declared value.

    A snapshot never holds a sensitive value, so offline drift cannot tell whether it
    changed; that it is set (or missing, or unexpected) is still compared.
    """

    def restore(config: WorkerConfig | None) -> WorkerConfig | None:
        if config is None or not config.vars:
            return config
        values = {
            name: declared[name]
            if value == REDACTED and name in sensitive and name in declared
            else value
            for name, value in config.vars.items()
        }
        return config.model_copy(update={"vars": values})

    return worker.model_copy(
        update={
            "config": restore(worker.config),
            "versions": {vid: restore(c) for vid, c in worker.versions.items()},
        }
    )


def _redacted(worker: LiveWorker, sensitive: frozenset[str]) -> LiveWorker:
    """`worker` with each sensitive var's value replaced by `<redacted>`, for a snapshot file."""

    def hide(config: WorkerConfig | None) -> WorkerConfig | None:
        if config is None or not config.vars or not sensitive & config.vars.keys():
            return config
        values = {n: REDACTED if n in sensitive else v for n, v in config.vars.items()}
        return config.model_copy(update={"vars": values})

    return worker.model_copy(
        update={
            "config": hide(worker.config),
            "versions": {vid: hide(c) for vid, c in worker.versions.items()},
        }
    )


def drift(
    ws: Workspace,
    envs: Sequence[str] = (),
    *,
    options: LiveOptions | None = None,
    today: date | None = None,
    progress: Any = None,
    ignores: bool = True,
    attribution: bool = True,
    shard: tuple[int, int] | None = None,
) -> Report:
    """Compare each selected environment's declared config with its live Worker.

    With `attribution`, each drift finding says who changed the live value, when and how
    (from the Worker's versions and deployments, and the account audit log where readable).
    `shard` (index, count) checks only that stable slice of the environments. With `ignores`
    (the default) the `[[ignore]]` rules of envman.toml are applied.
    """
    return drift_state(
        ws,
        envs,
        options=options,
        today=today,
        progress=progress,
        attribution=attribution,
        shard=shard,
        ignores=ignores,
    ).report


@dataclass(frozen=True)
class DriftState:
    """A drift run: its report, and the declared and live configs it compared (for fixing)."""

    report: Report
    decls: dict[str, Declared]
    workers: dict[str, LiveWorker]


def drift_state(
    ws: Workspace,
    envs: Sequence[str] = (),
    *,
    options: LiveOptions | None = None,
    today: date | None = None,
    progress: Any = None,
    attribution: bool = True,
    shard: tuple[int, int] | None = None,
    ignores: bool = True,
) -> DriftState:
    """`drift`, keeping what it read."""
    from envman import compare
    from envman.usecases.merge import shard_envs

    today = today or date.today()
    selected = shard_envs(ws.select(envs), shard)
    decls = {env: declared(ws, env) for env in selected}
    options = options or LiveOptions()
    if shard is not None:
        options = replace(options, shards=shard[1])
    workers, errors, requests = read_live_counted(ws, decls, options, progress, everything=False)
    findings: list[Finding] = []
    for env in selected:
        decl = decls[env]
        if env in errors:
            findings.append(compare.unknown_finding(env, errors[env]))
            continue
        findings += compare.worker_findings(
            env,
            decl.config,
            workers[env],
            redact=ws.schema.redact,
            locate=decl.source,
        )
    if attribution and options.live_from is None:
        from envman.usecases.attribution import attribute

        settings = _settings(options)
        account = _account_id(ws, settings)
        findings = attribute(
            findings, workers, settings=settings, account_id=account, used=requests
        )
    if ignores:
        read = [env for env in selected if env not in errors]
        findings = accept(ws, findings, today=today, codes=compare.DRIFT_CODES, envs=read)
    report = Report(
        command="drift",
        envs=selected,
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        unknown=errors,
        shard=f"{shard[0]}/{shard[1]}" if shard else None,
    )
    return DriftState(report=report, decls=decls, workers=workers)


def snapshot(
    ws: Workspace,
    envs: Sequence[str] = (),
    *,
    options: LiveOptions | None = None,
    progress: Any = None,
) -> Snapshot:
    """Read and normalise live state of the selected environments, for `drift --live-from`.

    Secrets are names only (Cloudflare never returns their values), and the value of
    every sensitive var is `<redacted>`: a snapshot is a file people pass around.
    """
    from datetime import UTC, datetime

    options = replace(options or LiveOptions(), live_from=None)
    selected = ws.select(envs)
    decls = {env: declared(ws, env) for env in selected}
    workers, errors = read_live_state(ws, decls, options, progress)
    if errors:
        from envman.errors import LiveStateError

        raise LiveStateError(
            "could not read live state of "
            + "; ".join(f"{env}: {why}" for env, why in sorted(errors.items()))
        )
    settings = _settings(options)
    sensitive = ws.schema.sensitive_names()
    return Snapshot(
        taken_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        account_id=_account_id(ws, settings) or None,
        workers=tuple(_redacted(workers[env], sensitive) for env in selected),
    )


def check(
    ws: Workspace,
    env: str,
    *,
    options: LiveOptions | None = None,
    today: date | None = None,
    ignores: bool = True,
) -> Report:
    """The pre-deploy gate for one environment: validate + wrangler + drift + secrets present.

    With `ignores` (the default) the `[[ignore]]` rules of envman.toml are applied once,
    over validate's and drift's findings together.
    """
    from envman.compare import CHECK_CODES

    today = today or date.today()
    ws.select([env])
    validated = validate(ws, [env], today=today, ignores=False)
    drifted = drift(ws, [env], options=options, today=today, ignores=False)
    top = ws.project.top_level or TOP_LEVEL
    relevant = [f for f in validated.findings if f.env in (env, top, None)]
    findings = [*relevant, *drifted.findings]
    if ignores:
        read = [env] if env not in drifted.unknown else []
        findings = accept(ws, findings, today=today, codes=CHECK_CODES, envs=read)
    return Report(
        command="check",
        envs=(env,),
        findings=unique(findings),
        unknown=drifted.unknown,
    )


@dataclass(frozen=True)
class Delivery:
    """What became of a drift notification: sent or not, and why it failed if it did."""

    sent: bool
    failure: str | None = None


def notify(
    ws: Workspace,
    report: Report,
    *,
    url: str,
    when: str,
    allow_private: bool = False,
    required: bool = False,
) -> Delivery:
    """Post a drift notification to `url` when `when` says so.

    A webhook that fails is a `Delivery.failure` (the drift result stands) unless
    `required`, when its NotifyError is raised (exit 3).
    """
    from envman.errors import NotifyError
    from envman.report import notify as send

    try:
        sent = send(
            ws.root,
            report,
            url=url,
            when=when,
            project=ws.project.worker,
            allow_private=allow_private,
        )
    except NotifyError as e:
        if required:
            raise
        return Delivery(sent=False, failure=e.message + (f"; {e.hint}" if e.hint else ""))
    return Delivery(sent=sent)
