"""The audit commands: list, show and verify the audit log of promotions and rollbacks."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from envman.cli.common import TextOrJson, workspace
from envman.errors import ExitCode, UsageError


def log(
    env: Annotated[
        str | None, typer.Option("--env", "-e", help="Only entries from or into this environment.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only entries at or after this date (YYYY-MM-DD or ISO time)."
        ),
    ] = None,
    fmt: Annotated[
        TextOrJson,
        typer.Option("--format", "-f", help="Print as text or as JSON (the entries as written)."),
    ] = TextOrJson.TEXT,
) -> int:
    """List audit entries, oldest first."""
    from envman.report import render_audit
    from envman.usecases import audit as usecase

    listing = usecase.audit_log(workspace(environments=False), env=env, since=_since(since))
    _warn(listing.warning)
    sys.stdout.write(render_audit(list(listing.entries), fmt.value) + "\n")
    return ExitCode.OK


def _warn(warning: str | None) -> None:
    if warning:
        sys.stderr.write(f"envman: warning: {warning}\n")


def _since(value: str | None) -> datetime | None:
    from datetime import UTC

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise UsageError(f"--since {value!r}: expected YYYY-MM-DD or an ISO 8601 time") from e
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def show(
    entry_id: Annotated[str, typer.Argument(help="Entry id or a unique prefix.")],
    fmt: Annotated[
        TextOrJson,
        typer.Option("--format", "-f", help="Print as text or as JSON (the entries as written)."),
    ] = TextOrJson.TEXT,
) -> int:
    """Print one audit entry in full."""
    from envman.report import render_audit
    from envman.usecases import audit as usecase

    listing = usecase.audit_show(workspace(environments=False), entry_id)
    _warn(listing.warning)
    sys.stdout.write(render_audit(list(listing.entries), fmt.value, full=True) + "\n")
    return ExitCode.OK


def verify() -> int:
    """Check the hash chain (and HMAC signatures with ENVMAN_AUDIT_KEY); exit 1 at the first bad entry."""
    from envman.usecases import audit as usecase

    result = usecase.audit_verify(workspace(environments=False))
    if result.ok:
        sys.stdout.write(f"audit log OK: {result.count} entries, chain intact\n")
        for note in result.notes:
            sys.stdout.write(f"note: {note}\n")
        return ExitCode.OK
    entry = f" (entry {result.entry_id})" if result.entry_id else ""  # none on a malformed line
    sys.stdout.write(f"audit log BROKEN at line {result.first_bad}{entry}: {result.problem}\n")
    for problem in result.problems[1:]:
        sys.stdout.write(f"  also: line {problem.line}: {problem.message}\n")
    return ExitCode.FINDINGS
