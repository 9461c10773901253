"""`envman validate` on a generated project: 20 environments x 500 typed vars + wrangler.toml."""

from __future__ import annotations

from bench import goals
from bench.common import Context, Row, exits, row_from
from bench.projects import Spec, generate

ENVS = tuple(f"env{i:02d}" for i in range(20))
N_VARS = 500


def spec() -> Spec:
    return Spec(
        worker="bench-worker",
        envs=ENVS,
        n_vars=N_VARS,
        # Values differ between environments (two valid variants), as real ones do.
        variant=lambda env, index: (ENVS.index(env) + index) % 2,
        protected=(ENVS[-1],),
    )


def run(ctx: Context) -> list[Row]:
    root = generate(ctx.workdir("validate-large"), spec())
    samples = ctx.measure(
        [*ctx.envman(), "validate"],
        cwd=root,
        # The generated project is valid: anything but exit 0 is a bug (or a broken generator).
        check=exits(0, "envman validate (20 envs x 500 vars)"),
    )
    size = sum(p.stat().st_size for p in root.rglob("*.toml")) / 1024
    row = row_from(
        f"`envman validate` ({len(ENVS)} envs × {N_VARS} vars)",
        samples,
        [
            f"{len(ENVS) * N_VARS:,} vars, 7 types, KV/D1/R2 per env",
            f"wrangler.toml with {len(ENVS)} [env.X] (consistency check)",
            f"{size:,.0f} KB of TOML",
        ],
    )
    limit = goals.VALIDATE_LARGE_SECONDS
    return [goals.judge(ctx, row, [goals.seconds(row.median, limit)], ["validate"], cwd=root)]
