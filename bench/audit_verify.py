"""`envman audit verify` over a generated 10,000-entry hash-chained log (and a signed one)."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import goals
from bench.common import (
    BenchFailure,
    Context,
    Row,
    Sample,
    Skip,
    clean_environ,
    excerpt,
    expect_exit,
    row_from,
    write,
)

N_ENTRIES = 10_000
KEY = "bench-audit-key-0123456789abcdef"


def build_log(log: Path, n: int, key: bytes | None) -> None:
    """Write `n` entries exactly as envman.audit.append would (same body, canonical hash).

    Writing them directly instead of calling append() 10,000 times skips 10,000 fsyncs;
    the result is checked with envman.audit.verify in-process before anything is timed.
    """
    try:
        from envman import __version__
        from envman.audit import GENESIS, canonical
    except ImportError as e:
        raise Skip(f"envman.audit is not importable by the runner ({e})") from e
    start = datetime(2026, 1, 1, tzinfo=UTC)
    prev = GENESIS
    lines = []
    for i in range(n):
        at = start + timedelta(minutes=i)
        source, target = ("staging", "production") if i % 2 else ("development", "staging")
        body = {
            "id": f"a-{at:%Y%m%d%H%M%S}-{i:06x}",
            "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actor": f"user{i % 7}@example.com",
            "action": "promote",
            "source": source,
            "target": target,
            "reason": f"release {i}",
            "flags": [],
            "changes": [
                {"path": f"vars.VAR_{j:04d}", "before": i + j, "after": i + j + 1} for j in range(3)
            ],
            "data": {
                "files": {f"environments/{target}.toml": {"before": "0" * 64, "after": "f" * 64}}
            },
            "git": {
                "commit": hashlib.sha1(str(i).encode()).hexdigest(),
                "branch": "main",
                "dirty": False,
            },
            "ci": {"provider": None, "run_url": None},
            "version": __version__,
            "prev": prev,
        }
        payload = canonical(body)
        sealed = {**body, "hash": hashlib.sha256(payload).hexdigest()}
        if key is not None:
            sealed["sig"] = hmac.new(key, payload, "sha256").hexdigest()
        prev = sealed["hash"]
        lines.append(json.dumps(sealed, separators=(",", ":"), ensure_ascii=False))
    write(log, "\n".join(lines) + "\n")
    from envman.audit import verify

    result = verify(log, key)
    if not result.ok or result.count != n:
        raise BenchFailure(
            f"the generated audit log does not verify in-process (line {result.first_bad}: "
            f"{result.problem}); envman.audit's entry format changed: update bench/audit_verify.py"
        )


def run(ctx: Context) -> list[Row]:
    rows = []
    for signed in (False, True):
        root = ctx.workdir("audit-signed" if signed else "audit")
        write(
            root / "envman.toml",
            'worker = "bench"\nenvironments = ["development", "staging", "production"]\n'
            'audit_log = ".envman/audit.jsonl"\n',
        )
        log = root / ".envman" / "audit.jsonl"
        build_log(log, N_ENTRIES, KEY.encode() if signed else None)
        env = clean_environ({"ENVMAN_AUDIT_KEY": KEY} if signed else None)

        def check(sample: Sample) -> None:
            expect_exit(sample, 0, "envman audit verify")
            if f"{N_ENTRIES} entries" not in sample.stdout:
                raise BenchFailure(
                    f"envman audit verify did not read {N_ENTRIES} entries\n{excerpt(sample)}"
                )

        samples = ctx.measure([*ctx.envman(), "audit", "verify"], cwd=root, env=env, check=check)
        size = log.stat().st_size / 1024 / 1024
        label = "HMAC-signed, ENVMAN_AUDIT_KEY set" if signed else "hash chain only"
        row = row_from(
            f"`envman audit verify` ({N_ENTRIES:,} entries{', signed' if signed else ''})",
            samples,
            [label, f"{size:.1f} MB log, 3 changes per entry"],
        )
        criteria = [goals.seconds(row.median, goals.AUDIT_SECONDS)]
        rows.append(goals.judge(ctx, row, criteria, ["audit", "verify"], cwd=root, env=env))
    return rows
