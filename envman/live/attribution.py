"""Finds who last changed a drifted live value: the Worker's versions, then the account audit log.

For a versioned key (vars, secrets, bindings, compatibility date/flags, usage model,
limits, placement) the newest versions are compared one step at a time until the value
differs: the newer of the two is the change, and its metadata says who, when, how and
why (`author_email`, `source`, `created_on`, `workers/message`, `workers/triggered_by`).
Script-level keys (logpush, observability, tail consumers), crons, workers.dev and routes
are not versioned: the newest matching entry of the account audit log answers for them,
read once per run. Every read counts against the run's request budget; a read that is
refused (no permission) or would exceed the budget degrades to "unknown author", never
to an error.

Requests: the versions list (1) and at most `MAX_VERSION_READS` versions per Worker with
drift in a versioned key; one audit-log page (the newest 1,000 entries) per run when a non-versioned key drifted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from envman.config import WorkerConfig
from envman.live.client import Requester, Tally
from envman.live.normalise import ReadFailure, version_config
from envman.live.ratelimit import Clock, Sleep
from envman.live.transport import make_client
from envman.models import Attribution

if TYPE_CHECKING:
    from envman.settings import Settings

MAX_VERSION_READS = 2
"""Versions read per Worker at most when walking back to a change (the budget's share)."""
AUDIT_ENTRIES = 1000
"""How many of the newest audit-log entries are read (one page, once per run)."""

UNVERSIONED = {
    "logpush": ("worker_script_settings",),
    "observability": ("worker_script_settings",),
    "tail_consumers": ("worker_script_settings",),
    "triggers": ("worker_schedules",),
    "workers_dev": ("worker_subdomain",),
    "preview_urls": ("worker_subdomain",),
    "routes": ("worker_route", "worker_custom_domain"),
}
"""Fields a settings edit changes in place (no new version), and their audit resource types."""

_SOURCES = {
    "dash": "dashboard",
    "dash_template": "dashboard",
    "quick_editor": "dashboard",
    "playground": "dashboard",
    "workersci": "Workers Builds",
    "cf_cli": "cloudflare cli",
}
_TRIGGERS = {
    "version_settings": "settings edit",
    "secret": "secret change",
    "upload": "upload",
    "version_upload": "version upload",
    "deployment": "deployment",
    "rollback": "rollback",
}


@dataclass(frozen=True)
class Question:
    """The drifted paths of one environment's Worker, and its live (latest version) config."""

    env: str
    script: str
    paths: tuple[str, ...]
    current: WorkerConfig | None


@dataclass
class Answers:
    """Attributions by (env, path), and the requests they took."""

    found: dict[tuple[str, str], Attribution] = field(default_factory=dict)
    requests: int = 0


async def attribute(
    questions: Sequence[Question],
    *,
    settings: Settings,
    token: str,
    account_id: str,
    budget: int,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
) -> Answers:
    """Who last changed each drifted path, within `budget` requests (never raises ReadFailure)."""
    answers = Answers()
    if not questions:
        return answers
    start = clock()
    async with make_client(settings, token) as client:
        run = _Attributor(
            client,
            settings,
            account_id,
            deadline=start + settings.timeout,
            clock=clock,
            sleep=sleep,
        )
        run.budget = budget
        results = await asyncio.gather(*(run.worker(q) for q in questions))
    for question, found in zip(questions, results, strict=True):
        for path, attribution in found.items():
            answers.found[(question.env, path)] = attribution
    answers.requests = run.requests
    return answers


def attribute_sync(questions: Sequence[Question], **kwargs: Any) -> Answers:
    """`attribute` in a fresh event loop."""
    return asyncio.run(attribute(questions, **kwargs))


class _Attributor(Requester):
    budget = 0

    def _spent(self, need: int) -> bool:
        return self.requests + need > self.budget

    async def worker(self, question: Question) -> dict[str, Attribution]:
        versioned = [p for p in question.paths if _field(p) not in UNVERSIONED]
        found: dict[str, Attribution] = {}
        leftover: dict[str, str] = {}
        if versioned:
            try:
                found, leftover = await self._walk(question, versioned)
            except ReadFailure as failure:
                leftover = dict.fromkeys(versioned, f"versions not read: {failure}")
        rest = [p for p in question.paths if p not in found]
        if rest:
            audit = await self._audit_entries()
            for path in rest:
                found[path] = _from_audit(audit, question.script, path, leftover.get(path))
        return found

    async def _walk(
        self, question: Question, paths: list[str]
    ) -> tuple[dict[str, Attribution], dict[str, str]]:
        """Walk the newest versions back until each path's value changes."""
        if self._spent(2):
            return {}, dict.fromkeys(paths, "history not read: request budget spent")
        base = f"GET /accounts/{self.account}/workers/scripts/{question.script}/versions"
        items, more = await self.first_page(
            base,
            self.api("accounts", self.account, "workers", "scripts", question.script, "versions"),
            Tally(),
            key="items",
        )
        newer = question.current or WorkerConfig()
        pending = list(paths)
        found: dict[str, Attribution] = {}
        for index, item in enumerate(items):
            if not pending:
                break
            if index + 1 >= len(items):  # the oldest version: it set what is still there
                if more:
                    break
                found.update(dict.fromkeys(pending, _from_version(item)))
                return found, {}
            if index >= MAX_VERSION_READS or self._spent(1):
                break
            older_item = items[index + 1]
            version_id = str(older_item.get("id"))
            result = await self.get(
                f"{base}/{version_id}",
                self.api(
                    "accounts",
                    self.account,
                    "workers",
                    "scripts",
                    question.script,
                    "versions",
                    version_id,
                ),
                Tally(),
            )
            older = version_config(question.script, result, f"{base}/{version_id}", [])
            for path in list(pending):
                if _value(newer, path) != _value(older, path):
                    found[path] = _from_version(item)
                    pending.remove(path)
            newer = older
        why = f"not changed in the newest {min(len(items), MAX_VERSION_READS + 1)} versions"
        return found, dict.fromkeys(pending, why)

    async def _audit_entries(self) -> list[dict[str, Any]] | str:
        """The newest audit-log page of the account, or why it could not be read."""
        try:
            entries: list[dict[str, Any]] | str = await self.shared("audit", self._audit)
        except ReadFailure as failure:
            return f"audit log not readable: {failure}"
        return entries

    async def _audit(self, tally: Tally) -> list[dict[str, Any]] | str:
        if self._spent(1):
            return "audit log not read: request budget spent"
        items, _ = await self.first_page(
            f"GET /accounts/{self.account}/audit_logs",
            self.api(
                "accounts",
                self.account,
                "audit_logs",
                query={"direction": "desc", "per_page": AUDIT_ENTRIES},
            ),
            tally,
        )
        return [i for i in items if isinstance(i, dict)]


def _field(path: str) -> str:
    return path.split(".", 1)[0]


def _value(config: WorkerConfig, path: str) -> Any:
    """The value at a finding path of a live config (a secret: whether it is set)."""
    data = config.model_dump(mode="json", exclude_none=True)
    head, _, rest = path.partition(".")
    if head == "secrets":
        return rest in ((data.get("secrets") or {}).get("required") or ())
    node: Any = data.get(head)
    for part in rest.split(".") if rest else ():
        node = node.get(part) if isinstance(node, dict) else None
    if head == "compatibility_flags" and isinstance(node, list):
        return sorted(node)
    return node


def _source(source: Any) -> str | None:
    return _SOURCES.get(str(source), str(source)) if source else None


def _from_version(item: dict[str, Any]) -> Attribution:
    meta = item.get("metadata") if isinstance(item.get("metadata"), dict) else {}
    notes = item.get("annotations") if isinstance(item.get("annotations"), dict) else {}
    assert isinstance(meta, dict) and isinstance(notes, dict)
    trigger = notes.get("workers/triggered_by")
    return Attribution(
        when=_text(meta.get("created_on")),
        author=_text(meta.get("author_email")),
        via=_source(meta.get("source")),
        action=_TRIGGERS.get(str(trigger), _text(trigger)),
        message=_text(notes.get("workers/message")),
        version=_text(item.get("id")),
        evidence="version",
    )


def _from_audit(
    audit: list[dict[str, Any]] | str, script: str, path: str, why: str | None
) -> Attribution:
    if isinstance(audit, str):
        return Attribution(note="; ".join(x for x in (why, audit) if x))
    kinds = UNVERSIONED.get(_field(path), ("worker_script",))
    for entry in audit:  # newest first
        resource = entry.get("resource") or {}
        meta = entry.get("metadata") or {}
        if resource.get("type") in kinds and meta.get("script_name") == script:
            actor = entry.get("actor") or {}
            action = entry.get("action") or {}
            via = "dashboard" if entry.get("interface") == "UI" else _source(meta.get("source"))
            return Attribution(
                when=_text(entry.get("when")),
                author=_text(actor.get("email")),
                via=via or "api",
                action=f"{resource.get('type')} {action.get('type', '')}".strip(),
                evidence="audit log",
            )
    return Attribution(note="; ".join(x for x in (why, "no matching audit-log entry") if x))


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
