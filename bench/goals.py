"""The goals of issue 14, how a row is judged against them, and the profile of a row that misses.

A row meets its goal when every criterion does (a time, a ratio to the bare interpreter,
requests per Worker). A row that misses gets a profile summary: the same envman command
run once more under cProfile in a fresh interpreter, its top functions by cumulative
time (import machinery left out, so an import shows as the module that is imported).
"""

from __future__ import annotations

import pstats
import statistics
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bench.common import REPO, Context, Criterion, Row, Sample, fmt_seconds, run_once

TOP = 5
"""How many functions a profile summary shows."""


def seconds(value: float, limit: float) -> Criterion:
    return Criterion(value, limit, "s")


def ratio(value: float, limit: float) -> Criterion:
    return Criterion(value, limit, "x")


def per_worker(value: float, limit: float) -> Criterion:
    return Criterion(value, limit, "requests/Worker")


# The goals of issue 14 (limits in seconds, ratios or requests per Worker).
HELP_RATIO = 10.0
VALIDATE_RATIO = 15.0
VALIDATE_LARGE_SECONDS = 1.0
PROMOTE_SECONDS = 0.4
AUDIT_SECONDS = 0.3
DRIFT_SECONDS = 3.0
DRIFT_REQUESTS = 5.0
DRIFT_ATTRIBUTION_REQUESTS = 8.0
SNAPSHOT_SECONDS = 3.5


def interleaved_ratio(bare: Sequence[Sample], samples: Sequence[Sample]) -> float:
    """Median wall time of the command over the median of the bare interpreter, same runs."""
    return statistics.median(s.seconds for s in samples) / statistics.median(
        s.seconds for s in bare
    )


def cpu_ratio(bare: Sequence[Sample], samples: Sequence[Sample]) -> float:
    """The same ratio in CPU time (user + system), which other load disturbs less."""
    return statistics.median(s.cpu_seconds for s in samples) / statistics.median(
        s.cpu_seconds for s in bare
    )


def judge(
    ctx: Context,
    row: Row,
    criteria: Sequence[Criterion],
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    prepare: Callable[[], Path] | None = None,
) -> Row:
    """Give `row` its criteria; when it misses one, profile `envman ARGS` once (in `cwd`, or
    in a fresh folder from `prepare` for a command that changes its project)."""
    row.criteria = list(criteria)
    if row.met is False and ctx.profiling:
        ctx.log(f"{row.name} misses its goal: profiling `envman {' '.join(args)}`")
        where = prepare() if prepare is not None else cwd
        row.profile = profile(ctx.interpreter().path, args, cwd=where, env=env)
    return row


PROFILE = """
import cProfile, sys
out = sys.argv[1]
sys.argv = ["envman", *sys.argv[2:]]
profile = cProfile.Profile()
code = 0
profile.enable()
try:
    from envman.cli.app import main
    code = main()
except SystemExit as e:
    code = e.code
finally:
    profile.disable()
    profile.dump_stats(out)
sys.exit(code)
"""
"""Runs `envman ARGS` under cProfile from the first import on: start-up is profiled too."""

_PLUMBING = (
    "<frozen importlib._bootstrap",
    "<built-in method builtins.exec>",
    "<built-in method builtins.__import__>",
    "<string>",
    "envman/cli/__init__.py:",
    "envman/cli/app.py:",
    "typer/core.py:",
    "typer/main.py:",
    "typer/_click/core.py:",
)
"""Frames that only carry others: the import system, exec, the profiling wrapper, and the
command line's entry points and dispatch (the command's own function stays)."""
WHOLE_RUN = 0.9
"""A function whose cumulative time is over this share of the run is an entry point (main,
the CLI package's import): it says nothing about where the time goes."""


def profile(
    python: str, args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None
) -> list[str]:
    """The top functions by cumulative time of one profiled `envman ARGS`, one line each."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "envman.prof"
        sample = run_once([python, "-c", PROFILE, str(out), *args], cwd=cwd, env=env)
        if not out.is_file():
            return [f"(no profile: the profiled run exited {sample.returncode})"]
        stats = pstats.Stats(str(out))
    entries = stats.stats  # type: ignore[attr-defined]
    total = float(stats.total_tt)  # type: ignore[attr-defined]
    rows = []
    for (filename, line, name), (_, calls, own, cum, _) in entries.items():
        label = name if filename == "~" else f"{_short(filename)}:{line}({name})"
        if label.startswith(_PLUMBING) or cum >= WHOLE_RUN * total:
            continue
        rows.append((cum, own, calls, label))
    rows.sort(reverse=True)
    lines = [
        f"profiled run: {fmt_seconds(total)} under cProfile; the import system, exec, the "
        f"CLI's dispatch and anything over {WHOLE_RUN:.0%} of the run left out"
    ]
    lines += [
        f"{fmt_seconds(cum):>9} cumulative {fmt_seconds(own):>9} own {calls:>7} calls  {label}"
        for cum, own, calls, label in rows[:TOP]
    ]
    return lines


def _short(filename: str) -> str:
    """A file name relative to the repository or to site-packages, for short lines."""
    for marker in ("site-packages/", str(REPO) + "/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
