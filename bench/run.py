"""Run every envman benchmark and print one markdown table.

    python bench/run.py [--runs N] [--only NAME...] [--skip-slow] [--here]
                        [--write docs/performance.md]

Every timed command is a real subprocess of an installed `envman`: by default a wheel of
the working tree installed in a scratch virtual environment (bench/install.py: issue 14's
figures are of an installed wheel, and an editable install's import hook would sit in
the bare-interpreter baseline), with `--here` the one next to this interpreter (else
`python -m envman`). Interpreter and import start-up are included. Each benchmark is
one module under bench/ with a `run(ctx) -> list[Row]`, registered in BENCHMARKS below. Generated projects go to a temporary folder that is
removed at the end (`--keep` keeps it). Exit status: 0, or 1 when a benchmark failed
its sanity check (a row says FAILED and the reason is printed on stderr).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (
    audit_verify,
    drift,
    goals,
    install,
    parsing,
    promote,
    startup,
    validate,
    validate_large,
)
from bench.common import REPO, BenchFailure, Context, NotAvailable, Row, Skip, fmt_seconds

MIN_RUNS = 5
WHEEL = (
    "a wheel of the working tree, installed in a scratch virtual environment that sees "
    "this environment's site-packages (bench/install.py)"
)
HERE = "the envman installed for the runner's interpreter (`--here`)"
BUSY_LOAD = 0.5
"""A load average above this (on an idle machine it stays near 0) says others were running."""


@dataclass(frozen=True)
class Benchmark:
    name: str
    title: str
    """The row name used when the benchmark produces no rows of its own (skipped, failed)."""
    run: Callable[[Context], list[Row]]
    about: str
    """What its rows measure, for docs/performance.md."""


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark(
        "startup",
        "start-up",
        startup.run,
        "`python -c pass` is the bare interpreter start-up of the same Python, the baseline "
        "every ratio refers to (the interpreter of the `envman` script, run directly). "
        "`envman --help` and `envman --version` are the cost of importing the CLI (typer "
        "and the command modules) and exiting, each measured interleaved with the bare "
        "interpreter; neither should import the Cloudflare SDK, deepdiff, rich or dynaconf.",
    ),
    Benchmark(
        "validate",
        "`envman validate` (bundled project)",
        validate.run,
        "`envman validate` in the repository root: the dogfooded dashboard-worker project "
        "(3 environments layered over base.toml, schemas/vars.toml, and the consistency "
        "check of each environment against its `[env.X]` in wrangler.toml). The ratio to "
        "the bare interpreter is the number to watch (interleaved, as for `--help`).",
    ),
    Benchmark(
        "validate-large",
        "`envman validate` (20 envs × 500 vars)",
        validate_large.run,
        "`envman validate` on a generated project: 20 environments (env00..env19) of 500 "
        "vars each (types cycle through string, integer, number, boolean, enum, url, json, "
        "with constraints), each with its own worker name and KV/D1/R2 ids, a schema "
        "declaring the 500 vars, and a wrangler.toml with the 20 matching `[env.X]` "
        "sections so the consistency check runs too. The project is valid by "
        "construction: any exit status but 0 fails the benchmark.",
    ),
    Benchmark(
        "drift",
        "`envman drift --all --format json` (100 Workers)",
        drift.run,
        "`envman drift --all --format json` against the fake Cloudflare API "
        "(tests/fakecf, with Cloudflare's server-side defaults on) started as a subprocess "
        "with 50 ms of latency on every request. envman reads one project at a time with "
        "one Worker per environment, so the 100 Workers are one generated project with 100 "
        "environments (w000..w099, 20 vars, a secret, a cron, KV/D1/R2 each). The fake is "
        "seeded with what `wrangler deploy` of each environment would leave, so drift "
        "without attribution must be clean (exit 0); `envman snapshot` then reads "
        "everything of the same 100 Workers; then the fake edits one var of every Worker "
        "in the dashboard and drift with attribution must exit 1 with every finding "
        "attributed to the editor (the versions list and one version per Worker). "
        "Requests per Worker come from the fake's own request log: `python -m tests.fakecf` "
        "cannot report it, so bench/fakeserver.py runs the same fake with `count` and "
        "`drift` commands on stdin. The sequential row is drift with `--concurrency 1`, "
        "run once (it takes about 30 s); `--skip-slow` omits it.",
    ),
    Benchmark(
        "audit",
        "`envman audit verify` (10,000 entries)",
        audit_verify.run,
        "`envman audit verify` over a 10,000-entry hash-chained log, written with "
        "envman.audit's canonical JSON and SHA-256 exactly as `append` would (without "
        "10,000 fsyncs) and checked in-process with `envman.audit.verify` before timing; "
        "then the same log HMAC-signed, verified with ENVMAN_AUDIT_KEY set.",
    ),
    Benchmark(
        "promote",
        "`envman promote staging production` (100 of 1,000 keys)",
        promote.run,
        "`envman promote staging production --yes --reason bench` on a generated project "
        "whose staging and production have 1,000 vars each, 100 of them different, all "
        "promotable, with wrangler.toml kept in step (`sync_wrangler`, the default). Each "
        "run starts from a fresh copy of the project (copied untimed) and must report "
        "100 changes. No API token is set, so the live guardrails are skipped. The row "
        'reads "not available yet" when `envman promote --help` fails.',
    ),
    Benchmark(
        "parse",
        "located parsers (1 MB)",
        parsing.run,
        "Library micro-benchmarks in the runner's own process (no start-up): "
        "`envman.parse.parse_jsonc` on a ~1 MB wrangler.jsonc with comments and trailing commas, "
        "and `envman.parse.read_toml` (tomllib plus the tree-sitter scan) on a "
        "~1 MB wrangler.toml; the notes give the plain `json.loads` / `tomllib.loads` "
        "time of the same input for scale.",
    ),
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    names = [b.name for b in BENCHMARKS]
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description="Run envman's benchmarks and print a markdown table.",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=MIN_RUNS,
        help=f"timed runs per row (default and minimum {MIN_RUNS})",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=names,
        metavar="NAME",
        help=f"run only these: {', '.join(names)}",
    )
    parser.add_argument(
        "--skip-slow", action="store_true", help="skip the sequential drift row (~30 s)"
    )
    parser.add_argument(
        "--write", type=Path, metavar="FILE", help="also write FILE (docs/performance.md)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument(
        "--no-profile", action="store_true", help="do not profile the rows that miss their goal"
    )
    parser.add_argument(
        "--here",
        action="store_true",
        help="time the envman installed for this interpreter instead of a wheel of the "
        "working tree (an editable install's import hook then sits in the baseline too)",
    )
    args = parser.parse_args(argv)
    if args.runs < MIN_RUNS:
        parser.error(f"--runs must be at least {MIN_RUNS}")
    return args


def machine_line(loads: tuple[float, float], interpreter: str, installed: str) -> str:
    try:
        from envman import __version__ as version
    except ImportError:
        version = "not importable"
    cores = os.cpu_count() or 1
    busy = (
        f" The machine was shared (load average above {BUSY_LOAD:g} while it ran): wall "
        "times are noisy; the interleaved ratios and CPU times much less so."
        if max(loads) > BUSY_LOAD
        else ""
    )
    return (
        f"Machine: {cores} cores (`os.cpu_count()`), "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, envman {version}, {date.today().isoformat()}"
        f"; load average {loads[0]:.1f} at start, {loads[1]:.1f} at the end.{busy}\n\n"
        f"envman timed: {installed}. Bare interpreter (the baseline of every ratio): "
        f"{interpreter}, the interpreter of that `envman` script, not a wrapper."
    )


def verdict(row: Row) -> tuple[str, str, str]:
    """The measured value(s), the goal(s) and whether they are met, for the table."""
    if not row.criteria:
        return ("—", "—", "—")
    met = {True: "yes", False: "**no**", None: "—"}[row.met]
    return (
        "; ".join(c.measured for c in row.criteria),
        "; ".join(c.goal for c in row.criteria),
        met,
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| benchmark | measured | goal | met | median | min | max | runs | notes |",
        "|---|---:|---|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if row.seconds:
            times = [
                fmt_seconds(row.median),
                fmt_seconds(min(row.seconds)),
                fmt_seconds(max(row.seconds)),
            ]
        else:
            times = ["—", "—", "—"]
        notes = (
            "; ".join(row.notes)
            if row.status == "ok"
            else f"**{row.status}**: " + "; ".join(row.notes)
        )
        cells = [row.name, *verdict(row), *times, str(len(row.seconds)), notes.replace("|", "/")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def profiles(rows: list[Row]) -> str:
    """The profile summary of every row that misses its goal (empty when all are met)."""
    missed = [row for row in rows if row.met is False]
    if not missed:
        return ""
    parts = [
        f"## Profiles of the rows that miss their goal (top {goals.TOP} by cumulative time)",
        "",
    ]
    for row in missed:
        parts += [f"### {row.name}", "", "```", *(row.profile or ["(not profiled)"]), "```", ""]
    return "\n".join(parts)


def run_all(args: argparse.Namespace) -> tuple[list[Row], bool, str, str]:
    scratch = Path(tempfile.mkdtemp(prefix="envman-bench-"))

    def log(message: str) -> None:
        print(f"[bench] {message}", file=sys.stderr, flush=True)

    ctx = Context(
        runs=args.runs,
        scratch=scratch,
        skip_slow=args.skip_slow,
        profiling=not args.no_profile,
        log=log,
    )
    installed = HERE
    if not args.here:
        try:
            ctx.python = install.install_wheel(scratch / "install", log)
        except install.InstallFailed as e:
            log(f"no wheel installed ({e}); timing the envman installed for {sys.executable}")
            installed = f"{HERE} (building a wheel failed: {e})"
        else:
            installed = WHEEL
    if ctx.python == sys.executable:  # this environment's envman: compile it as a wheel would
        precompile()
    rows: list[Row] = []
    failed = False
    try:
        for bench in BENCHMARKS:
            if args.only and bench.name not in args.only:
                continue
            log(f"{bench.name} ...")
            started = time.perf_counter()
            try:
                produced = bench.run(ctx)
            except Skip as e:
                produced = [Row(name=bench.title, status="skipped", notes=[str(e)])]
            except NotAvailable as e:
                produced = [Row(name=bench.title, status="not available yet", notes=[str(e)])]
            except BenchFailure as e:
                failed = True
                log(f"FAILED: {bench.name}: {e}")
                produced = [Row(name=bench.title, status="FAILED", notes=[str(e).splitlines()[0]])]
            except Exception as e:  # a bug in the benchmark itself: report, go on
                failed = True
                log(f"FAILED: {bench.name}: {type(e).__name__}: {e}\n{traceback.format_exc()}")
                produced = [
                    Row(name=bench.title, status="FAILED", notes=[f"{type(e).__name__}: {e}"])
                ]
            failed = failed or any(row.status == "FAILED" for row in produced)
            for row in produced:
                shown = fmt_seconds(row.median) if row.seconds else row.status
                log(f"  {row.name}: {shown}")
            log(f"{bench.name} done in {time.perf_counter() - started:.1f} s")
            rows += produced
    finally:
        if args.keep:
            log(f"generated projects kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    try:
        interpreter = ctx.interpreter().describe()
    except Skip as e:
        interpreter = f"none ({e})"
    return rows, failed, interpreter, installed


def document(header: str, rows: list[Row], args: argparse.Namespace) -> str:
    ran = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    parts = [
        "# envman performance",
        "",
        "Written by `python bench/run.py --write docs/performance.md`; rerun it to refresh "
        "the numbers (they depend on the machine: compare ratios, not absolute times).",
        "",
        header,
        "",
        table(rows),
        "",
        profiles(rows),
        "## What each row measures",
        "",
    ]
    for bench in ran:
        parts += [f"- **{bench.name}** — {bench.about}", ""]
    parts += [
        "## Method",
        "",
        "- Goals: those of issue 14. A row meets its goal when every value in its "
        "`measured` column is within the `goal` column; a row without goals is for "
        "information. Every row that misses is profiled: the same command once more under "
        "cProfile in a fresh interpreter (start-up included), its top "
        f"{goals.TOP} functions by cumulative time, import machinery left out.",
        f"- Each row: one untimed warm-up run, then `--runs` timed runs (default {MIN_RUNS}); "
        "median, min and max of the wall time. The sequential drift row (one run) and the "
        "promote row (no warm-up: each run takes seconds) say so in their notes.",
        "- Ratios (`--help`, `--version`, validate of the bundled project) are whole-process "
        "wall times over the bare interpreter, medians of `--runs` pairs measured "
        "interleaved (`-c pass`, then envman, alternating which goes first), so a busy "
        "machine slows both alike. The bare interpreter is the very one that runs envman: "
        "the `#!` interpreter of the `envman` script (the scratch environment's own, so "
        "its site-packages and `.pth` files load in both), checked to be an executable and "
        "not a shim; when the `#!` line names a wrapper, the interpreter it ends in runs "
        "both. envman is a wheel of the working tree installed there (`bench/install.py`), "
        "not an editable install: the import hook of an editable install runs at every "
        "start of its interpreter (~25 ms here), so in that environment the baseline "
        "would carry it too and every ratio would come out smaller than an installed "
        "envman's. `--here` times the envman installed for the runner's interpreter "
        "instead, and the table's header says which was timed. "
        "The ratios are also given in CPU time (user + system, from `os.wait4`).",
        "- Every `envman` row is a real subprocess of the installed command, so "
        "interpreter start-up and imports are included. Its stdout/stderr go to temporary "
        "files. Nothing in the runner's environment changes a result: `CLOUDFLARE_*`, "
        "`ENVMAN_*`, `GITHUB_*`, `PYTHON*` (such as PYTHONDONTWRITEBYTECODE, which would "
        "recompile envman on every run) and `PYDANTIC_*` are removed from its environment "
        "and `NO_COLOR=1` is set.",
        "- Peak RSS is `ru_maxrss` of that very process, from `os.wait4` (the largest over "
        "the timed runs). `RUSAGE_CHILDREN` would give the maximum over every child the "
        "runner ever had instead.",
        "- Every row checks its result (exit status, a clean drift report, the number of "
        "entries verified or keys promoted); a failed check makes the row FAILED and the "
        "runner exit 1. A missing prerequisite makes the row `skipped` with the reason. A "
        "missed goal does not change the exit status: on a shared machine it is a "
        "measurement, not a verdict.",
        "",
        "## How to reproduce",
        "",
        "```sh",
        "pip install -e '.[test]'            # envman's dependencies and the test fake's",
        "python bench/run.py                 # every row, 5 runs each (about 3–4 minutes)",
        "python bench/run.py --skip-slow     # without the ~30 s sequential drift row",
        "python bench/run.py --only validate drift --runs 10",
        "python bench/run.py --no-profile    # without profiles of the rows that miss",
        "python bench/run.py --here          # time this environment's envman, no wheel",
        "python bench/run.py --write docs/performance.md",
        "```",
        "",
        "Run it on an otherwise idle machine; `--keep` keeps the generated projects "
        "(printed on stderr) to rerun a command by hand. Benchmarks live in `bench/`, one "
        "module each, registered in `bench/run.py`; project generators in "
        "`bench/projects.py`.",
        "",
    ]
    return "\n".join(parts)


def precompile() -> None:
    """Byte-compile envman as installing a wheel does, so that no timed run compiles it
    (PYTHONDONTWRITEBYTECODE, set on some machines, would make every run compile it)."""
    import compileall

    compileall.compile_dir(REPO / "envman", quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load = os.getloadavg()[0]
    rows, failed, interpreter, installed = run_all(args)
    header = machine_line((load, os.getloadavg()[0]), interpreter, installed)
    print(header)
    print()
    print(table(rows))
    if profiles(rows):
        print()
        print(profiles(rows))
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(document(header, rows, args), encoding="utf-8")
        print(f"\n[bench] wrote {args.write}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
