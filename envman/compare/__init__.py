"""Pure comparison of configs: differences, drift findings, and rules across environments."""

from __future__ import annotations

from envman.compare.differences import Difference, compare, explain, normalise
from envman.compare.drift import apply_ignores, drift_fields, unknown_finding, worker_findings
from envman.compare.fixes import adopt_edits, adoptable, shortest
from envman.compare.normalisation import CATALOGUE, Default
from envman.compare.rules import cross_environment

__all__ = [
    "CATALOGUE",
    "Default",
    "Difference",
    "adopt_edits",
    "adoptable",
    "apply_ignores",
    "compare",
    "cross_environment",
    "drift_fields",
    "explain",
    "normalise",
    "shortest",
    "unknown_finding",
    "worker_findings",
]
