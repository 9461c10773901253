"""`envman validate` on the bundled dashboard-worker project (the repository root).

Its ratio to the bare interpreter is measured interleaved (`python -c pass`, then
`envman validate`, repeated) so that load from other processes hits both alike.
"""

from __future__ import annotations

import statistics

from bench.common import REPO, Context, Row, Skip, exits, heavy_imports, row_from

TARGET_RATIO = 15.0


def run(ctx: Context) -> list[Row]:
    missing = [
        name
        for name in ("envman.toml", "environments", "schemas", "wrangler.toml")
        if not (REPO / name).exists()
    ]
    if missing:
        raise Skip(f"the bundled project is incomplete: no {', '.join(missing)} in {REPO}")
    command = [*ctx.envman(), "validate"]
    bare, samples = [], []
    for _ in range(ctx.runs):
        bare += ctx.measure([ctx.python, "-c", "pass"], cwd=REPO, runs=1, warmup=0)
        samples += ctx.measure(
            command,
            cwd=REPO,
            runs=1,
            warmup=0 if samples else 1,
            check=exits(0, "envman validate (bundled)"),
        )
    baseline = statistics.median(s.seconds for s in bare)
    row = row_from("`envman validate` (bundled project)", samples)
    ratio = row.median / baseline
    cpu_ratio = statistics.median(s.cpu_seconds for s in samples) / statistics.median(
        s.cpu_seconds for s in bare
    )
    verdict = "within" if ratio <= TARGET_RATIO else "ABOVE"
    row.notes[:0] = [
        f"**{ratio:.1f}x** bare interpreter, interleaved ({verdict} the ≤ {TARGET_RATIO:g}x "
        f"target); {cpu_ratio:.1f}x in CPU time",
        "3 environments + wrangler.toml consistency",
        heavy_imports(ctx, ["validate"], REPO),
    ]
    return [row]
