"""Adopts a plain wrangler project: envman.toml, environments/ and a starter schema from it.

Each stage's environment file is what wrangler resolves for it today (inherited keys
included, in wrangler's own key names), so that `envman show STAGE` equals wrangler's
resolution and `validate` finds nothing the zero-setup run did not. Keys envman does not
model (`build`, `define`, `site`…) stay in the wrangler file only (EM365 lists them). The
wrangler file itself is never written.

Which stage the top level is (`wrangler deploy` without `--env`), unless told: the stage
a var of the top level names when no `[env.X]` has that name (`ENVIRONMENT =
"development"`); else `production` when there is no `[env.X]` at all; else `development`
when no environment is a development stage; else `production` when none is a
production stage; else the top level is no stage (only defaults its environments inherit).
The pipeline is ordered by the usual stage names (schema.infer.STAGE_GROUPS), file order
among equals; production stages are protected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from envman.compare import cross_environment
from envman.edit import dumps_toml
from envman.errors import InputError, UsageError
from envman.files import display_path, present, write_output
from envman.models import Finding
from envman.parse import parse_toml
from envman.project import PROJECT_FILE, TOP_LEVEL
from envman.schema import (
    InferredSecret,
    InferredVar,
    Stage,
    infer_secrets,
    infer_vars,
    is_stage_word,
    schema_from_document,
    stage_rank,
)
from envman.workspace import NULL_TOKEN
from envman.wrangler import (
    WranglerFile,
    dotted,
    find_wrangler_file,
    non_finite_numbers,
    read_wrangler,
    resolve,
)

ENVIRONMENTS_DIR = "environments"
SCHEMA_FILE = "schemas/vars.toml"
PRODUCTION_RANK = stage_rank("production")
_ENV_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Adoption:
    """What `envman init` writes, and what it decided on the way."""

    root: Path
    wrangler: str
    worker: str
    stages: tuple[str, ...]
    top_level: str | None
    protected: tuple[str, ...]
    files: dict[str, str]
    """Path relative to the root -> the text to write, in writing order."""
    vars: tuple[InferredVar, ...] = ()
    secrets: tuple[InferredSecret, ...] = ()
    accepted: tuple[Finding, ...] = ()
    """Findings of the pipeline rules written as `[[ignore]]` rules (the baseline)."""
    notes: tuple[str, ...] = field(default=())


def plan(
    root: Path,
    *,
    wrangler_file: Path | None = None,
    stages: Sequence[str] = (),
    top_level: str | None = None,
    no_top_level: bool = False,
    baseline: bool = True,
) -> Adoption:
    """Everything `envman init` would write for the wrangler project at `root`; nothing written.

    With `baseline` (the default), what the pipeline rules find (EM203, EM204: rules a
    plain wrangler project never runs, having no pipeline) is written as `[[ignore]]`
    rules, so that adopting adds no finding zero-setup `validate` did not report; each
    rule says what it accepted, for review.
    """
    path = wrangler_file or find_wrangler_file(root)
    if path is None:
        raise InputError(
            f"no wrangler.json, wrangler.jsonc or wrangler.toml in {root}",
            hint="run `envman init` in a Workers project, or pass --wrangler FILE",
        )
    wf = read_wrangler(path, display_path(path, root))
    _refuse_non_finite(wf)
    notes: list[str] = []
    names = [n for n in wf.env_names if _ENV_NAME.match(n) and n != TOP_LEVEL]
    for name in wf.env_names:
        if name not in names:
            notes.append(
                f"[env.{name}] is left out: envman environment names are letters, digits, "
                "'-' and '_'"
            )
    top = _top_level(wf, names, stages, top_level, no_top_level)
    pipeline = _pipeline(wf, names, stages, top)
    for name in names:
        if name not in pipeline:
            notes.append(f"[env.{name}] is not a stage (not in --stages): envman leaves it alone")
    if top is None:
        notes.append(
            "the top level is not a stage: it only holds defaults the environments inherit "
            "(`wrangler deploy` without --env would still deploy it); map it with --top-level-as"
        )
    worker = wf.document.data.get("name")
    worker = worker if isinstance(worker, str) and worker else root.name
    resolved = [
        Stage(s, r.config(), r.worker_name)
        for s in pipeline
        for r in [resolve(wf, TOP_LEVEL if s == top else s)]
    ]
    files = {PROJECT_FILE: _project_text(wf, worker, pipeline, top)}
    for stage in resolved:
        files[f"{ENVIRONMENTS_DIR}/{stage.name}.toml"] = _environment_text(wf, stage, top)
    variables, secrets = _checked_schema(resolved)
    files[SCHEMA_FILE] = schema_text(variables, secrets, wf.document.path, pipeline)
    protected = tuple(s for s in pipeline if stage_rank(s) == PRODUCTION_RANK)
    accepted = pipeline_findings(resolved) if baseline else []
    files[PROJECT_FILE] = _project_text(wf, worker, pipeline, top, protected, accepted)
    return Adoption(
        root=root,
        wrangler=wf.document.path,
        worker=worker,
        stages=pipeline,
        top_level=top,
        protected=protected,
        files=files,
        vars=tuple(variables),
        secrets=tuple(secrets),
        accepted=tuple(accepted),
        notes=tuple(notes),
    )


def pipeline_findings(stages: Sequence[Stage]) -> list[Finding]:
    """What the rules that need a pipeline find in `stages` (in pipeline order), and only those."""
    configs = {s.name: s.config for s in stages}
    order = [s.name for s in stages]
    workers = {s.name: s.worker for s in stages}

    def run(pipeline: bool) -> list[Finding]:
        return cross_environment(configs, order, workers, lambda _e, _l: None, pipeline=pipeline)

    without = {(f.code, f.env, f.path) for f in run(False)}
    return [f for f in run(True) if (f.code, f.env, f.path) not in without]


def write(adoption: Adoption, *, force: bool = False) -> list[str]:
    """Write the adoption's files; refuse (writing nothing) to overwrite any without `force`."""
    existing = [name for name in adoption.files if present(adoption.root / name)]
    if existing and not force:
        raise UsageError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''} in "
            f"{adoption.root}; envman init writes nothing over them",
            hint="pass --force to overwrite them",
        )
    for name, text in adoption.files.items():
        write_output(adoption.root / name, text)
    return list(adoption.files)


# --------------------------------------------------------------------------- stages


def _top_level(
    wf: WranglerFile,
    names: Sequence[str],
    stages: Sequence[str],
    given: str | None,
    no_top_level: bool,
) -> str | None:
    if no_top_level:
        if given:
            raise UsageError("give --top-level-as or --no-top-level, not both")
        return None
    if given is not None:
        if not _ENV_NAME.match(given) or given == TOP_LEVEL:
            raise UsageError(f"--top-level-as {given!r}: not a valid environment name")
        if given in wf.env_names:
            raise UsageError(
                f"--top-level-as {given}: {wf.document.path} has an [env.{given}] already",
                hint="name the top level's stage differently, or pass --no-top-level",
            )
        return given
    if stages:
        unknown = [s for s in stages if s not in names]
        if len(unknown) > 1:
            raise UsageError(
                f"--stages names {', '.join(unknown)}, which {wf.document.path} has no "
                "[env.X] for; only one stage can be the top level",
                hint=f"its environments: {', '.join(names) or 'none'}",
            )
        return unknown[0] if unknown else None
    return _inferred_top_level(wf, names)


def _inferred_top_level(wf: WranglerFile, names: Sequence[str]) -> str | None:
    top_vars = wf.document.data.get("vars")
    for value in (top_vars or {}).values() if isinstance(top_vars, dict) else ():
        if isinstance(value, str) and is_stage_word(value) and _ENV_NAME.match(value):
            if value not in names and value.lower() not in {n.lower() for n in names}:
                return value
            break
    ranks = {stage_rank(n) for n in names}
    if not names:
        return "production"
    if 0 not in {stage_rank(n) for n in names if is_stage_word(n)}:
        return "development"
    if PRODUCTION_RANK not in ranks:
        return "production"
    return None


def _pipeline(
    wf: WranglerFile, names: Sequence[str], stages: Sequence[str], top: str | None
) -> tuple[str, ...]:
    if stages:
        if len(set(stages)) != len(stages):
            raise UsageError("--stages names a stage twice")
        for stage in stages:
            if stage != top and stage not in names:
                raise UsageError(
                    f"--stages {stage}: {wf.document.path} has no [env.{stage}]",
                    hint=f"its environments: {', '.join(names) or 'none'}",
                )
        return (*stages, *([top] if top and top not in stages else []))
    order = [*([top] if top else []), *names]
    return tuple(sorted(order, key=lambda s: (stage_rank(s), order.index(s))))


# --------------------------------------------------------------------------- the files


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _strings(values: Sequence[str]) -> str:
    return "[" + ", ".join(_string(v) for v in values) + "]"


def _project_text(
    wf: WranglerFile,
    worker: str,
    stages: Sequence[str],
    top: str | None,
    protected: Sequence[str] = (),
    accepted: Sequence[Finding] = (),
) -> str:
    account = wf.document.data.get("account_id")
    lines = [
        f"# envman project file, written by `envman init` from {wf.document.path}.",
        "# Every key: docs/reference/configuration.md of envman.",
        "",
        f"worker = {_string(worker)}",
        *([f"account_id = {_string(account)}"] if isinstance(account, str) and account else []),
        "# The pipeline, in promotion order.",
        f"environments = {_strings(stages)}",
        f"protected = {_strings(protected)}",
        f"wrangler = {_string(Path(wf.document.path).name)}",
    ]
    if top is not None:
        lines += [
            f"# {top} is what wrangler's top level deploys (`wrangler deploy` without --env).",
            f"top_level = {_string(top)}",
        ]
    lines += [
        "",
        "# Findings accepted as they are, each with a reason; for example:",
        "# [[ignore]]",
        '# code = "EM201"              # shared resource',
        '# env = "preview"',
        '# path = "kv_namespaces.CACHE"',
        '# reason = "preview reads development\'s cache by design"',
    ]
    if accepted:
        lines += [
            "",
            "# What the pipeline rules found when `envman init` adopted the project (a plain",
            "# wrangler project has no pipeline, so they never ran on it). Review each: fix it",
            "# and delete its rule, or keep it with your own reason. `envman validate",
            "# --no-ignore` shows them.",
        ]
    for item in accepted:
        lines += [
            "[[ignore]]",
            f"code = {_string(item.code)}",
            f"env = {_string(item.env or '')}",
            f"path = {_string(item.path)}",
            f"reason = {_string('at adoption: ' + item.message)}",
        ]
    return "\n".join(lines) + "\n"


def _refuse_non_finite(wf: WranglerFile) -> None:
    """An infinite or NaN number cannot be adopted: JSON (and so every stage's config as
    envman holds it) has no such number, and writing null in its place would lose it."""
    for loc, value in non_finite_numbers(wf.document.data):
        raise wf.document.error(
            loc,
            f"{dotted(loc)} is the number {value}, which JSON cannot hold (wrangler would send "
            "null): envman init does not adopt it",
            hint="write a finite number, or quote it as a string, then run `envman init` again",
        )


def _environment_text(wf: WranglerFile, stage: Stage, top: str | None) -> str:
    where = "its top level" if stage.name == top else f"[env.{stage.name}]"
    header = [
        f"# {stage.name}: written by `envman init` from {where} of {wf.document.path}, as",
        "# wrangler resolves it (inherited keys included). This file is the source of truth:",
        "# edit it, then `envman sync` writes the wrangler file from it.",
    ]
    return "\n".join(header) + "\n\n" + dumps_toml(stage.config.to_wrangler(), null=NULL_TOKEN)


def schema_text(
    variables: Sequence[InferredVar],
    secrets: Sequence[InferredSecret],
    source: str,
    stages: Sequence[str],
) -> str:
    """schemas/vars.toml for the inferred vars and secrets, each var with its reasons."""
    chunks = [
        f"# Typed vars and secrets, inferred by `envman init` from {source}: review them.\n"
        "# Format: docs/reference/configuration.md#schemasvarstoml of envman.\n"
        '# scope = "environment": never copied by `envman promote` (stage identity);\n'
        "# sensitive = true: the value is redacted in every output.\n"
    ]
    all_stages = sorted(stages)
    for var in variables:
        lines = [f"# {reason}" for reason in var.reasons]
        lines.append(f"[vars.{_key(var.name)}]")
        lines.append(f"type = {_string(var.type)}")
        if var.scope == "environment":
            lines.append('scope = "environment"')
        if var.sensitive:
            lines.append("sensitive = true")
        if sorted(var.stages) != all_stages:
            lines.append(f"required = false  # set in {', '.join(var.stages)} only")
        chunks.append("\n".join(lines) + "\n")
    for secret in secrets:
        lines = [f"[secrets.{_key(secret.name)}]"]
        if secret.environments is not None:
            lines.append(f"environments = {_strings(secret.environments)}")
        chunks.append("\n".join(lines) + "\n")
    return "\n".join(chunks)


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _string(name)


def _checked_schema(
    stages: Sequence[Stage],
) -> tuple[list[InferredVar], list[InferredSecret]]:
    """The inferred schema, loosened until every stage's current values pass it."""
    variables, secrets = infer_vars(stages), infer_secrets(stages)
    for _ in range(3):
        text = schema_text(variables, secrets, "", [s.name for s in stages])
        schema = schema_from_document(parse_toml(text, SCHEMA_FILE))
        failing = set()
        for stage in stages:
            required = stage.config.secrets.required if stage.config.secrets else None
            for problem in schema.check_env(stage.name, stage.config.vars, required, _nowhere):
                if problem.severity.value == "error" and problem.path.startswith("vars."):
                    failing.add(problem.path.removeprefix("vars."))
        if not failing:
            break
        variables = [
            replace(v, type="string" if v.type == "url" else "json") if v.name in failing else v
            for v in variables
        ]
    return variables, secrets


def _nowhere(_loc: tuple[str | int, ...]) -> None:
    return None
