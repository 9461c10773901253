"""Ignore rules: findings accepted in envman.toml, applied alike by validate, check and drift.

A rule (`[[ignore]]`, see envman.project.IgnoreRule) matches a finding by code (a glob),
environment (a glob; a rule without one matches every environment and the project-wide
findings) and path (a glob). A matched finding stays in the report, marked `suppressed`
with the rule's reason: reporters count it and `--verbose` lists it, but it fails no run.

What a run says about its rules:

- EM407: a rule past its `expires` date suppresses nothing and warns, in every run that
  could report a finding it names (by code).
- EM008 (info): a rule that matched nothing, in a run that covered everything it could
  match: every code its glob names is one the command reports offline (drift comes and
  goes with live state, so a drift rule is never called unused), and every environment
  its glob names was looked at. `envman validate staging` never calls a production rule
  unused; `envman validate` does.
- EM009 (info): the project still has `[[drift.ignore]]` rules (read as `code = "EM4*"`).

Meta findings (these three) and EM406 (live state unknown) are never suppressed.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property, partial

from envman.codes import CODES, finding
from envman.models import Finding, Source
from envman.project import TOP_LEVEL, DriftIgnoreRule, IgnoreRule, Project

UNSUPPRESSIBLE = frozenset({"EM406", "EM407", "EM008", "EM009"})

VALIDATE_CODES = ("EM0", "EM1", "EM2", "EM3")
DRIFT_CODES = ("EM4",)
CHECK_CODES = (*VALIDATE_CODES, *DRIFT_CODES)
"""The code families each command reports (by prefix)."""


@dataclass(frozen=True)
class Scope:
    """What one run covered: the code families its command reports, the environments it read.

    `envs` and `all_envs` include wrangler's top level (`top-level`) when the run checks
    it, since wrangler file findings of the top level carry that environment.
    """

    codes: tuple[str, ...]
    envs: tuple[str, ...]
    all_envs: tuple[str, ...]


@dataclass(frozen=True)
class PlacedRule:
    """A rule and where envman.toml has it: its key path (`ignore.0`) and location."""

    label: str
    rule: IgnoreRule
    located: Source | Callable[[], Source | None] | None = None
    """Its location, or how to look it up: locating scans envman.toml, which only a finding
    about the rule itself needs (a run whose rules all match or stay silent never does)."""

    @cached_property
    def source(self) -> Source | None:
        """Where envman.toml has the rule (None when unknown)."""
        return self.located() if callable(self.located) else self.located


def project_rules(project: Project, locate: Callable[[str], Source | None]) -> list[PlacedRule]:
    """The project's rules in file order, each located by `locate(label)` when asked."""
    return [
        PlacedRule(label, rule, partial(locate, label)) for label, rule in project.ignore_rules()
    ]


def apply_ignores(
    findings: Sequence[Finding],
    rules: Sequence[PlacedRule | IgnoreRule | DriftIgnoreRule],
    *,
    today: date,
    source: Source | None = None,
    scope: Scope | None = None,
) -> list[Finding]:
    """`findings` with those a live rule matches marked suppressed, plus EM407/EM008/EM009.

    Without `scope` (a caller that only wants suppression, such as a guardrail) no rule
    is reported unused, and every expired rule warns. Bare rules are located at `source`.
    """
    placed = [_placed(index, rule, source) for index, rule in enumerate(rules)]
    active = [p for p in placed if p.rule.expires is None or p.rule.expires >= today]
    used: set[str] = set()
    result: list[Finding] = []
    for item in findings:
        if item.code not in UNSUPPRESSIBLE and item.suppressed is None:
            match = next((p for p in active if matches(p.rule, item)), None)
            if match is not None:
                used.add(match.label)
                item = item.model_copy(update={"suppressed": match.rule.reason})
        result.append(item)
    for p in placed:
        if scope is not None and not _names_reported_codes(p.rule, scope):
            continue
        if p.rule.expires is not None and p.rule.expires < today:
            result.append(_expired(p))
        elif scope is not None and p.label not in used and _covered(p.rule, scope):
            result.append(_unused(p))
    legacy = [p for p in placed if p.label.startswith("drift.")]
    if legacy and scope is not None:
        result.append(_moved(legacy))
    return result


def matches(rule: IgnoreRule, item: Finding) -> bool:
    """Whether `rule` names `item`: its code, environment and path globs all match."""
    if not fnmatch.fnmatchcase(item.code, rule.code):
        return False
    if rule.env is not None and not fnmatch.fnmatchcase(item.env or "", rule.env):
        return False
    return fnmatch.fnmatchcase(item.path, rule.path)


def _placed(
    index: int, rule: PlacedRule | IgnoreRule | DriftIgnoreRule, source: Source | None
) -> PlacedRule:
    if isinstance(rule, PlacedRule):
        return rule
    if isinstance(rule, DriftIgnoreRule):
        return PlacedRule(f"drift.ignore.{index}", rule.as_rule(), source)
    return PlacedRule(f"ignore.{index}", rule, source)


def _codes(rule: IgnoreRule) -> list[str]:
    return [code for code in CODES if fnmatch.fnmatchcase(code, rule.code)]


def _names_reported_codes(rule: IgnoreRule, scope: Scope) -> bool:
    """Whether the rule names some code this command reports (an unknown code: yes, to flag it)."""
    codes = _codes(rule)
    return not codes or any(code.startswith(scope.codes) for code in codes)


def _covered(rule: IgnoreRule, scope: Scope) -> bool:
    """Whether the run could have reported every finding the rule names (drift's aside)."""
    judged = tuple(c for c in scope.codes if c in VALIDATE_CODES)
    if not judged or not all(code.startswith(judged) for code in _codes(rule)):
        return False
    names = (
        scope.all_envs
        if rule.env is None
        else [e for e in scope.all_envs if fnmatch.fnmatchcase(e, rule.env)]
    )
    return set(names) <= set(scope.envs)


def _describe(rule: IgnoreRule) -> str:
    parts = [f"code {rule.code}"]
    if rule.env is not None:
        parts.append(f"env {rule.env}")
    if rule.path != "*":
        parts.append(f"path {rule.path}")
    return ", ".join(parts)


def _expired(p: PlacedRule) -> Finding:
    assert p.rule.expires is not None
    return finding(
        "EM407",
        env=None,
        path=p.label,
        message=f"ignore rule ({_describe(p.rule)}) expired on {p.rule.expires.isoformat()} "
        f"({p.rule.reason}); what it accepted is reported again",
        hint="renew `expires` in envman.toml if the findings are still accepted, "
        "or remove the rule",
        source=p.source,
    )


def _unused(p: PlacedRule) -> Finding:
    return finding(
        "EM008",
        env=None,
        path=p.label,
        message=f"ignore rule ({_describe(p.rule)}) matched no finding",
        hint="remove it if what it accepted is fixed; else check its code, env and path "
        "against the finding (`--no-ignore --format json` shows every finding's code and path)",
        source=p.source,
    )


def _moved(legacy: list[PlacedRule]) -> Finding:
    first = legacy[0]
    lines = [
        "[[ignore]]",
        'code = "EM4*"',
        *([f'env = "{first.rule.env}"'] if first.rule.env is not None else []),
        f'path = "{first.rule.path}"',
        "reason = ...",
    ]
    return finding(
        "EM009",
        env=None,
        path="drift.ignore",
        message=f"{len(legacy)} `[[drift.ignore]]` rule(s): the former, drift-only form, read "
        'as `[[ignore]]` with code = "EM4*"',
        hint="move each to `[[ignore]]` (same keys, plus code), e.g. " + "; ".join(lines),
        source=first.source,
    )


def scope_for(
    codes: tuple[str, ...], envs: Sequence[str], all_envs: Sequence[str], *, top_level: bool
) -> Scope:
    """The Scope of a run over `envs` of the project's `all_envs` (plus `top-level` if checked)."""
    extra = (TOP_LEVEL,) if top_level else ()
    return Scope(codes=codes, envs=(*envs, *extra), all_envs=(*all_envs, *extra))
