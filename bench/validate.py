"""`envman validate` on the bundled dashboard-worker project (the repository root).

Its ratio to the bare interpreter is measured interleaved (`python -c pass`, then
`envman validate`, repeated) so that load from other processes hits both alike.
"""

from __future__ import annotations

from bench import goals
from bench.common import REPO, Context, Row, Skip, exits, heavy_imports, row_from


def run(ctx: Context) -> list[Row]:
    missing = [
        name
        for name in ("envman.toml", "environments", "schemas", "wrangler.toml")
        if not (REPO / name).exists()
    ]
    if missing:
        raise Skip(f"the bundled project is incomplete: no {', '.join(missing)} in {REPO}")
    bare, samples = ctx.interleaved(
        [*ctx.envman(), "validate"], cwd=REPO, check=exits(0, "envman validate (bundled)")
    )
    row = row_from("`envman validate` (bundled project)", samples)
    ratio = goals.interleaved_ratio(bare, samples)
    row.notes[:0] = [
        f"{ratio:.1f}× bare interpreter, interleaved ({goals.cpu_ratio(bare, samples):.1f}× in "
        "CPU time)",
        "3 environments + wrangler.toml consistency",
        heavy_imports(ctx, ["validate"], REPO),
    ]
    return [
        goals.judge(ctx, row, [goals.ratio(ratio, goals.VALIDATE_RATIO)], ["validate"], cwd=REPO)
    ]
