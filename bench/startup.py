"""Start-up: the bare interpreter (the baseline every other row is measured against),
`envman --help` and `envman --version`."""

from __future__ import annotations

import statistics

from bench.common import REPO, BenchFailure, Context, Row, Skip, exits, heavy_imports, row_from


def run(ctx: Context) -> list[Row]:
    bare = ctx.measure([ctx.python, "-c", "pass"], cwd=REPO, check=exits(0, "python -c pass"))
    baseline = row_from("`python -c pass` (baseline)", bare, ["bare interpreter start-up"])
    rows = [baseline]
    for args, label in ((["--help"], "`envman --help`"), (["--version"], "`envman --version`")):
        try:
            command = ctx.envman()
        except Skip as e:  # the baseline row still stands
            rows.append(Row(name=label, status="skipped", notes=[str(e)]))
            continue
        try:
            samples = ctx.measure([*command, *args], cwd=REPO, check=exits(0, label))
        except BenchFailure as e:  # keep the other rows; the runner still exits 1
            ctx.log(f"FAILED: {e}")
            rows.append(Row(name=label, status="FAILED", notes=[str(e).splitlines()[0]]))
            continue
        row = row_from(label, samples)
        cpu = statistics.median(s.cpu_seconds for s in samples) / statistics.median(
            s.cpu_seconds for s in bare
        )
        row.notes.insert(
            0, f"{row.median / baseline.median:.1f}x baseline ({cpu:.1f}x in CPU time)"
        )
        row.notes.insert(1, heavy_imports(ctx, args, REPO))
        rows.append(row)
    return rows
