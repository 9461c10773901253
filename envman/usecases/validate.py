"""The offline use cases: validate every environment, show one, export the editor schemas."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from envman.codes import finding
from envman.compare import VALIDATE_CODES, apply_ignores, compare, cross_environment, scope_for
from envman.errors import UsageError
from envman.files import present, read_text, write_output
from envman.models import Finding, Report, unique
from envman.project import TOP_LEVEL
from envman.redaction import SECRETS
from envman.schema import credential_findings, export_json_schemas
from envman.workspace import Declared, Workspace, declared
from envman.wrangler import WranglerFile, check_values, resolve, unmanaged_keys
from envman.wrangler import check as wrangler_check


def validate(
    ws: Workspace,
    envs: Sequence[str] = (),
    *,
    today: date | None = None,
    files: bool = True,
    ignores: bool = True,
) -> Report:
    """Validate the selected environments (all by default) and everything across them.

    With `files` (the default), files the config names (the entry point, Dockerfiles) must
    exist under the project root, as wrangler deploy needs them. With `ignores` (the
    default), the `[[ignore]]` rules of envman.toml are applied (`--no-ignore` turns it off).
    """
    today = today or date.today()
    selected = ws.select(envs)
    findings: list[Finding] = []
    decls: dict[str, Declared] = {}
    for env in selected:
        decl = declared(ws, env)
        decls[env] = decl
        findings += decl.findings
        secrets = decl.config.secrets.required if decl.config.secrets else None
        findings += ws.schema.check_env(env, decl.config.vars, secrets, decl.source)
        findings += credential_findings(
            ws.schema,
            env,
            decl.config.vars,
            decl.source,
            protected=env in ws.project.protected,
            seen=SECRETS.add,
        )
        if not ws.zero_setup:
            findings += check_values(
                decl.raw,
                env=env,
                today=today,
                locate=decl.source,
                worker_name=ws.worker_name(env, decl.config),
                name_derived=decl.config.name is None,
                root=ws.root if files else None,
                shapes=True,
                skip={f.path.split(".", 1)[0] for f in decl.findings},
            )
    findings += cross_environment(
        {env: d.config for env, d in decls.items()},
        ws.envs,
        {env: ws.worker_name(env, d.config) for env, d in decls.items()},
        lambda env, loc: decls[env].source(loc),
        pipeline=not ws.zero_setup,
    )
    if ws.wrangler is not None:
        checked = selected if ws.zero_setup else (TOP_LEVEL, *selected)
        found = wrangler_check(
            ws.wrangler,
            today=today,
            files=files,
            envs=[e for e in checked if e == TOP_LEVEL or e in ws.wrangler.env_names],
        )
        top = ws.project.top_level
        findings += [  # the top level's findings are its stage's when envman.toml maps it
            f.model_copy(update={"env": top}) if top and f.env == TOP_LEVEL else f for f in found
        ]
        if not ws.zero_setup:
            findings += wrangler_consistency(ws, ws.wrangler, decls)
        findings += _unmanaged(ws.wrangler)
    if ignores:
        findings = accept(ws, findings, today=today, codes=VALIDATE_CODES, envs=selected)
    return Report(command="validate", envs=selected, findings=unique(findings))


def accept(
    ws: Workspace,
    findings: Sequence[Finding],
    *,
    today: date,
    codes: tuple[str, ...],
    envs: Sequence[str],
) -> list[Finding]:
    """`findings` with the project's `[[ignore]]` rules applied, for a run over `envs`."""
    rules = ws.ignore_rules()
    if not rules:
        return list(findings)
    top_level = ws.wrangler is not None and ws.project.top_level is None
    scope = scope_for(codes, envs, ws.envs, top_level=top_level)
    return apply_ignores(findings, rules, today=today, scope=scope)


def wrangler_consistency(
    ws: Workspace, wf: WranglerFile, decls: dict[str, Declared]
) -> list[Finding]:
    """EM300-EM302: each environment file against its `[env.NAME]` as wrangler resolves it.

    The environment envman.toml maps to the top level (`top_level`) is compared with the
    top level instead.
    """
    findings: list[Finding] = []
    for env, decl in decls.items():
        wrangler_env = ws.wrangler_env(env)
        if wrangler_env != TOP_LEVEL and env not in wf.env_names:
            findings.append(
                finding(
                    "EM301",
                    env=env,
                    path=f"env.{env}",
                    message=f"{wf.document.path} has no [env.{env}] section",
                    hint=f"`envman sync {env}` writes it from the environment file; if "
                    f"wrangler's top level is {env}, say so with top_level = {env!r} in "
                    "envman.toml",
                    source=wf.document.source(()),
                )
            )
            continue
        resolved = resolve(wf, wrangler_env)
        section = section_label(ws, env)
        for difference in compare(decl.config, resolved.config()):
            loc = difference.loc
            findings.append(
                finding(
                    "EM300",
                    env=env,
                    path=difference.path,
                    message=_consistency_message(
                        difference.kind.value, difference.path, wf.document.path, env, section
                    ),
                    hint=f"edit {decl.document.path if decl.document else 'the environment file'}"
                    f" (the source of truth), then `envman sync {env}` writes {section} of "
                    f"{wf.document.path}",
                    expected=ws.schema.redact(difference.path, difference.expected),
                    actual=ws.schema.redact(difference.path, difference.actual),
                    kind=difference.kind,
                    source=resolved.source(loc)
                    if difference.actual is not None
                    else decl.source(loc),
                )
            )
    for name in wf.env_names:
        if name not in ws.envs or name == ws.project.top_level:
            findings.append(
                finding(
                    "EM302",
                    env=name,
                    path=f"env.{name}",
                    message=f"[env.{name}] in {wf.document.path} is not an environment in envman.toml",
                    hint="add it to `environments` in envman.toml, or remove the section",
                    source=wf.document.source(("env", name)),
                )
            )
    return findings


def _unmanaged(wf: WranglerFile) -> list[Finding]:
    """EM365, once per run: the wrangler keys envman keeps as they are but does not manage."""
    keys = unmanaged_keys(wf)
    if not keys:
        return []
    return [
        finding(
            "EM365",
            env=None,
            path="",
            message=f"not managed by envman: {', '.join(keys)}",
            hint="envman keeps these keys byte for byte in every edit, but does not show, "
            "compare or promote them",
            source=wf.document.source(()),
        )
    ]


def section_label(ws: Workspace, env: str) -> str:
    """How messages name the part of the wrangler file `env` deploys: `[env.X]` or the top level."""
    return "the top level" if ws.wrangler_env(env) == TOP_LEVEL else f"[env.{env}]"


def _consistency_message(kind: str, path: str, wrangler_path: str, env: str, section: str) -> str:
    if kind == "missing":
        return f"{path} is declared for {env} but missing from {section} in {wrangler_path}"
    if kind == "unexpected":
        return f"{path} is in {section} of {wrangler_path} but not declared for {env}"
    return f"{path} differs between the environment file and {section} in {wrangler_path}"


# --------------------------------------------------------------------------- show


def show(ws: Workspace, env: str, *, source: str = "declared") -> dict[str, Any]:
    """One environment's fully resolved config in wrangler's shape, sensitive vars redacted."""
    ws.select([env])
    if source == "declared":
        config = declared(ws, env).config
    elif source == "wrangler":
        if ws.wrangler is None:
            raise UsageError("this project has no wrangler file")
        wrangler_env = ws.wrangler_env(env)
        if wrangler_env != TOP_LEVEL and env not in ws.wrangler.env_names:
            raise UsageError(f"{ws.wrangler.document.path} has no [env.{env}] section")
        config = resolve(ws.wrangler, wrangler_env).config()
    else:
        raise UsageError(f"unknown source {source!r}; use declared or wrangler")
    data = config.to_wrangler()
    for name in list(data.get("vars", {})):
        data["vars"][name] = ws.schema.redact(f"vars.{name}", data["vars"][name])
    return data


# --------------------------------------------------------------------------- schema export


def export_schemas(
    ws: Workspace, *, out_dir: Path | None = None, check: bool = False
) -> dict[str, str]:
    """Write the editor JSON Schemas into schemas/ (or `out_dir`); name -> written/unchanged/stale."""
    folder = out_dir or ws.root / "schemas"
    result: dict[str, str] = {}
    for name, text in sorted(export_json_schemas(ws.schema).items()):
        path = folder / name
        current = read_text(path, allow_empty=True) if present(path) else None
        if current == text:
            result[name] = "unchanged"
        elif check:
            result[name] = "stale" if current is not None else "missing"
        else:
            write_output(path, text)
            result[name] = "written"
    return result
