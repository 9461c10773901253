"""Rules across environments: shared resources, names and routes, date order, bindings not
everywhere."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date

from envman.bindings import MODELLED
from envman.codes import finding
from envman.config import WorkerConfig
from envman.models import Finding, Source

Locate = Callable[[str, tuple[str | int, ...]], Source | None]
"""(env, loc) -> where that value was written."""


def cross_environment(
    configs: Mapping[str, WorkerConfig],
    order: Sequence[str],
    worker_names: Mapping[str, str | None],
    locate: Locate,
    *,
    pipeline: bool = True,
) -> list[Finding]:
    """Every cross-environment finding for `configs`, environments taken in pipeline `order`.

    Without a pipeline (a plain wrangler project, whose top level is not a stage) only
    shared resources and names are checked: date order needs stages, and a binding
    missing from an env is already wrangler's own not-inherited warning (EM314).
    """
    envs = [env for env in order if env in configs]
    findings: list[Finding] = []
    findings += _shared_resources(configs, envs, locate)
    findings += _shared_names(worker_names, envs, locate)
    findings += _shared_routes(configs, envs, worker_names, locate)
    if pipeline:
        findings += _date_order(configs, envs, locate)
        findings += _bindings_everywhere(configs, envs, locate)
    return findings


def _finding(
    code: str, env: str, path: str, message: str, hint: str, source: Source | None
) -> Finding:
    return finding(
        code,
        env=env,
        path=path,
        message=message,
        hint=hint,
        source=source,
    )


def _resources(config: WorkerConfig) -> list[tuple[str, str, str, str]]:
    """(kind label, value, path, loc field) of every resource id the config points at."""
    found: list[tuple[str, str, str, str]] = []
    for kind in MODELLED:
        if kind.shared is None or kind.map_key is None:
            continue
        for name, entry in kind.entries(config).items():
            value = getattr(entry, kind.map_key, None)
            if isinstance(value, str) and value:
                found.append((kind.shared, value, f"{kind.path}.{name}", kind.map_key))
    return found


def _shared_resources(
    configs: Mapping[str, WorkerConfig], envs: Sequence[str], locate: Locate
) -> list[Finding]:
    owner: dict[tuple[str, str], tuple[str, str]] = {}
    findings: list[Finding] = []
    for env in envs:
        seen_here: set[tuple[str, str]] = set()
        for label, value, path, key in _resources(configs[env]):
            ident = (label, value)
            if ident in seen_here:
                continue
            seen_here.add(ident)
            if ident in owner and owner[ident][0] != env:
                first_env, first_path = owner[ident]
                loc = (*path.split("."), key)
                findings.append(
                    _finding(
                        "EM201",
                        env,
                        path,
                        f"{label} {value!r} is also used by {first_env} ({first_path})",
                        f"give {env} its own {label}; sharing one lets {env} change "
                        f"{first_env}'s data",
                        locate(env, loc),
                    )
                )
            else:
                owner.setdefault(ident, (env, path))
    return findings


def _shared_names(
    worker_names: Mapping[str, str | None], envs: Sequence[str], locate: Locate
) -> list[Finding]:
    first: dict[str, str] = {}
    findings: list[Finding] = []
    for env in envs:
        name = worker_names.get(env)
        if not name:
            continue
        if name in first:
            findings.append(
                _finding(
                    "EM202",
                    env,
                    "name",
                    f"Worker name {name!r} is also the Worker of {first[name]}",
                    "each environment must deploy its own Worker; set a distinct `name`",
                    locate(env, ("name",)),
                )
            )
        else:
            first[name] = env
    return findings


def _shared_routes(
    configs: Mapping[str, WorkerConfig],
    envs: Sequence[str],
    worker_names: Mapping[str, str | None],
    locate: Locate,
) -> list[Finding]:
    """A route or custom domain two Workers declare: it can serve only one of them, so the
    second deploy fails (a route) or takes it from the first (a custom domain). Each
    environment that declares it is told (which one to change is the user's choice)."""
    holders: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
    for env in envs:
        for index, route in enumerate(configs[env].routes or ()):
            what = "custom domain" if route.custom_domain else "route"
            holders.setdefault((what, _route_key(route.pattern)), []).append(
                (env, index, route.pattern)
            )
    findings: list[Finding] = []
    for (what, _), held in holders.items():
        for env, index, pattern in held:
            others = [o for o, _, _ in held if worker_names.get(o) != worker_names.get(env)]
            if not others:
                continue  # one Worker (two environments sharing it are EM202)
            findings.append(
                _finding(
                    "EM205",
                    env,
                    "routes",
                    f"{what} {pattern!r} is also deployed by {', '.join(dict.fromkeys(others))}",
                    f"give each environment its own {what}: it serves one Worker, and "
                    + (
                        "deploying the second fails"
                        if what == "route"
                        else "deploying one takes it from the other"
                    ),
                    locate(env, ("routes", index)),
                )
            )
    return findings


def _route_key(pattern: str) -> str:
    """A route pattern as Cloudflare matches it: no scheme, the host in lower case."""
    rest = pattern.split("://", 1)[-1]
    host, slash, path = rest.partition("/")
    return host.lower() + slash + path


def _date_order(
    configs: Mapping[str, WorkerConfig], envs: Sequence[str], locate: Locate
) -> list[Finding]:
    findings: list[Finding] = []
    previous: tuple[str, date] | None = None
    for env in envs:
        parsed = _date(configs[env].compatibility_date)
        if parsed is None:
            continue
        if previous is not None and parsed > previous[1]:
            findings.append(
                _finding(
                    "EM203",
                    env,
                    "compatibility_date",
                    f"{env} uses compatibility_date {parsed.isoformat()}, newer than "
                    f"{previous[0]}'s {previous[1].isoformat()}",
                    f"a later stage must run what the earlier one tested: promote the date "
                    f"through {previous[0]} first",
                    locate(env, ("compatibility_date",)),
                )
            )
        previous = (env, parsed)
    return findings


def _bindings_everywhere(
    configs: Mapping[str, WorkerConfig], envs: Sequence[str], locate: Locate
) -> list[Finding]:
    if len(envs) < 2:
        return []
    names = {
        env: {
            (kind, name)
            for kind, name in configs[env].binding_names()
            if kind not in {"vars", "secrets.required"}
        }
        for env in envs
    }
    findings: list[Finding] = []
    for env in envs:
        for kind, name in sorted(set().union(*names.values()) - names[env]):
            holders = [e for e in envs if (kind, name) in names[e]]
            findings.append(
                _finding(
                    "EM204",
                    env,
                    f"{kind}.{name}",
                    f"binding {name!r} ({kind}) exists in {', '.join(holders)} but not in {env}",
                    "declare it here too (with this environment's own resource), or remove it "
                    "everywhere",
                    locate(env, (kind.split(".")[0],)),
                )
            )
    return findings


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
