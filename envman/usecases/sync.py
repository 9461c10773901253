"""Writes the wrangler file's environments from the environment files, the one source of truth.

For each environment, what `validate` reports as EM300/EM301 (the environment file and
`[env.X]` disagree, or `[env.X]` is missing) becomes a surgical edit of `[env.X]` (of the
top level for the project's `top_level`): one value, one binding entry or one var at a
time, every other byte kept. Keys envman does not model are never touched.

Editing the top level can change what the other environments inherit from it: each
`[env.Y]` that inherited a changed key gets its old value written into it ("pinned"),
so that syncing one environment never changes what another deploys. The result is read
back: every synced environment must then resolve to its environment file, and every
other environment to what it resolved to before; else nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from envman.bindings import MODELLED, kind_of
from envman.compare import compare, normalise
from envman.config import WorkerConfig
from envman.edit import DELETE, Edit, edit_jsonc, edit_toml
from envman.errors import InputError, UsageError
from envman.files import atomic_write, project_lock, read_text
from envman.models import Report
from envman.project import TOP_LEVEL
from envman.usecases.validate import section_label, wrangler_consistency
from envman.workspace import Declared, Workspace, declared
from envman.wrangler import WranglerFile, parse_wrangler, resolve

_SINGLE = frozenset(k.field for k in MODELLED if k.single)


@dataclass(frozen=True)
class SyncResult:
    """What sync found (EM300/EM301 per environment) and the wrangler file's new text."""

    report: Report
    path: str
    before: str
    after: str
    edited: dict[str, list[str]] = field(default_factory=dict)
    """Wrangler section (`[env.staging]`, `the top level`) -> the paths written there."""
    written: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after


def sync(ws: Workspace, envs: Sequence[str] = (), *, check: bool = False) -> SyncResult:
    """Make `[env.X]` of the wrangler file agree with `environments/X.toml` for `envs` (all).

    With `check`, nothing is written: the report lists what differs.
    """
    ws.require_project("sync")
    wf = ws.wrangler
    if wf is None:
        raise UsageError(
            "this project has no wrangler file to sync",
            hint="set `wrangler` in envman.toml, or create wrangler.toml",
        )
    selected = ws.select(envs)
    decls = {env: declared(ws, env) for env in selected}
    for env, decl in decls.items():
        if decl.findings:
            first = decl.findings[0]
            raise InputError(
                f"{env}: the environment file has errors envman cannot write from: {first.message}",
                file=str(first.source) if first.source else None,
                hint=f"fix them first (`envman validate {env}` lists them all)",
            )
    findings = [
        f
        for f in wrangler_consistency(ws, wf, decls)
        if f.code in ("EM300", "EM301") and f.env in decls
    ]
    report = Report(command="sync", envs=selected, findings=tuple(findings))
    text, edited = wf.document.text, dict[str, list[str]]()
    if findings:
        text, edited = _synced(ws, wf, decls)
    return SyncResult(report=report, path=wf.document.path, before=wf.document.text, after=text,
                      edited=edited)  # fmt: skip


def write(ws: Workspace, result: SyncResult) -> SyncResult:
    """Write the synced wrangler file under the project lock, if it did not change meanwhile."""
    if not result.changed:
        return result
    path = ws.root / result.path
    with project_lock(ws.root):
        if read_text(path, result.path) != result.before:
            raise InputError(
                f"{result.path} changed while envman was syncing it; nothing was written",
                file=result.path,
                hint="run `envman sync` again",
            )
        atomic_write(path, result.after)
    return SyncResult(
        report=result.report,
        path=result.path,
        before=result.before,
        after=result.after,
        edited=result.edited,
        written=True,
    )


# --------------------------------------------------------------------------- the edits


def _synced(
    ws: Workspace, wf: WranglerFile, decls: dict[str, Declared]
) -> tuple[str, dict[str, list[str]]]:
    """The wrangler file's text with every selected environment synced, and what was edited."""
    original = wf
    order = sorted(decls, key=lambda env: ws.wrangler_env(env) != TOP_LEVEL)
    edited: dict[str, list[str]] = {}
    for env in order:
        wenv = ws.wrangler_env(env)
        section: tuple[str, ...] = () if wenv == TOP_LEVEL else ("env", env)
        if section and env not in wf.env_names:
            wf = _reparse(wf, _apply(wf, [Edit(("env", env), {})], ()))
        resolved = resolve(wf, wenv)
        config = decls[env].config
        edits = _edits(config, resolved.config(), resolved.raw, _own(wf, section))
        if not edits:
            continue
        edited.setdefault(section_label(ws, env), []).extend(_shown(edits))
        before = wf
        wf = _reparse(wf, _apply(wf, edits, section))
        if wenv == TOP_LEVEL:
            wf = _pin(before, wf, edited)
    _verify(ws, original, wf, decls)
    return wf.document.text, edited


def _edits(
    declared: WorkerConfig, actual: WorkerConfig, raw: dict[str, Any], own: dict[str, Any]
) -> list[Edit]:
    """The edits of one wrangler section that make `actual` (its resolution) `declared`."""
    edits: list[Edit] = []
    whole: set[str] = set()
    wrangler = declared.to_wrangler()
    for difference in compare(declared, actual):
        head = difference.loc[0]
        kind = kind_of(difference.path)
        if head == "vars":
            name = difference.loc[1]
            values = declared.vars or {}
            edits.append(Edit(("vars", name), values.get(name, DELETE)))
        elif kind is not None and head not in _SINGLE:
            name = difference.path[len(kind.path) + 1 :].split(".", 1)[0]
            if name.startswith("#"):
                raise InputError(
                    f"{kind.path}: an entry without a `{kind.naming}` cannot be synced",
                    hint=f"give it a {kind.naming} in the environment file",
                )
            entries = kind.entries(declared)
            value = (
                entries[name].model_dump(mode="json", exclude_none=True)
                if name in entries
                else DELETE
            )
            edits.append(Edit((*kind.path.split("."), name), value))
        elif head not in whole:
            whole.add(head)
            edits += _whole(head, wrangler, own, raw)
    return edits


def _whole(
    key: str, wrangler: dict[str, Any], own: dict[str, Any], raw: dict[str, Any]
) -> list[Edit]:
    """Set one whole key (`routes`, `compatibility_flags`, `secrets`…) as declared."""
    if key == "secrets":
        required = (wrangler.get("secrets") or {}).get("required") or []
        return [Edit(("secrets", "required"), required)]
    if key != "routes":
        return [Edit((key,), wrangler[key])]
    routes = wrangler.get("routes") or []
    if "route" in own and "routes" not in own and len(routes) == 1 and isinstance(routes[0], str):
        return [Edit(("route",), routes[0])]  # keep the file's own `route = "..."`
    return [Edit(("routes",), routes), *([Edit(("route",), DELETE)] if "route" in own else [])]


def _pin(before: WranglerFile, after: WranglerFile, edited: dict[str, list[str]]) -> WranglerFile:
    """Write into each `[env.Y]` the old value of every top-level key it inherited and lost."""
    for env in after.env_names:
        old, new = resolve(before, env).config(), resolve(after, env).config()
        changed = _changed_fields(old, new)
        if not changed:
            continue
        wrangler = old.to_wrangler()
        edits = [Edit((key,), wrangler.get(key, _EMPTY.get(key, DELETE))) for key in changed]
        edited.setdefault(f"[env.{env}] (kept as it was)", []).extend(_shown(edits))
        after = _reparse(after, _apply(after, edits, ("env", env)))
    return after


_EMPTY: dict[str, Any] = {
    "routes": [],
    "compatibility_flags": [],
    "triggers": {"crons": []},
    "placement": {},
    "observability": {"enabled": False},
    "tail_consumers": [],
    "migrations": [],
}
"""What an environment writes to say "none" of a key it would otherwise inherit."""


def _changed_fields(old: WorkerConfig, new: WorkerConfig) -> list[str]:
    left, right = normalise(old), normalise(new)
    return [key for key in WorkerConfig.model_fields if left.get(key) != right.get(key)]


def _verify(
    ws: Workspace, original: WranglerFile, result: WranglerFile, decls: dict[str, Declared]
) -> None:
    """Every synced environment resolves to its file; every other one as it did before."""
    wanted = {ws.wrangler_env(env): decl.config for env, decl in decls.items()}
    for wenv in (TOP_LEVEL, *result.env_names):
        if wenv in wanted:
            left = compare(wanted[wenv], resolve(result, wenv).config())
            problem = ", ".join(d.path for d in left)
        elif wenv == TOP_LEVEL or wenv in original.env_names:
            changed = _changed_fields(
                resolve(original, wenv).config(), resolve(result, wenv).config()
            )
            problem = ", ".join(changed)
        else:
            continue
        if problem:
            where = "the top level" if wenv == TOP_LEVEL else f"[env.{wenv}]"
            raise InputError(
                f"envman cannot sync {where} of {original.document.path} exactly ({problem}); "
                "nothing was written",
                file=original.document.path,
                hint="edit those keys of the wrangler file by hand, then `envman validate`",
            )


# --------------------------------------------------------------------------- helpers


def _own(wf: WranglerFile, section: tuple[str, ...]) -> dict[str, Any]:
    node: Any = wf.document.data
    for part in section:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _apply(wf: WranglerFile, edits: Sequence[Edit], section: tuple[str, ...]) -> str:
    document = wf.document
    if document.format == "jsonc":
        return edit_jsonc(document.text, edits, section=section, filename=document.path)
    return edit_toml(document.text, edits, section=section, filename=document.path)


def _reparse(wf: WranglerFile, text: str) -> WranglerFile:
    return parse_wrangler(wf.path, text, wf.document.path)


def _shown(edits: Sequence[Edit]) -> list[str]:
    return [".".join(e.path) + (" (removed)" if e.value is DELETE else "") for e in edits]
