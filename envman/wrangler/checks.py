"""The checks of a wrangler file (check): every environment as wrangler resolves it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from envman.codes import severity_of
from envman.models import Finding, Source
from envman.parse import Loc
from envman.project import TOP_LEVEL
from envman.wrangler.bindings import entries
from envman.wrangler.findings import Ctx, kind_of, labelled
from envman.wrangler.keys import BINDINGS, NOT_INHERITED, REMOVED, TOP_LEVEL_ONLY
from envman.wrangler.read import ResolvedEnv, WranglerFile, ignored, resolve
from envman.wrangler.schema_findings import check_shapes
from envman.wrangler.values import check_values


def check(
    wf: WranglerFile,
    *,
    today: dt.date,
    envs: Sequence[str] | None = None,
    files: bool = False,
) -> list[Finding]:
    """Everything wrangler (and Cloudflare at deploy) would reject or warn about, per environment.

    Checks the top level and every `[env.X]` (or only `envs`; UsageError for an unknown
    one), each as wrangler resolves it. A problem in a value several environments share
    (an inherited key) is reported once, under the first checked environment that uses it
    (the top level when it is checked), since one edit fixes it everywhere. Findings are
    sorted by (env, path); each has a located Source. With `files`, paths the config
    names (the entry point, container Dockerfiles) are looked up beside the file.
    """
    order = (TOP_LEVEL, *wf.env_names)
    if envs is not None:
        for env in envs:
            if env not in order:
                resolve(wf, env)  # raises the UsageError with a suggestion
        order = tuple(e for e in order if e in envs)
    findings: list[Finding] = []
    for env in order:
        resolved = resolve(wf, env)
        ctx = Ctx(
            env,
            resolved.source,
            resolved.document_loc,
            wf.document.format == "toml",
            raw=resolved.raw,
        )
        _check_document(ctx, wf, resolved)
        ctx.findings += check_values(
            resolved.raw,
            env=env,
            today=today,
            locate=resolved.source,
            worker_name=resolved.worker_name,
            name_derived=resolved.name_derived,
            origin=resolved.origin,
            root=wf.path.parent if files else None,
            top=env == TOP_LEVEL,
            document=wf.document.data,
        )
        findings += ctx.findings
    for loc, (line, column) in wf.duplicates:
        env = str(loc[1]) if len(loc) > 1 and loc[0] == "env" else TOP_LEVEL
        path = _duplicate_path(wf, env, loc)
        if env in order:
            findings.append(
                Finding(
                    code="EM005",
                    severity=severity_of("EM005"),
                    env=env,
                    path=path,
                    message=f"{path} is written twice in one object; wrangler uses the last one",
                    hint="delete the earlier one (this one)",
                    source=Source(file=wf.document.path, line=line, column=column),
                )
            )
    return _unique_sorted(findings)


def _duplicate_path(wf: WranglerFile, env: str, loc: Loc) -> str:
    """The path of a key written twice, at `loc` of the document, as findings name it."""
    if env == TOP_LEVEL:
        return labelled(wf.document.data, loc)
    envs = wf.document.data.get("env")
    table = envs.get(env) if isinstance(envs, dict) else None
    return labelled(table if isinstance(table, dict) else {}, loc[2:]) or f"env.{env}"


def _unique_sorted(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for f in findings:
        where = (f.source.file, f.source.line, f.source.column) if f.source else None
        key = (f.code, f.path, f.message, where)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return sorted(
        unique,
        key=lambda f: (
            f.env or "",
            f.path,
            f.code,
            (f.source.line or 0) if f.source else 0,
            (f.source.column or 0) if f.source else 0,
            f.message,
        ),
    )


def _check_document(ctx: Ctx, wf: WranglerFile, resolved: ResolvedEnv) -> None:
    """What needs the file, not only the resolved config: keys, types, inheritance, required."""
    data, doc = wf.document.data, wf.document
    top = ctx.env == TOP_LEVEL
    own: dict[str, Any] = data if top else data["env"][ctx.env]
    table = resolved.table
    for key, value in own.items():
        if ignored(key, value):
            ctx.add(
                "EM340",
                (key,),
                key,
                f"`{key}` is empty; wrangler ignores it"
                + ("" if top else f" and [env.{ctx.env}] inherits the top level's {key}"),
                hint=f"delete the empty `{key}`",
                source=doc.source((*table, key)),
            )
        elif not top and key in TOP_LEVEL_ONLY:
            ctx.add(
                "EM315",
                (key,),
                key,
                f"`{key}` has no effect in [env.{ctx.env}]; wrangler reads it at the top level",
                hint=f"move `{key}` to the top level; it applies to every environment",
                source=doc.source((*table, key)),
            )
    if top:
        _check_env_table(ctx, data)
    _check_removed(ctx, resolved.raw)
    check_shapes(ctx, resolved.raw, top=top)
    if not top:
        _check_inheritance(ctx, data, own, resolved)
    _check_required(ctx, data, resolved)


def _check_env_table(ctx: Ctx, data: Mapping[str, Any]) -> None:
    envs = data.get("env")
    if "env" in data and not isinstance(envs, dict):
        ctx.add(
            "EM311",
            ("env",),
            "env",
            f"`env` must be a table of environments, not {kind_of(envs)}",
            hint="write each environment as [env.NAME]",
        )
        return
    for name, value in (envs or {}).items():
        if not isinstance(value, dict):
            ctx.add(
                "EM311",
                ("env", name),
                f"env.{name}",
                f"env.{name} must be a table, not {kind_of(value)}; wrangler ignores it",
                hint=f"write it as [env.{name}]",
            )


def _check_removed(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    """EM323: keys wrangler removed and now refuses."""
    for key in REMOVED:
        if key not in raw:
            continue
        flags = raw.get("compatibility_flags")
        has_flag = key == "node_compat" and isinstance(flags, list) and "nodejs_compat" in flags
        ctx.add(
            "EM323",
            (key,),
            key,
            f"`{key}` was removed from wrangler; it is now an error",
            hint="nodejs_compat is already in compatibility_flags: delete `node_compat`"
            if has_flag
            else REMOVED[key],
        )


def _check_inheritance(
    ctx: Ctx, data: Mapping[str, Any], own: Mapping[str, Any], r: ResolvedEnv
) -> None:
    """EM314 (not inherited), EM366 (define), EM324 (inherited custom domain), for env `r`."""
    doc, env = r.document, ctx.env
    for key in NOT_INHERITED:
        if key not in data or data[key] is None:
            continue
        if key not in own:
            ctx.add(
                "EM314",
                (key,),
                key,
                f"`{key}` exists at the top level but not in [env.{env}]; environments do not "
                f"inherit it, so the {env} Worker gets none",
                hint=f"declare `{key}` in [env.{env}] with this environment's own values",
                source=doc.source(r.table),
            )
            continue
        if not isinstance(own[key], dict | list) or type(own[key]) is not type(data[key]):
            continue  # its type is wrong (EM311/EM319), so there are no names to compare
        own_names = _names_of(key, own[key])
        for path in _names_of(key, data[key]):
            if path not in own_names:
                ctx.add(
                    "EM314",
                    (key,),
                    path,
                    f"{path} exists at the top level but not in [env.{env}]; "
                    "environments do not inherit it",
                    hint=f"add it to [env.{env}] with this environment's own value",
                    source=doc.source((*r.table, key)),
                )
    _check_define(ctx, data.get("define"), own.get("define"))
    key = "routes" if "routes" in r.raw else "route"
    if key not in r.raw or r.origin[key][0] == "env":
        return  # wrangler deploys `routes`, else `route`: here the environment's own
    entries = r.raw[key] if key == "routes" else [r.raw[key]]
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and entry.get("custom_domain") is True:
            loc = (key, index) if key == "routes" else (key,)
            ctx.add(
                "EM324",
                loc,
                key,
                f"[env.{env}] inherits the custom domain {entry.get('pattern')!r} from the top "
                "level; each environment's Worker would take the domain over",
                hint=f"give [env.{env}] its own routes, or routes = [] to deploy it without any",
            )


def _check_define(ctx: Ctx, top: Any, own: Any) -> None:
    """EM366: an environment's define key the top level's (non-empty) define lacks."""
    if not (isinstance(top, dict) and top and isinstance(own, dict)):
        return
    for key in own:
        if key not in top:
            ctx.add(
                "EM366",
                ("define", key),
                f"define.{key}",
                f"define.{key} is in [env.{ctx.env}] but not in the top level's define; "
                "an environment's define can only override top-level ones",
                hint=f"add define.{key} at the top level too, or delete it here",
            )


def _names_of(key: str, value: Any) -> list[str]:
    """The paths of the names a non-inherited key declares (`vars.X`, `kv_namespaces.X`…)."""
    if key in ("vars", "define"):
        return [f"{key}.{name}" for name in value] if isinstance(value, dict) else []
    kinds = [k for k in BINDINGS if k.split(".")[0] == key]
    return [path for kind in kinds for _, _, path, name in entries(kind, {key: value}) if name]


def _check_required(ctx: Ctx, data: Mapping[str, Any], r: ResolvedEnv) -> None:
    """EM312: a name, a compatibility_date and an entry point, as `wrangler deploy` needs them.

    What neither the top level nor any environment sets is one finding, located at the
    file; what only some environments lack is reported for each of them.
    """
    envs = data.get("env")
    tables = [
        data,
        *(v for v in (envs.values() if isinstance(envs, dict) else ()) if isinstance(v, dict)),
    ]
    where = "at the top level" if ctx.env == TOP_LEVEL else f"in [env.{ctx.env}] (nor inherited)"

    def has_name(table: Mapping[str, Any]) -> bool:
        return isinstance(table.get("name"), str) and bool(table["name"])

    def has_entry(table: Mapping[str, Any]) -> bool:
        assets = table.get("assets")
        return "main" in table or (isinstance(assets, dict) and "directory" in assets)

    # A Pages project needs no entry point; with [site], wrangler falls back to "workers-site".
    entry_elsewhere = "pages_build_output_dir" in data or "site" in data
    rules = (
        ("name", "Worker `name`", r.worker_name is None, has_name, 'set name = "my-worker"'),
        (
            "compatibility_date",
            "`compatibility_date`",
            "compatibility_date" not in r.raw,
            lambda t: "compatibility_date" in t,
            'set compatibility_date = "YYYY-MM-DD" (not in the future) at the top level',
        ),
        (
            "main",
            "entry point (`main`, or an assets directory)",
            not entry_elsewhere and not has_entry(r.raw),
            has_entry,
            'set main = "src/index.ts", or [assets] directory = "./public" for a static site',
        ),
    )
    for key, what, absent, sets, hint in rules:
        if not absent:
            continue
        if not any(sets(t) for t in tables):
            message, source = f"no {what} anywhere in the file", Source(file=r.document.path)
        else:
            message, source = f"no {what} {where}", r.document.source(r.table)
        ctx.add(
            "EM312", (key,), key, f"{message}; wrangler deploy needs one", hint=hint, source=source
        )
