"""Start-up: the bare interpreter (the baseline every ratio is measured against),
`envman --help` and `envman --version`, each interleaved with the bare interpreter."""

from __future__ import annotations

from bench import goals
from bench.common import REPO, BenchFailure, Context, Row, Skip, exits, heavy_imports, row_from


def run(ctx: Context) -> list[Row]:
    try:
        command = ctx.envman()
    except Skip as e:
        return [Row(name="start-up", status="skipped", notes=[str(e)])]
    interpreter = ctx.interpreter()
    bare = ctx.measure(ctx.bare(), cwd=REPO, check=exits(0, "python -c pass"))
    rows = [
        row_from(
            "`python -c pass` (bare interpreter)",
            bare,
            [f"{interpreter.describe()}: the interpreter of the envman script, run directly"],
        )
    ]
    for args, label, limit in (
        (["--help"], "`envman --help`", goals.HELP_RATIO),
        (["--version"], "`envman --version`", None),
    ):
        try:
            baseline, samples = ctx.interleaved([*command, *args], cwd=REPO, check=exits(0, label))
        except BenchFailure as e:  # keep the other rows; the runner still exits 1
            ctx.log(f"FAILED: {e}")
            rows.append(Row(name=label, status="FAILED", notes=[str(e).splitlines()[0]]))
            continue
        row = row_from(label, samples)
        ratio = goals.interleaved_ratio(baseline, samples)
        row.notes[:0] = [
            f"{ratio:.1f}× bare interpreter, interleaved ({goals.cpu_ratio(baseline, samples):.1f}×"
            " in CPU time)",
            heavy_imports(ctx, args, REPO),
        ]
        if limit is not None:
            goals.judge(ctx, row, [goals.ratio(ratio, limit)], args, cwd=REPO)
        rows.append(row)
    return rows
