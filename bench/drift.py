"""`envman drift` and `envman snapshot` over 100 Workers against the fake Cloudflare API.

envman reads one project at a time and one Worker per environment, so 100 Workers are
one generated project with 100 environments (w000..w099). The fake runs as a
subprocess (bench/fakeserver.py: tests.fakecf plus a request counter) with 50 ms added
to every request and Cloudflare's server-side defaults on, seeded with exactly what
`wrangler deploy` of each environment would leave, so the drift report is clean (exit
0). Rows: drift without attribution (clean), snapshot, then a dashboard edit in every
Worker and drift with attribution (exit 1, every finding attributed), and the
sequential drift (slow, skipped by --skip-slow).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import goals
from bench.common import (
    REPO,
    BenchFailure,
    Context,
    Row,
    Sample,
    Skip,
    clean_environ,
    excerpt,
    expect_exit,
    row_from,
)
from bench.projects import ACCOUNT_ID, Spec, generate

ENVS = tuple(f"w{i:03d}" for i in range(100))
N_VARS = 20
LATENCY = 0.05
TOKEN = "bench-token"
SECRET_VALUE = "bench-secret-value-3f9c"
DEFAULT_CONCURRENCY = 16
"""envman's default --concurrency (settings.py)."""
EDITOR = "ops@example.com"
"""Who the fake's `drift` command says edited each Worker."""


def spec() -> Spec:
    return Spec(worker="bench", envs=ENVS, n_vars=N_VARS, wrangler=False)


def seed(root: Path) -> dict[str, Any]:
    """What `wrangler deploy --env X` of every environment leaves, as a tests.fakecf seed."""
    try:
        from envman import api
    except ImportError as e:
        raise Skip(
            f"envman is not importable by the runner ({e}); run with the venv's python"
        ) from e
    ws = api.open_workspace(root)
    scripts = []
    for env in ENVS:
        config = api.declared(ws, env).config.to_wrangler()
        required = (config.get("secrets") or {}).get("required") or []
        scripts.append({"wrangler": config, "secrets": dict.fromkeys(required, SECRET_VALUE)})
    return {
        "token": TOKEN,
        "accounts": [{"id": ACCOUNT_ID, "subdomain": "bench", "scripts": scripts}],
    }


class Fake:
    """bench/fakeserver.py as a subprocess: start, count requests, stop."""

    def __init__(self, seed_file: Path, latency: float) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(REPO / "bench" / "fakeserver.py"),
                "--seed",
                str(seed_file),
                "--latency",
                str(latency),
                "--server-defaults",
            ],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1"):
            self.stop()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise Skip(
                f"the fake Cloudflare API did not start: {err.strip()[-300:] or 'no output'}"
            )

    def command(self, name: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(name + "\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def stop(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run(ctx: Context) -> list[Row]:
    if not (REPO / "tests" / "fakecf" / "server.py").is_file():
        raise Skip("tests/fakecf (the fake Cloudflare API) is not in this checkout")
    probe = subprocess.run(
        [ctx.python, "-c", "import cloudflare"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        raise Skip("the cloudflare SDK is not installed (pip install -e .)")
    work = ctx.workdir("drift")
    root = generate(work / "project", spec())
    seed_file = work / "seed.json"
    seed_file.write_text(json.dumps(seed(root)), encoding="utf-8")
    fake = Fake(seed_file, LATENCY)
    try:
        env = clean_environ(
            {
                "CLOUDFLARE_API_TOKEN": TOKEN,
                "CLOUDFLARE_ACCOUNT_ID": ACCOUNT_ID,
                "CLOUDFLARE_BASE_URL": fake.base_url,
            }
        )
        rows = [_row(ctx, fake, root, env, attribution=False)]
        if ctx.skip_slow:
            rows.append(
                Row(
                    name="`envman drift --all --concurrency 1` (sequential)",
                    status="skipped",
                    notes=["--skip-slow"],
                )
            )
        else:
            rows.append(_row(ctx, fake, root, env, attribution=False, concurrency=1))
        rows.append(_snapshot(ctx, fake, root, env))
        changed = fake.command("drift")["changed"]
        if changed != len(ENVS):
            raise BenchFailure(f"the fake edited {changed} Workers, not {len(ENVS)}")
        rows.append(_row(ctx, fake, root, env, attribution=True))
        return rows
    finally:
        fake.stop()


def _row(
    ctx: Context,
    fake: Fake,
    root: Path,
    env: dict[str, str],
    *,
    attribution: bool,
    concurrency: int | None = None,
) -> Row:
    counts: list[dict[str, Any]] = []
    argv = [*ctx.envman(), "drift", "--all", "--format", "json"]
    if not attribution:
        argv.append("--no-attribution")
    if concurrency is not None:
        argv += ["--concurrency", str(concurrency)]

    def check(sample: Sample) -> None:
        expect_exit(sample, 1 if attribution else 0, "envman drift")
        try:
            report = json.loads(sample.stdout)
        except json.JSONDecodeError as e:
            raise BenchFailure(
                f"envman drift --format json printed no JSON: {e}\n{excerpt(sample)}"
            ) from e
        active = [f for f in report.get("findings", []) if not f.get("suppressed")]
        if report.get("unknown"):
            raise BenchFailure(f"drift left live state unknown\n{excerpt(sample)}")
        if not attribution and active:
            raise BenchFailure(f"drift against the clean fake is not clean\n{excerpt(sample)}")
        if attribution:
            authors = {(f.get("attribution") or {}).get("author") for f in active}
            if len(active) != len(ENVS) or authors != {EDITOR}:
                raise BenchFailure(
                    f"expected {len(ENVS)} findings attributed to {EDITOR}, got "
                    f"{len(active)} by {sorted(map(str, authors))}\n{excerpt(sample)}"
                )
        counts.append(fake.command("count"))
        fake.command("reset")

    fake.command("reset")
    limits: tuple[float | None, float | None]
    if concurrency is not None:
        samples = ctx.measure(argv, cwd=root, env=env, runs=1, warmup=0, check=check)
        name = "`envman drift --all --concurrency 1 --no-attribution` (sequential)"
        mode = "1 run only (slow); `--skip-slow` omits it"
        limits = (None, None)
    elif attribution:
        samples = ctx.measure(argv, cwd=root, env=env, check=check)
        name = "`envman drift --all` (100 Workers, each drifted: attribution on)"
        mode = f"concurrency {DEFAULT_CONCURRENCY} (default); a dashboard var edit in each"
        limits = (None, goals.DRIFT_ATTRIBUTION_REQUESTS)
    else:
        samples = ctx.measure(argv, cwd=root, env=env, check=check)
        name = "`envman drift --all --no-attribution` (100 Workers)"
        mode = f"concurrency {DEFAULT_CONCURRENCY} (default)"
        limits = (goals.DRIFT_SECONDS, goals.DRIFT_REQUESTS)
    row, most = _requests_row(ctx, name, samples, counts, mode, concurrency or DEFAULT_CONCURRENCY)
    return _judge(ctx, fake, row, most, limits, argv[len(ctx.envman()) :], root, env)


def _snapshot(ctx: Context, fake: Fake, root: Path, env: dict[str, str]) -> Row:
    counts: list[dict[str, Any]] = []
    out = root / "live.json"
    argv = [*ctx.envman(), "-q", "snapshot", "--output", str(out)]

    def check(sample: Sample) -> None:
        expect_exit(sample, 0, "envman snapshot")
        saved = json.loads(out.read_text(encoding="utf-8"))
        if len(saved.get("workers", [])) != len(ENVS):
            raise BenchFailure(f"the snapshot holds {len(saved.get('workers', []))} Workers")
        counts.append(fake.command("count"))
        fake.command("reset")

    fake.command("reset")
    samples = ctx.measure(argv, cwd=root, env=env, check=check)
    name = "`envman snapshot` (100 Workers)"
    row, most = _requests_row(ctx, name, samples, counts, "reads everything", DEFAULT_CONCURRENCY)
    limits = (goals.SNAPSHOT_SECONDS, None)
    return _judge(ctx, fake, row, most, limits, argv[len(ctx.envman()) :], root, env)


def _judge(
    ctx: Context,
    fake: Fake,
    row: Row,
    most: float,
    limits: tuple[float | None, float | None],
    args: list[str],
    root: Path,
    env: dict[str, str],
) -> Row:
    """Judge a row by its median time and its most requests per Worker in one run (`most`)
    against `limits` (None: no such goal); a profiled run's requests are not counted (the
    fake's log is reset after it)."""
    seconds, requests = limits
    criteria = []
    if seconds is not None:
        criteria.append(goals.seconds(row.median, seconds))
    if requests is not None:
        criteria.append(goals.per_worker(most, requests))
    goals.judge(ctx, row, criteria, args, cwd=root, env=env)
    fake.command("reset")
    return row


def _requests_row(
    ctx: Context,
    name: str,
    samples: list[Sample],
    counts: list[dict[str, Any]],
    mode: str,
    in_flight: int,
) -> tuple[Row, float]:
    """The row, and the most requests per Worker of one timed run."""
    timed = counts[-len(samples) :]
    ctx.log(f"{name}: requests by endpoint in one run: {endpoints(timed[0])}")
    totals = sorted({c["total"] for c in timed})
    per_worker = totals[0] / len(ENVS)
    spread = f"{totals[0]}" if len(totals) == 1 else f"{totals[0]}–{totals[-1]}"
    floor = totals[0] * LATENCY / in_flight
    by_endpoint = timed[0].get("by_endpoint", {})
    own = sum(n for n in by_endpoint.values() if n >= len(ENVS))
    split = f"{own / len(ENVS):g} per Worker + {timed[0]['total'] - own} shared"
    row = row_from(
        name,
        samples,
        [
            f"**{per_worker:.2f} requests/Worker** ({spread} per run: {split})",
            f"100 environments w000..w099, 1 Worker each; fake latency {LATENCY * 1000:.0f} ms",
            mode,
            f"latency floor {floor:.1f} s (requests × 50 ms ÷ in flight)",
        ],
    )
    return row, totals[-1] / len(ENVS)


def endpoints(counts: dict[str, Any]) -> str:
    """`by_endpoint` of a count, shortest form, for the docs."""
    return ", ".join(f"{k} ×{v}" for k, v in sorted(counts.get("by_endpoint", {}).items()))
