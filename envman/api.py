"""The use cases behind every command: each takes plain arguments and returns a value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envman.codes import finding
from envman.errors import InputError, UsageError
from envman.files import Document, Loc
from envman.loading import (
    EnvironmentFile,
    check_env_name,
    find_root,
    load_environment,
    load_project,
)
from envman.models import (
    Finding,
    Project,
    Report,
    Source,
    WorkerConfig,
    model_keys,
    validated,
)
from envman.wrangler import (
    TOP_LEVEL,
    WranglerFile,
    find_wrangler_file,
    read_wrangler,
    resolve,
)

if TYPE_CHECKING:
    from envman.history import (
        apply_rollback,
        audit_log,
        audit_show,
        audit_verify,
        propose_rollback,
    )
    from envman.livecheck import LiveOptions, check, drift, notify, read_live_state, snapshot
    from envman.promotion import apply as apply_promotion
    from envman.promotion import diff, propose
    from envman.schema import Schema


@dataclass
class Workspace:
    """An opened project: envman.toml (or none), the wrangler file, the schema, the environments.

    In zero-setup mode (no envman.toml) the environments are the wrangler file's top
    level plus each `[env.X]`, resolved the way wrangler resolves them.
    """

    root: Path
    project: Project | None
    project_document: Document | None
    wrangler: WranglerFile | None
    schema: Schema
    envs: tuple[str, ...]
    _declared: dict[str, EnvironmentFile] = field(default_factory=dict)

    @property
    def zero_setup(self) -> bool:
        return self.project is None

    def select(self, names: Sequence[str]) -> tuple[str, ...]:
        """The environments named on the command line (all when none), checked to exist."""
        for name in names:
            check_env_name(name, self.envs)
        return tuple(names) or self.envs

    def environment_file(self, env: str) -> EnvironmentFile:
        if env not in self._declared:
            assert self.project is not None
            self._declared[env] = load_environment(self.root, self.project, env)
        return self._declared[env]

    def worker_name(self, env: str, config: WorkerConfig | None) -> str | None:
        """The Worker an environment deploys to: its `name`, else `<worker>-<env>`."""
        if config is not None and config.name:
            return config.name
        if self.project is not None:
            return f"{self.project.worker}-{env}"
        if self.wrangler is not None:
            return resolve(self.wrangler, env).worker_name
        return None


def open_workspace(root: Path | None = None, *, wrangler_file: Path | None = None) -> Workspace:
    """Open the project at `root` (default: nearest envman.toml upward, else the cwd)."""
    from envman.schema import empty_schema, load_python_schema, load_schema

    root = find_root(root or Path.cwd()) if root is None else root.resolve()
    if not root.is_dir():
        raise UsageError(f"project folder {root} does not exist")
    loaded = load_project(root)
    project, project_document = loaded if loaded else (None, None)
    wrangler_path = wrangler_file
    if wrangler_path is None and project is not None and project.wrangler_file:
        wrangler_path = root / project.wrangler_file
    if wrangler_path is None:
        wrangler_path = find_wrangler_file(root)
    wrangler = read_wrangler(wrangler_path, _shown(wrangler_path, root)) if wrangler_path else None
    if project is None:
        if wrangler is None:
            raise InputError(
                f"no envman.toml and no wrangler.json, wrangler.jsonc or wrangler.toml in {root}",
                hint="run envman in a Workers project, or pass --project DIR",
            )
        envs = (TOP_LEVEL, *wrangler.env_names)
        schema = empty_schema()
    else:
        envs = project.environments
        schema_spec = project.schema_file
        if schema_spec.startswith("python:"):
            schema = load_python_schema(schema_spec, root)
        elif (root / schema_spec).is_file():
            schema = load_schema(root / schema_spec, _shown(root / schema_spec, root))
        else:
            schema = empty_schema()
    return Workspace(
        root=root,
        project=project,
        project_document=project_document,
        wrangler=wrangler,
        schema=schema,
        envs=envs,
    )


def _shown(path: Path, root: Path) -> str:
    from envman.files import display_path

    return display_path(path, root)


# --------------------------------------------------------------------------- declared config


@dataclass(frozen=True)
class Declared:
    """One environment's declared config, where each value was written, and what is wrong."""

    env: str
    config: WorkerConfig
    raw: dict[str, Any]
    findings: tuple[Finding, ...]
    document: Document | None
    environment_file: EnvironmentFile | None = None
    resolved_origin: dict[str, Loc] | None = None

    def source(self, loc: Loc) -> Source | None:
        if self.environment_file is not None:
            return self.environment_file.source(loc)
        if self.document is None:
            return None
        if self.resolved_origin is not None:
            origin = self.resolved_origin.get(str(loc[0])) if loc else None
            if origin is not None:
                return self.document.source((*origin, *loc[1:]))
            # Not set for this environment: point at its own section.
            return self.document.source(() if self.env == TOP_LEVEL else ("env", self.env))
        return self.document.source(loc)


def declared(ws: Workspace, env: str) -> Declared:
    """The config `env` declares: its environment files, or in zero-setup mode the wrangler file."""
    if ws.project is None:
        assert ws.wrangler is not None
        resolved = resolve(ws.wrangler, env)
        return Declared(
            env=env,
            config=resolved.config(),
            raw=resolved.raw,
            findings=(),
            document=ws.wrangler.document,
            resolved_origin=dict(resolved.origin),
        )
    envfile = ws.environment_file(env)
    config, findings = _typed(env, envfile)
    return Declared(
        env=env,
        config=config,
        raw=envfile.data,
        findings=tuple(findings),
        document=envfile.document,
        environment_file=envfile,
    )


def _typed(env: str, envfile: EnvironmentFile) -> tuple[WorkerConfig, list[Finding]]:
    """Validate merged data into a WorkerConfig; drop keys in error so other checks still run."""
    data = dict(envfile.data)
    findings: list[Finding] = []
    known: dict[Loc, list[str]] = {(): model_keys(WorkerConfig)}
    for _ in range(len(data) + 1):
        config, errors = validated(WorkerConfig, data, known=known)
        if config is not None:
            return config, findings
        for error in errors:
            code = "EM100" if error.kind == "extra_forbidden" else "EM101"
            path = ".".join(str(p) for p in error.loc)
            findings.append(
                finding(
                    code,
                    env=env,
                    path=path,
                    message=f"{path}: {error.message}",
                    hint=error.hint,
                    source=envfile.source(error.loc),
                )
            )
            data.pop(str(error.loc[0]), None)
    return WorkerConfig(), findings


# --------------------------------------------------------------------------- validate


def unique(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Findings without exact duplicates, in report order."""
    seen: dict[str, Finding] = {}
    for item in findings:
        seen.setdefault(item.model_dump_json(), item)
    return tuple(sorted(seen.values(), key=Finding.sort_key))


def validate(ws: Workspace, envs: Sequence[str] = (), *, today: date | None = None) -> Report:
    """Validate the selected environments (all by default) and everything across them."""
    from envman import rules
    from envman import wrangler as wrangler_rules

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
        if ws.project is not None:
            findings += wrangler_rules.check_values(
                decl.raw,
                env=env,
                today=today,
                locate=decl.source,
                worker_name=ws.worker_name(env, decl.config),
                name_derived=decl.config.name is None,
            )
    findings += rules.cross_environment(
        {env: d.config for env, d in decls.items()},
        ws.envs,
        {env: ws.worker_name(env, d.config) for env, d in decls.items()},
        lambda env, loc: decls[env].source(loc),
        pipeline=not ws.zero_setup,
    )
    if ws.wrangler is not None:
        checked = selected if ws.zero_setup else (TOP_LEVEL, *selected)
        findings += wrangler_rules.check(
            ws.wrangler,
            today=today,
            envs=[e for e in checked if e == TOP_LEVEL or e in ws.wrangler.env_names],
        )
        if not ws.zero_setup:
            findings += _wrangler_consistency(ws, decls)
    return Report(command="validate", envs=selected, findings=unique(findings))


def _wrangler_consistency(ws: Workspace, decls: dict[str, Declared]) -> list[Finding]:
    """EM300-EM302: each environment file against its `[env.NAME]` as wrangler resolves it."""
    from envman.compare import compare

    assert ws.wrangler is not None
    findings: list[Finding] = []
    wf = ws.wrangler
    for env, decl in decls.items():
        if env not in wf.env_names:
            findings.append(
                finding(
                    "EM301",
                    env=env,
                    path=f"env.{env}",
                    message=f"{wf.document.path} has no [env.{env}] section",
                    hint=f"add [env.{env}] (envman promote keeps it in step), or run without "
                    "`wrangler` in envman.toml",
                    source=wf.document.source(()),
                )
            )
            continue
        resolved = resolve(wf, env)
        for difference in compare(decl.config, resolved.config()):
            loc = difference.loc
            findings.append(
                finding(
                    "EM300",
                    env=env,
                    path=difference.path,
                    message=_consistency_message(
                        difference.kind.value, difference.path, wf.document.path, env
                    ),
                    hint=f"make [env.{env}] in {wf.document.path} and "
                    f"{decl.document.path if decl.document else 'the environment file'} agree",
                    expected=ws.schema.redact(difference.path, difference.expected),
                    actual=ws.schema.redact(difference.path, difference.actual),
                    kind=difference.kind,
                    source=resolved.source(loc)
                    if difference.actual is not None
                    else decl.source(loc),
                )
            )
    for name in wf.env_names:
        if name not in ws.envs:
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


def _consistency_message(kind: str, path: str, wrangler_path: str, env: str) -> str:
    if kind == "missing":
        return f"{path} is declared for {env} but missing from [env.{env}] in {wrangler_path}"
    if kind == "unexpected":
        return f"{path} is in [env.{env}] of {wrangler_path} but not declared for {env}"
    return f"{path} differs between the environment file and [env.{env}] in {wrangler_path}"


# --------------------------------------------------------------------------- show


def show(ws: Workspace, env: str, *, source: str = "declared") -> dict[str, Any]:
    """One environment's fully resolved config in wrangler's shape, sensitive vars redacted."""
    ws.select([env])
    if source == "declared":
        config = declared(ws, env).config
    elif source == "wrangler":
        if ws.wrangler is None:
            raise UsageError("this project has no wrangler file")
        if env != TOP_LEVEL and env not in ws.wrangler.env_names:
            raise UsageError(f"{ws.wrangler.document.path} has no [env.{env}] section")
        config = resolve(ws.wrangler, env).config()
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
    from envman.files import atomic_write
    from envman.schema import export_json_schemas

    folder = out_dir or ws.root / "schemas"
    result: dict[str, str] = {}
    for name, text in sorted(export_json_schemas(ws.schema).items()):
        path = folder / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            result[name] = "unchanged"
        elif check:
            result[name] = "stale" if current is not None else "missing"
        else:
            atomic_write(path, text)
            result[name] = "written"
    return result


# --------------------------------------------------------------------------- the other use cases

# The release and live use cases build on the ones above; they are imported on first
# use so that `envman validate` does not pay for promotion, audit or SDK machinery.
_ELSEWHERE = {
    "LiveOptions": "livecheck",
    "check": "livecheck",
    "drift": "livecheck",
    "notify": "livecheck",
    "read_live_state": "livecheck",
    "snapshot": "livecheck",
    "diff": "promotion",
    "propose": "promotion",
    "apply_promotion": "promotion:apply",
    "apply_rollback": "history",
    "audit_log": "history",
    "audit_show": "history",
    "audit_verify": "history",
    "propose_rollback": "history",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name not in _ELSEWHERE:
        raise AttributeError(f"module 'envman.api' has no attribute {name!r}")
    module, _, attribute = _ELSEWHERE[name].partition(":")
    value = getattr(importlib.import_module(f"envman.{module}"), attribute or name)
    globals()[name] = value
    return value


__all__ = [
    "Declared",
    "LiveOptions",
    "Workspace",
    "apply_promotion",
    "apply_rollback",
    "audit_log",
    "audit_show",
    "audit_verify",
    "check",
    "declared",
    "diff",
    "drift",
    "export_schemas",
    "notify",
    "open_workspace",
    "propose",
    "propose_rollback",
    "read_live_state",
    "show",
    "snapshot",
    "validate",
]
