"""Sharded drift runs: each shard's stable slice of environments, merged back into one report.

`--shard i/n` keeps the environments whose name hashes to slice `i` of `n` (SHA-256 of the
name, so a shard keeps its environments when others are added or removed) and takes
`1/n` of the per-token request budget. `envman report merge` reads the JSON reports of
the shards and gives one report and one exit code; a shard that is missing, present
twice, or overlapping another is an error, never a silently smaller report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from envman.errors import InputError, UsageError
from envman.models import Finding, Report, unique

Shard = tuple[int, int]
"""(index, count), 1-based: `(2, 4)` is `--shard 2/4`."""


def parse_shard(text: str) -> Shard:
    """`"2/4"` -> (2, 4); a UsageError for anything else."""
    index, slash, count = text.partition("/")
    if not slash or not index.isdigit() or not count.isdigit():
        raise UsageError(f"--shard {text!r} is not INDEX/COUNT", hint="for example --shard 2/4")
    shard = int(index), int(count)
    if not 1 <= shard[0] <= shard[1]:
        raise UsageError(f"--shard {text!r}: INDEX must be between 1 and COUNT")
    return shard


def in_shard(env: str, shard: Shard) -> bool:
    """Whether `env` belongs to `shard` (stable: depends on the name and the count only)."""
    index, count = shard
    digest = hashlib.sha256(env.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count == index - 1


def shard_envs(envs: Sequence[str], shard: Shard | None) -> tuple[str, ...]:
    """The environments of `envs` in `shard`, in their order (all of them without a shard)."""
    return tuple(envs) if shard is None else tuple(e for e in envs if in_shard(e, shard))


def shard_budget(requests: int, shard: Shard | None) -> int:
    """A shard's share of the per-token request budget."""
    return requests if shard is None else max(1, requests // shard[1])


def merge_reports(paths: Sequence[Path]) -> Report:
    """One report from the JSON reports of several shards (or of several runs)."""
    if not paths:
        raise UsageError("give the JSON reports to merge")
    reports = [(path, _read(path)) for path in paths]
    commands = {report.command for _, report in reports}
    if len(commands) > 1:
        raise InputError(f"cannot merge reports of different commands: {sorted(commands)}")
    seen: dict[str, Path] = {}
    for path, report in reports:
        for env in report.envs:
            if env in seen:
                raise InputError(
                    f"environment {env!r} is in two reports: {seen[env]} and {path}",
                    hint="each shard must check a different slice (--shard i/n, same n)",
                )
            seen[env] = path
    _check_shards([(path, r.shard) for path, r in reports])
    findings: list[Finding] = [f for _, r in reports for f in r.findings]
    return Report(
        command=reports[0][1].command,
        envs=tuple(env for _, r in reports for env in r.envs),
        findings=unique(findings),
        unknown={env: why for _, r in reports for env, why in r.unknown.items()},
    )


def _check_shards(shards: list[tuple[Path, str | None]]) -> None:
    given = [(path, s) for path, s in shards if s]
    if not given:
        return
    counts = {s.split("/")[1] for _, s in given}
    if len(given) != len(shards) or len(counts) != 1:
        raise InputError("the reports come from different shardings (or some from none)")
    count = int(counts.pop())
    have = sorted(int(s.split("/")[0]) for _, s in given)
    missing = sorted(set(range(1, count + 1)) - set(have))
    if missing or len(have) != len(set(have)):
        raise InputError(
            f"shards of {count} do not add up: have {have}, missing {missing}",
            hint="merge the JSON report of every shard, each once",
        )


def _read(path: Path) -> Report:
    from envman.files import read_text
    from envman.models import validated
    from envman.parse import parse_jsonc

    data: Any = parse_jsonc(read_text(path, str(path)), str(path)).data
    if not isinstance(data, dict) or data.get("version") != 1 or "findings" not in data:
        raise InputError("not an envman JSON report (--format json)", file=str(path))
    findings: list[Finding] = []
    for index, raw in enumerate(data.get("findings") or []):
        item, problems = validated(Finding, raw)
        if item is None:
            where = ".".join(str(p) for p in problems[0].loc)
            raise InputError(f"finding {index}: {where}: {problems[0].message}", file=str(path))
        findings.append(item)
    report, problems = validated(
        Report,
        {
            "command": data.get("command"),
            "envs": data.get("environments") or [],
            "findings": findings,
            "unknown": data.get("unknown") or {},
            "shard": data.get("shard"),
        },
    )
    if report is None:
        where = ".".join(str(p) for p in problems[0].loc)
        raise InputError(
            f"not an envman JSON report: {where}: {problems[0].message}", file=str(path)
        )
    return report
