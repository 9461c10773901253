"""An opened project: envman.toml (or the Project a plain wrangler file implies), files, schema."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envman import release
from envman.codes import finding
from envman.compare import PlacedRule, project_rules
from envman.config import WorkerConfig
from envman.errors import EnvmanError, InputError, UsageError
from envman.files import display_path, present
from envman.models import Finding, Source, did_you_mean, model_keys, validated
from envman.parse import Document, Loc
from envman.project import TOP_LEVEL, Project, zero_setup_project
from envman.redaction import SECRETS
from envman.schema import Schema, empty_schema, load_python_schema, load_schema
from envman.workspace.loading import (
    EnvironmentFile,
    check_env_name,
    find_root,
    load_environment,
    load_project,
)
from envman.wrangler import WranglerFile, find_wrangler_file, read_wrangler, resolve


@dataclass
class Workspace:
    """An opened project: its Project, the wrangler file, the schema, the environments.

    In zero-setup mode (no envman.toml) `project` is derived from the wrangler file: the
    environments are its top level plus each `[env.X]`, resolved as wrangler resolves them.
    """

    root: Path
    project: Project
    project_document: Document | None
    wrangler: WranglerFile | None
    schema: Schema
    _declared: dict[str, EnvironmentFile] = field(default_factory=dict)
    _layers: dict[Path, Document] = field(default_factory=dict)

    @property
    def zero_setup(self) -> bool:
        """True for a plain wrangler project: no envman.toml, the wrangler file is the config."""
        return self.project_document is None

    @property
    def envs(self) -> tuple[str, ...]:
        return self.project.environments

    def require_project(self, purpose: str) -> Project:
        """The project's envman.toml, or a usage error saying how to adopt the project."""
        if self.zero_setup:
            raise UsageError(
                f"{purpose} needs envman.toml and environments/: {self.root} is a plain "
                "wrangler project",
                hint="adopt it with `envman init` (writes envman.toml and environments/ from "
                "the wrangler file)",
            )
        return self.project

    def select(self, names: Sequence[str]) -> tuple[str, ...]:
        """The environments named on the command line (all when none), checked to exist."""
        for name in names:
            check_env_name(name, self.envs)
        return tuple(names) or self.envs

    @property
    def owned(self) -> release.Owned:
        """The files envman may write here: environment files, wrangler file, audit log, .envman/."""
        wrangler = self.wrangler.path if self.wrangler is not None else None
        return owned_files(self.root, None if self.zero_setup else self.project, wrangler)

    def preload(self) -> None:
        """Read every environment file now (while the reader holds the lock), not on demand.

        A file that cannot be read is left for the command that needs it to report.
        """
        if self.zero_setup:
            return
        for env in self.envs:
            with contextlib.suppress(EnvmanError):
                self.environment_file(env)

    def environment_file(self, env: str) -> EnvironmentFile:
        if env not in self._declared:
            project = self.require_project("reading environment files")
            self._declared[env] = load_environment(self.root, project, env, self._layers)
        return self._declared[env]

    def worker_name(self, env: str, config: WorkerConfig | None) -> str | None:
        """The Worker an environment deploys to: its `name`, else `<worker>-<env>` (`<worker>`
        for the environment wrangler's top level deploys)."""
        if config is not None and config.name:
            return config.name
        if self.zero_setup and self.wrangler is not None:
            return resolve(self.wrangler, env).worker_name
        if env == self.project.top_level:
            return self.project.worker
        return f"{self.project.worker}-{env}"

    def wrangler_env(self, env: str) -> str:
        """The wrangler environment `env` deploys as: `top-level` for the project's `top_level`."""
        return TOP_LEVEL if env == self.project.top_level else env

    def ignore_rules(self) -> list[PlacedRule]:
        """The ignore rules of envman.toml, each located in it (none in zero-setup mode)."""
        document = self.project_document
        if document is None:
            return []

        def locate(label: str) -> Source:
            return document.source(tuple(int(p) if p.isdigit() else p for p in label.split(".")))

        return project_rules(self.project, locate)


def open_workspace(
    root: Path | None = None,
    *,
    wrangler_file: Path | None = None,
    recover: Callable[[str], None] | None = None,
    preload: bool = True,
) -> Workspace:
    """Open the project at `root` (default: nearest envman.toml upward, else the cwd).

    With `recover` (what every command does), first finish any interrupted transaction,
    reporting each thing recovery did to `recover`, then read the project's files under
    the shared lock, so they are all from before a concurrent promotion or all after it.
    Without `preload` (for a command that reads no environment file: the audit commands)
    the environment files are left unread until something asks for one.
    """
    try:
        root = find_root(Path.cwd()) if root is None else root.resolve()
    except (RuntimeError, OSError) as e:  # a symlink loop, a folder deleted under us
        raise UsageError(f"project folder {root or Path.cwd()}: {e}") from e
    if not root.is_dir():
        raise UsageError(f"project folder {root} does not exist")
    if recover is None:
        return _open(root, wrangler_file)
    if release.pending(root):
        loaded = load_project(root)
        project = loaded[0] if loaded else None
        wrangler = wrangler_file
        if wrangler is None and project is not None and project.wrangler_file:
            wrangler = root / project.wrangler_file
        owned = owned_files(root, project, wrangler or find_wrangler_file(root))
        log = root / (project.audit_log if project else DEFAULT_AUDIT_LOG)
        with release.locked(root, log=log, owned=owned) as done:
            for line in done:
                recover(line)
    for _ in range(2):
        with release.reading(root) as held:
            ws = _open(root, wrangler_file)
            if preload:
                ws.preload()
        # Unlocked only when there was no lock file: if a first promotion created one
        # meanwhile, it may have been writing while we read, so read again under it.
        if held or not present(root / release.STATE_DIR / "lock"):
            break
    return ws


DEFAULT_AUDIT_LOG = ".envman/audit.jsonl"
"""Where a plain wrangler project's audit log would be (Project's default)."""


def owned_files(root: Path, project: Project | None, wrangler: Path | None) -> release.Owned:
    """The files envman writes in `root`: each environment's own file, wrangler, audit log."""
    names: list[str | Path] = [project.audit_log if project else DEFAULT_AUDIT_LOG]
    if project is not None:
        names += [f"{project.environments_dir}/{env}.toml" for env in project.environments]
    if wrangler is not None:
        names.append(wrangler.absolute())
    return release.Owned.of(root, names)


def _open(root: Path, wrangler_file: Path | None) -> Workspace:
    loaded = load_project(root)
    project, project_document = loaded if loaded else (None, None)
    wrangler_path = wrangler_file
    if wrangler_path is None and project is not None and project.wrangler_file:
        wrangler_path = root / project.wrangler_file
    if wrangler_path is None:
        wrangler_path = find_wrangler_file(root)
    wrangler = (
        read_wrangler(wrangler_path, display_path(wrangler_path, root)) if wrangler_path else None
    )
    if project is None:
        if wrangler is None:
            raise InputError(
                f"no envman.toml and no wrangler.json, wrangler.jsonc or wrangler.toml in {root}",
                hint="run envman in a Workers project, or pass --project DIR",
            )
        data = wrangler.document.data
        name, account = data.get("name"), data.get("account_id")
        project = zero_setup_project(
            name if isinstance(name, str) and name else root.name,
            wrangler.env_names,
            wrangler_file=wrangler.document.path,
            account_id=account if isinstance(account, str) else None,
        )
        schema = empty_schema()
    else:
        schema = _schema(project, project_document, root)
        if wrangler is not None:
            _register_sensitive(schema, wrangler.document.data)
    return Workspace(
        root=root,
        project=project,
        project_document=project_document,
        wrangler=wrangler,
        schema=schema,
    )


def _schema(project: Project, document: Document | None, root: Path) -> Schema:
    """The project's schema; a `schema =` that names nothing is an error, never "no schema".

    Only when envman.toml does not set `schema` and the default schemas/vars.toml does not
    exist does the project run without a typed schema.
    """
    spec = project.schema_file
    if spec.startswith("python:"):
        schema = load_python_schema(spec, root)
        _check_secret_environments(schema, project, document)
        return schema
    path = root / spec
    if not present(path):
        if "schema_file" not in project.model_fields_set:
            return empty_schema()
        where = document.source(("schema",)) if document else None
        raise InputError(
            f"schema = {spec!r}: {display_path(path, root)} does not exist",
            file=where.file if where else None,
            line=where.line if where else None,
            column=where.column if where else None,
            hint="fix the path; remove `schema` only if the project has no typed schema",
        )
    return load_schema(path, display_path(path, root), environments=project.environments)


def _check_secret_environments(schema: Schema, project: Project, document: Document | None) -> None:
    for secret in schema.secrets.values():
        unknown = [e for e in secret.environments or () if e not in project.environments]
        if unknown:
            where = document.source(("schema",)) if document else None
            raise InputError(
                f"{schema.source}: secret {secret.name} names environments the project does "
                f"not have: {', '.join(unknown)}",
                file=where.file if where else None,
                line=where.line if where else None,
                hint=did_you_mean(unknown[0], project.environments),
            )


def _register_sensitive(schema: Schema, data: Any) -> None:
    """Mask the values of sensitive vars in every output (the top level's and each [env.X]'s)."""
    names = schema.sensitive_names()
    if not names or not isinstance(data, dict):
        return
    tables = [data.get("vars")]
    envs = data.get("env")
    if isinstance(envs, dict):
        tables += [table.get("vars") for table in envs.values() if isinstance(table, dict)]
    for table in tables:
        if isinstance(table, dict):
            SECRETS.add_all(value for name, value in table.items() if name in names)


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
    if ws.zero_setup and ws.wrangler is not None:
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
    _register_sensitive(ws.schema, envfile.data)
    config, findings = _typed(env, envfile)
    return Declared(
        env=env,
        config=config,
        raw=envfile.data,
        findings=tuple(findings),
        document=envfile.document,
        environment_file=envfile,
    )


_NO_COERCION = {
    "bool_type": "write true or false without quotes: envman never converts strings or 0/1",
    "int_type": "write an integer without quotes: envman never converts strings",
    "float_type": "write a number without quotes: envman never converts strings",
}
"""Hints for values of the wrong type: environment files are read strictly, as written."""


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
            hint = error.hint or _NO_COERCION.get(error.kind)
            findings.append(
                finding(
                    code,
                    env=env,
                    path=path,
                    message=f"{path}: {error.message}",
                    hint=hint,
                    source=envfile.source(error.loc),
                )
            )
            data.pop(str(error.loc[0]), None)
    return WorkerConfig(), findings
