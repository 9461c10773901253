"""`envman promote staging production --yes --reason bench`: 100 changed keys of 1,000.

Each timed run starts from a fresh copy of the generated project (copied untimed),
because a promotion edits environments/production.toml, [env.production] of
wrangler.toml and appends to the audit log. No CLOUDFLARE_API_TOKEN is set, so the
live guardrails (drift, secrets present) are skipped, as envman notes in its output.
"""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

from bench import goals
from bench.common import (
    REPO,
    BenchFailure,
    Context,
    NotAvailable,
    Row,
    Sample,
    excerpt,
    expect_exit,
    row_from,
    run_once,
)
from bench.projects import Spec, generate

N_VARS = 1000
N_CHANGED = 100
ARGS = ["promote", "staging", "production", "--offline", "--yes", "--reason", "bench"]


def spec() -> Spec:
    every = N_VARS // N_CHANGED
    return Spec(
        worker="bench",
        envs=("staging", "production"),
        n_vars=N_VARS,
        # staging holds a new value for every 10th var: 100 promotable differences
        variant=lambda env, index: 1 if env == "staging" and index % every == 0 else 0,
        protected=("production",),
    )


def run(ctx: Context) -> list[Row]:
    probe = run_once([*ctx.envman(), "promote", "--help"], cwd=REPO)
    if probe.returncode != 0:
        raise NotAvailable(f"`envman promote --help` exits {probe.returncode}")
    template = generate(ctx.workdir("promote") / "template", spec())
    counter = itertools.count()

    def fresh() -> Path:
        target = template.parent / f"run{next(counter)}"
        shutil.copytree(template, target)
        return target

    def check(sample: Sample) -> None:
        expect_exit(sample, 0, " ".join(["envman", *ARGS]))
        match = re.search(r"(\d+) changes", sample.stderr)
        if not match or int(match.group(1)) != N_CHANGED:
            raise BenchFailure(f"expected {N_CHANGED} changes to be promoted\n{excerpt(sample)}")

    samples = ctx.measure(
        [*ctx.envman(), *ARGS], cwd=template, prepare=fresh, check=check, warmup=0
    )
    row = row_from(
        f"`envman promote staging production` ({N_CHANGED} of {N_VARS:,} keys)",
        samples,
        [
            "plan + validate + edits of env file and wrangler.toml + audit entry",
            "live guardrails off (no token)",
            "no warm-up run",
        ],
    )
    criteria = [goals.seconds(row.median, goals.PROMOTE_SECONDS)]
    return [goals.judge(ctx, row, criteria, ARGS, cwd=template, prepare=fresh)]
