"""envman.toml as a typed Project: the environments in pipeline order and their policies.

A plain wrangler project (no envman.toml) is a Project too, derived from the wrangler
file (`Project.zero_setup`): its environments are the top level plus each `[env.X]`,
nothing is protected, and the audit log is at its default path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from envman.models import model_keys

_STRICT = ConfigDict(frozen=True, extra="forbid", strict=True, defer_build=True)
"""envman.toml is read as written: `sync_wrangler = "no"` is an error, not True. Arrays and
dates stay lax (`strict=False` on the field): TOML gives lists, and a date may be quoted."""

TOP_LEVEL = "top-level"
"""The environment name envman gives wrangler's top level (what `wrangler deploy` deploys
without `--env`) when the wrangler file alone defines the environments. An `[env.top-level]`
section, should one exist, is shadowed by it."""

PROJECT_FILE = "envman.toml"


class IgnoreRule(BaseModel):
    """`[[ignore]]`: findings accepted as they are, by code, environment and path, with a reason.

    The one mechanism for validate, check and drift. A suppressed finding is still
    reported (and counted in the summary), but no longer fails the run; `--no-ignore`
    shows it as active again. An expired rule suppresses nothing and warns (EM407); a
    rule that matched nothing in a run that covered everything it could match is
    reported as unused (EM008).
    """

    model_config = _STRICT

    code: str = Field(
        min_length=1,
        description="The finding code, or a glob of codes: `EM201`, `EM4*` (every drift finding).",
    )
    env: str | None = Field(
        default=None, description="Only in this environment (glob; default: every one)."
    )
    path: str = Field(
        default="*", description="Only findings at this path (glob), e.g. `vars.FEATURE_*`."
    )
    reason: str = Field(min_length=1, description="Why these findings are accepted (required).")
    expires: date | None = Field(
        default=None,
        strict=False,
        description="From the day after, the rule suppresses nothing and warns (EM407).",
    )


DRIFT_CODES = "EM4*"
"""The codes a `[[drift.ignore]]` rule (the former, drift-only form) applies to."""


class DriftIgnoreRule(BaseModel):
    """`[[drift.ignore]]`: the former, drift-only ignore rule, still read (deprecated, EM009).

    Migration: move each rule to `[[ignore]]` with the same `path`, `env`, `reason` and
    `expires`, and add `code = "EM4*"` (every drift finding; name one code, such as
    `EM402`, to accept less). Unlike the former rule, `[[ignore]]` also accepts findings
    of validate and check, and says when a rule matched nothing (EM008).
    """

    model_config = _STRICT

    path: str = Field(description="Finding path or glob, e.g. `vars.FEATURE_*`.")
    env: str | None = Field(default=None, description="Only in this environment (glob).")
    reason: str = Field(description="Why this difference is accepted.")
    expires: date | None = Field(
        default=None, strict=False, description="After this date the rule warns."
    )

    def as_rule(self) -> IgnoreRule:
        """The `[[ignore]]` rule this one means."""
        return IgnoreRule.model_construct(
            code=DRIFT_CODES,
            env=self.env,
            path=self.path,
            reason=self.reason,
            expires=self.expires,
        )


class DriftPolicy(BaseModel):
    """`[drift]` in envman.toml."""

    model_config = _STRICT

    ignore: tuple[DriftIgnoreRule, ...] = Field(
        default=(),
        strict=False,
        description='Deprecated: write `[[ignore]]` rules with `code = "EM4*"` instead (EM009).',
    )


class PromotionPolicy(BaseModel):
    """`[promotion]` in envman.toml."""

    model_config = _STRICT

    sync_wrangler: bool = Field(
        default=True,
        description="Also edit `[env.TARGET]` of the wrangler file when promoting.",
    )
    environment_specific: tuple[str, ...] = Field(
        default=(),
        strict=False,
        description="Path patterns never promoted, beyond the built-in ones (e.g. `triggers.crons`).",
    )


_ENV_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


class Project(BaseModel):
    """envman.toml: the project, its environments in pipeline order, and its policies."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, strict=True, defer_build=True
    )

    worker: str = Field(description="Base name of the Worker (wrangler's top-level `name`).")
    account_id: str | None = Field(default=None, description="Cloudflare account id.")
    environments: tuple[str, ...] = Field(
        description="Environment names in pipeline order, e.g. development, staging, production.",
        min_length=1,
        strict=False,
    )
    protected: tuple[str, ...] = Field(
        default=(),
        strict=False,
        description="Environments that need --reason and confirmation to change.",
    )
    environments_dir: str = Field(default="environments", description="Folder of env files.")
    schema_file: str = Field(
        default="schemas/vars.toml",
        alias="schema",
        description="schemas/vars.toml, or `python:module:Model` for a pydantic model.",
    )
    wrangler_file: str | None = Field(
        default=None,
        alias="wrangler",
        description="Path of the wrangler file; auto-detected (json > jsonc > toml) when unset.",
    )
    audit_log: str = Field(default=".envman/audit.jsonl", description="Audit log path.")
    top_level: str | None = Field(
        default=None,
        description="The environment that wrangler's top level deploys (`wrangler deploy` "
        "without `--env`), when it has no `[env.NAME]` section, e.g. `development`.",
    )
    ignore: tuple[IgnoreRule, ...] = Field(
        default=(),
        strict=False,
        description="`[[ignore]]` rules: findings accepted, with a reason (validate, check, drift).",
    )
    promotion: PromotionPolicy = PromotionPolicy()
    drift: DriftPolicy = DriftPolicy()

    @field_validator("environments", "protected")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not _ENV_NAME.match(name):
                raise ValueError(
                    f"environment name {name!r} must be letters, digits, '-' or '_' "
                    "(no path separators or spaces)"
                )
        if len(set(value)) != len(value):
            raise ValueError("environment names must be unique")
        return value

    @model_validator(mode="after")
    def _protected_known(self) -> Project:
        unknown = [p for p in self.protected if p not in self.environments]
        if unknown:
            raise ValueError(f"protected environments not in `environments`: {unknown}")
        if self.top_level is not None and self.top_level not in self.environments:
            raise ValueError(f"top_level {self.top_level!r} is not in `environments`")
        return self

    def ignore_rules(self) -> tuple[tuple[str, IgnoreRule], ...]:
        """Every ignore rule with the key path it is written at: `[[ignore]]`, then the
        deprecated `[[drift.ignore]]` (as rules for the drift codes)."""
        return (
            *((f"ignore.{i}", rule) for i, rule in enumerate(self.ignore)),
            *((f"drift.ignore.{i}", rule.as_rule()) for i, rule in enumerate(self.drift.ignore)),
        )


def project_known_keys(data: Any = None) -> dict[tuple[str | int, ...], list[str]]:
    """Allowed keys per table of envman.toml (`data`'s rule tables included), for suggestions."""
    known: dict[tuple[str | int, ...], list[str]] = {
        (): model_keys(Project),
        ("promotion",): model_keys(PromotionPolicy),
        ("drift",): model_keys(DriftPolicy),
    }
    data = data if isinstance(data, dict) else {}
    drift = data.get("drift") if isinstance(data.get("drift"), dict) else {}
    for at, rules, model in (
        (("ignore",), data.get("ignore"), IgnoreRule),
        (("drift", "ignore"), drift.get("ignore"), DriftIgnoreRule),
    ):
        for index in range(len(rules) if isinstance(rules, list) else 0):
            known[(*at, index)] = model_keys(model)
    return known


def zero_setup_project(
    worker: str, env_names: Sequence[str], *, wrangler_file: str, account_id: str | None
) -> Project:
    """The Project of a plain wrangler project: its top level and each `[env.X]`, unprotected.

    Built without validation: wrangler allows environment names (spaces, capitals) that
    envman.toml does not, and the wrangler checks report those.
    """
    return Project.model_construct(
        worker=worker,
        account_id=account_id,
        environments=(TOP_LEVEL, *env_names),
        protected=(),
        environments_dir="environments",
        schema_file="schemas/vars.toml",
        wrangler_file=wrangler_file,
        audit_log=".envman/audit.jsonl",
        top_level=None,
        ignore=(),
        promotion=PromotionPolicy(),
        drift=DriftPolicy(),
    )
