"""The wrangler configuration file: found, read and resolved per environment as wrangler does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envman.config import WorkerConfig
from envman.errors import InputError, UsageError
from envman.files import read_text
from envman.models import Source, did_you_mean
from envman.parse import Document, Loc, copy_data, parse_text
from envman.project import TOP_LEVEL
from envman.wrangler.keys import INHERITABLE, TOP_LEVEL_ONLY
from envman.wrangler.schema import check_table

WRANGLER_FILES: tuple[str, ...] = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")
"""The file names wrangler reads, in its order of precedence."""

# --------------------------------------------------------------------------- the file


def find_wrangler_file(root: Path) -> Path | None:
    """The wrangler file in `root`: wrangler.json, else wrangler.jsonc, else wrangler.toml.

    Only `root` itself is searched. wrangler also looks in parent folders, but envman always
    knows its project root, and a file found above it would belong to another project.
    """
    for name in WRANGLER_FILES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class WranglerFile:
    """A parsed wrangler file: its located document and its `[env.X]` names in file order.

    `duplicates` lists each JSONC key that a later one of the same path overrode (wrangler
    keeps the last), as (path, (line, column)); check() reports them as EM005.
    """

    path: Path
    document: Document
    env_names: tuple[str, ...]
    duplicates: tuple[tuple[Loc, tuple[int, int]], ...] = ()


def read_wrangler(path: Path, shown: str | None = None) -> WranglerFile:
    """Read and parse a wrangler file; `shown` is the name used in messages.

    Raises InputError (exit 3) when the file is unreadable, not UTF-8, empty, malformed
    TOML/JSONC, or not a table at the top. Duplicate JSONC keys are not fatal (wrangler
    keeps the last one): they are kept in `duplicates`.
    """
    shown = shown or str(path)
    return parse_wrangler(path, read_text(path, shown), shown)


def parse_wrangler(path: Path, text: str, shown: str) -> WranglerFile:
    """A wrangler file from its text (as `read_wrangler` reads it): for text about to be written."""
    document = parse_text(text, shown, jsonc=path.suffix in (".json", ".jsonc"))
    if not isinstance(document.data, dict):
        raise InputError(
            "the top level must be an object",
            file=shown,
            line=1,
            column=1,
            hint='a wrangler file is one object: { "name": "my-worker", ... }',
        )
    envs = document.data.get("env")
    names = (
        tuple(k for k, v in envs.items() if isinstance(v, dict)) if isinstance(envs, dict) else ()
    )
    return WranglerFile(
        path=path, document=document, env_names=names, duplicates=document.duplicates
    )


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class ResolvedEnv:
    """One environment as wrangler resolves it: the config `wrangler deploy [--env X]` uses.

    `raw` is wrangler-shaped (lists of tables, unknown keys kept); `origin` maps each of
    its top-level keys to the document path it came from, e.g. "vars" -> ("env",
    "staging", "vars"), or ("compatibility_date",) when inherited. A derived `name` comes
    from ("env", X), the table where an explicit name would go.
    """

    env: str
    worker_name: str | None
    """`env.X.name`, else "<top-level name>-<X>"; for the top level its `name`. None if unset."""
    name_derived: bool
    raw: dict[str, Any]
    origin: dict[str, Loc]
    document: Document

    @property
    def table(self) -> Loc:
        """The document path of this environment's own table (() for the top level)."""
        return () if self.env == TOP_LEVEL else ("env", self.env)

    def document_loc(self, key_path: Loc) -> Loc:
        """Translate a path into `raw` to the document path the value is written at."""
        origin = self.origin.get(str(key_path[0])) if key_path else None
        return self.table if origin is None else (*origin, *key_path[1:])

    def source(self, key_path: Loc = ()) -> Source:
        """Where a value of `raw` is written (its nearest located parent when not itself)."""
        return self.document.source(self.document_loc(key_path))

    def config(self) -> WorkerConfig:
        """`raw` as a WorkerConfig: the keys it models only, values of the wrong type left out.

        Never raises for what wrangler accepts; check() reports the values left out.
        """
        return _worker_config(self.raw)


def ignored(key: str, value: Any) -> bool:
    """wrangler treats an empty `route` or `account_id` as absent (with a warning)."""
    return key in ("route", "account_id") and value == ""


def resolve(wf: WranglerFile, env: str) -> ResolvedEnv:
    """Resolve `env` (TOP_LEVEL or an `[env.X]` name) exactly as wrangler does.

    Inheritable keys: the environment's value, else the top level's. Other keys: only what
    the environment declares (unknown keys included). Top-level-only keys are not part of
    an environment. `name` is derived as "<top-level name>-<X>" when the environment sets
    none. `route` and `routes` are inherited independently, as wrangler does (and its
    deploy then prefers `routes`). Raises UsageError for an unknown environment.
    """
    data = wf.document.data
    if env == TOP_LEVEL:
        raw = {k: v for k, v in data.items() if k != "env" and not ignored(k, v)}
        name = raw.get("name")
        worker = name if isinstance(name, str) and name else None
        origin: dict[str, Loc] = {k: (k,) for k in raw}
        return ResolvedEnv(TOP_LEVEL, worker, False, copy_data(raw), origin, wf.document)
    if env not in wf.env_names:
        known = (TOP_LEVEL, *wf.env_names)
        raise UsageError(
            f"{wf.document.path} has no environment {env!r}; it has {', '.join(known)}",
            hint=did_you_mean(env, known),
        )
    own: dict[str, Any] = data["env"][env]
    raw, origin = {}, {}
    top_name, name_derived = data.get("name"), False
    if "name" not in own and isinstance(top_name, str) and top_name:
        raw["name"], origin["name"], name_derived = f"{top_name}-{env}", ("env", env), True
    for key in dict.fromkeys([*data, *own]):
        if key == "env" or (key == "name" and "name" not in own):
            continue
        if key in own and key not in TOP_LEVEL_ONLY and not ignored(key, own[key]):
            raw[key], origin[key] = own[key], ("env", env, key)
        elif key in INHERITABLE and key in data and not ignored(key, data[key]):
            raw[key], origin[key] = data[key], (key,)
    name = raw.get("name")
    worker = name if isinstance(name, str) and name else None
    return ResolvedEnv(env, worker, name_derived, copy_data(raw), origin, wf.document)


UNMODELLED_OK = frozenset(("env", "$schema", "route"))
"""Keys that need no model: the environments, the editor's schema link, `route` (in routes)."""


def unmanaged_keys(wf: WranglerFile) -> list[str]:
    """The keys of the file (top level or any environment) that WorkerConfig does not model."""
    data = wf.document.data
    envs = data.get("env")
    tables = [data, *(v for v in (envs.values() if isinstance(envs, dict) else ()))]
    keys = {k for t in tables if isinstance(t, dict) for k in t}
    return sorted(keys - set(WorkerConfig.model_fields) - UNMODELLED_OK)


def resolve_all(wf: WranglerFile) -> list[ResolvedEnv]:
    """The top level, then every `[env.X]` in file order, each resolved."""
    return [resolve(wf, env) for env in (TOP_LEVEL, *wf.env_names)]


def _worker_config(raw: Mapping[str, Any]) -> WorkerConfig:
    data: dict[str, Any] = {k: copy_data(raw[k]) for k in WorkerConfig.model_fields if k in raw}
    data.pop("routes", None)
    # wrangler deploy: `routes`, else [`route`].
    routes = raw["routes"] if "routes" in raw else [raw["route"]] if raw.get("route") else None
    if isinstance(routes, list):
        data["routes"] = [
            r
            for r in routes
            if (isinstance(r, str) and r)
            or (isinstance(r, dict) and isinstance(r.get("pattern"), str))
        ]
    _drop_wrong_types(data)
    try:
        return WorkerConfig.model_validate(data)
    except ValueError:  # pydantic's ValidationError: keep each key that validates on its own
        kept = {}
        for key, value in data.items():
            try:
                WorkerConfig.model_validate({key: value})
            except ValueError:
                continue
            kept[key] = value
        return WorkerConfig.model_validate(kept)


def _drop_wrong_types(data: dict[str, Any]) -> None:
    """Leave out every value of a type wrangler's schema does not allow (check() reports it).

    Deepest first, so that dropping a list item does not shift the index of another.
    """
    wrong = [p.loc for p in check_table(data, top=False) if p.kind == "type" and p.loc]
    for loc in sorted(wrong, key=lambda loc: (-len(loc), [str(p) for p in loc]), reverse=False):
        parent: Any = data
        for part in loc[:-1]:
            parent = parent[part]
        last = loc[-1]
        if isinstance(parent, dict):
            parent.pop(last, None)
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            parent[last] = _DROPPED
    _compact(data)


_DROPPED = object()


def _compact(node: Any) -> None:
    if isinstance(node, dict):
        for value in node.values():
            _compact(value)
    elif isinstance(node, list):
        node[:] = [v for v in node if v is not _DROPPED]
        for value in node:
            _compact(value)
