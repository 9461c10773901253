"""The wrangler file: found, read, resolved per environment as wrangler does, and checked."""

from __future__ import annotations

from envman.wrangler.checks import check
from envman.wrangler.cron import cron_problem
from envman.wrangler.findings import dotted
from envman.wrangler.read import (
    WRANGLER_FILES,
    ResolvedEnv,
    WranglerFile,
    find_wrangler_file,
    parse_wrangler,
    read_wrangler,
    resolve,
    resolve_all,
    unmanaged_keys,
)
from envman.wrangler.schema import environment_keys, top_level_keys
from envman.wrangler.values import check_values, name_problem, non_finite_numbers

__all__ = [
    "WRANGLER_FILES",
    "ResolvedEnv",
    "WranglerFile",
    "check",
    "check_values",
    "cron_problem",
    "dotted",
    "environment_keys",
    "find_wrangler_file",
    "name_problem",
    "non_finite_numbers",
    "parse_wrangler",
    "read_wrangler",
    "resolve",
    "resolve_all",
    "top_level_keys",
    "unmanaged_keys",
]
