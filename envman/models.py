"""Typed results: findings, reports and live Worker state, and pydantic errors translated."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from envman.config import JSON, WorkerConfig
from envman.terms import Kind, Severity

ModelT = TypeVar("ModelT", bound="BaseModel")

# Every model here is built on first use (`defer_build`), not when this module is
# imported: `envman --help` and commands that never make a Snapshot do not pay for it.


# --------------------------------------------------------------------------- findings


class Source(BaseModel):
    """Where a value came from: file, and line and column (1-based) when known."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


class Attribution(BaseModel):
    """Who last changed a live value, when and through what (drift findings only).

    `author` None means unknown (no permission to read the history, or not found in the
    history read); `evidence` says where the answer comes from: `version` (the Worker's
    versions metadata), `audit log` (the account's audit log) or `unknown`.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    when: str | None = None
    author: str | None = None
    via: str | None = None
    """dashboard, api, wrangler, terraform, … (Cloudflare's source of the change)."""
    action: str | None = None
    """What the change was (`settings edit`, `secret`, `upload`, `rollback`, …)."""
    message: str | None = None
    version: str | None = None
    evidence: Literal["version", "audit log", "unknown"] = "unknown"
    note: str | None = None
    """Why the answer is partial or unknown."""

    def describe(self) -> str:
        """One line: `changed 2026-01-02T03:04:05Z by ops@example.com via dashboard …`."""
        if self.evidence == "unknown":
            return "changed by unknown author" + (f" ({self.note})" if self.note else "")
        parts = ["changed"]
        parts += [self.when] if self.when else []
        parts += [f"by {self.author or 'unknown author'}"]
        via = " ".join(x for x in (self.via, f"({self.action})" if self.action else "") if x)
        parts += [f"via {via}"] if via else []
        parts += [f"in version {self.version}"] if self.version else []
        text = " ".join(parts)
        text += f': "{self.message}"' if self.message else ""
        return text + (f" ({self.note})" if self.note else "")


class Finding(BaseModel):
    """One result of validate, diff, drift or check; the only thing reporters render."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    code: str
    severity: Severity
    env: str | None
    path: str
    message: str
    hint: str | None = None
    expected: JSON = None
    actual: JSON = None
    kind: Kind | None = None
    source: Source | None = None
    suppressed: str | None = None
    """The reason of the ignore rule that suppressed this finding, if one did."""
    attribution: Attribution | None = None
    """Who last changed the live value (drift findings, unless `--no-attribution`)."""

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.env or "", -self.severity.rank, self.path, self.code)


# --------------------------------------------------------------------------- errors


class FieldError(BaseModel):
    """One pydantic validation error, translated: a dotted path, a message and a hint."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    loc: tuple[str | int, ...]
    message: str
    hint: str | None = None
    kind: str


def field_errors(
    exc: ValidationError, *, known: Mapping[tuple[str | int, ...], Iterable[str]] | None = None
) -> list[FieldError]:
    """Translate a pydantic ValidationError into FieldErrors with "did you mean" hints.

    `known` maps a parent loc to the allowed keys there, for unknown-key suggestions.
    """
    result: list[FieldError] = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        hint = None
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
            allowed = list((known or {}).get(loc[:-1], ()))
            hint = did_you_mean(str(loc[-1]), allowed)
        elif error["type"] == "missing":
            message = f"required key {loc[-1]!r} is missing"
        result.append(FieldError(loc=loc, message=message, hint=hint, kind=error["type"]))
    return result


def validated(
    model: type[ModelT],
    data: Any,
    *,
    known: Mapping[tuple[str | int, ...], Iterable[str]] | None = None,
) -> tuple[ModelT | None, list[FieldError]]:
    """Validate `data` into `model`: the instance, or None and every error translated.

    The one place pydantic's ValidationError is caught, so no other module needs pydantic.
    """
    try:
        return model.model_validate(data), []
    except ValidationError as e:
        return None, field_errors(e, known=known)


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the union member or validator name to a loc ("function-after[...]").
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})


def did_you_mean(word: str, choices: Sequence[str] | Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt name, or None when nothing is close."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {matches[0]!r}?" if matches else None


def model_keys(model: type[BaseModel]) -> list[str]:
    """The keys a user may write for a model (aliases where a field has one)."""
    return [f.alias or name for name, f in model.model_fields.items()]


ScopeName = Literal["promotable", "environment"]


# --------------------------------------------------------------------------- results


class Report(BaseModel):
    """What a command found: the findings of every environment it looked at.

    `unknown` lists environments whose state could not be determined (a live read
    failed); they make the run exit 3 whatever else was found.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    command: str
    envs: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    unknown: dict[str, str] = Field(default_factory=dict)
    """env -> why its state is unknown."""
    shard: str | None = None
    """`i/n` when this report is one shard of a sharded run (`--shard`)."""
    source: str | None = None
    """The environment compared from, in a `diff` report (its findings are the target's)."""

    @property
    def active(self) -> tuple[Finding, ...]:
        """Findings that no ignore rule suppressed."""
        return tuple(f for f in self.findings if f.suppressed is None)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppressed is not None)

    @property
    def undetermined(self) -> bool:
        """Whether some state is unknown: an unread environment, or an unread key not ignored."""
        return bool(self.unknown) or any(f.kind is Kind.UNKNOWN for f in self.active)

    def summary(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.active:
            counts[finding.severity.value] += 1
        counts["suppressed"] = len(self.suppressed)
        counts["environments"] = len(self.envs)
        counts["unknown"] = len(self.unknown)
        return counts

    def fails(self, fail_on: Severity) -> bool:
        return any(f.severity.rank >= fail_on.rank for f in self.active)


def unique(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """Findings without exact duplicates, in report order."""
    seen: dict[str, Finding] = {}
    for item in findings:
        seen.setdefault(item.model_dump_json(), item)
    return tuple(sorted(seen.values(), key=Finding.sort_key))


# --------------------------------------------------------------------------- live state


class LiveWorker(BaseModel):
    """What one environment's Worker really is on Cloudflare, normalised into a WorkerConfig.

    `config.secrets.required` holds the names of the live secrets (values are never
    read); `secret_types` their types. `exists` is False when the script is absent.
    When the active deployment splits traffic between versions, `versions` holds the
    config of each version by id (with its percentage in `deployment`).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    env: str
    script: str
    exists: bool
    config: WorkerConfig | None = None
    secret_types: dict[str, str] = Field(default_factory=dict)
    deployment: dict[str, JSON] | None = None
    versions: dict[str, WorkerConfig] = Field(default_factory=dict)
    unsupported: tuple[str, ...] = ()
    """Live bindings and settings envman does not model, as `"<type> <name>"`; listed (info)."""
    unread: dict[str, str] = Field(default_factory=dict)
    """WorkerConfig fields whose live side was not read, with the reason: never compared,
    reported as unknown."""
    requests: int = 0


class Snapshot(BaseModel):
    """Normalised live state of several Workers, saved by `envman snapshot` for offline drift."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    format: Literal["envman-snapshot/1"] = "envman-snapshot/1"
    taken_at: str
    account_id: str | None = None
    workers: tuple[LiveWorker, ...] = ()
