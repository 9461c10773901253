"""Pure comparison of configs: differences, drift findings, rules across environments, ignore rules."""

from __future__ import annotations

from envman.compare.differences import Difference, compare, explain, normalise
from envman.compare.drift import drift_fields, unknown_finding, worker_findings
from envman.compare.fixes import adopt_edits, adoptable, shortest
from envman.compare.ignore import (
    CHECK_CODES,
    DRIFT_CODES,
    VALIDATE_CODES,
    PlacedRule,
    Scope,
    apply_ignores,
    project_rules,
    scope_for,
)
from envman.compare.normalisation import CATALOGUE, Default
from envman.compare.rules import cross_environment

__all__ = [
    "CATALOGUE",
    "CHECK_CODES",
    "DRIFT_CODES",
    "VALIDATE_CODES",
    "Default",
    "Difference",
    "PlacedRule",
    "Scope",
    "adopt_edits",
    "adoptable",
    "apply_ignores",
    "compare",
    "cross_environment",
    "drift_fields",
    "explain",
    "normalise",
    "project_rules",
    "scope_for",
    "shortest",
    "unknown_finding",
    "worker_findings",
]
