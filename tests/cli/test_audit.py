"""`envman audit log / show / verify` on a log written by real promotions and rollbacks."""

from __future__ import annotations

from pathlib import Path

from tests.bundled import PROMOTE
from tests.inprocess import Envman


def test_audit_verify_names_the_tampered_entry(project: Path, envman: Envman) -> None:
    for reason in ("one", "two"):
        assert (
            envman(
                *PROMOTE,
                reason,
                cwd=project,
            ).code
            == 0
        )
        assert envman("rollback", "production", "--yes", "--reason", reason, cwd=project).code == 0
    log = project / ".envman/audit.jsonl"
    lines = log.read_text().splitlines()
    lines[1] = lines[1].replace('"reason":"one"', '"reason":"edited"')
    log.write_text("\n".join(lines) + "\n")
    result = envman("audit", "verify", cwd=project)
    assert result.code == 1 and "line 2" in result.out
