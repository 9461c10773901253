"""The typer command line: each command parses, calls one api function, renders, exits."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

# typer vendors click (typer._click) since the version pinned in pyproject.toml.
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer._click.exceptions import UsageError as ClickUsageError

from envman import __version__, api
from envman.errors import EnvmanError, ExitCode, UsageError
from envman.models import Report, Severity
from envman.report import REPORTERS

Format = StrEnum("Format", {name: name for name in REPORTERS})  # type: ignore[misc]

app = typer.Typer(
    name="envman",
    help="Keep Cloudflare Workers configuration consistent across environments.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
schema_app = typer.Typer(
    help="Work with the typed schema and the editor JSON Schemas.", no_args_is_help=True
)
app.add_typer(schema_app, name="schema")


@dataclass
class Globals:
    """Options every command shares, set by the root callback."""

    project: Path | None = None
    quiet: bool = False
    verbose: bool = False
    debug: bool = False
    color: bool | None = None


STATE = Globals()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"envman {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            "-C",
            help="Project folder (default: nearest envman.toml upward, else the current folder).",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only findings, no summary.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print suppressed findings and detail.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Never colour output (NO_COLOR is honoured too).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """envman: validate, drift-check and promote Cloudflare Workers configuration."""
    STATE.project = project
    STATE.quiet = quiet
    STATE.verbose = verbose
    STATE.debug = debug
    STATE.color = False if no_color else None


FormatOption = Annotated[
    list[Format] | None,
    typer.Option(
        "--format", "-f", help="Report format; repeat to write several (pair with --output)."
    ),
]
OutputOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--output", "-o", help="Write the report of the --format at the same position to FILE."
    ),
]
FailOnOption = Annotated[
    Severity,
    typer.Option("--fail-on", help="Exit 1 when a finding of this severity or worse remains."),
]


def emit(report: Report, formats: list[Format] | None, outputs: list[Path] | None) -> None:
    """Render `report` in each format: the i-th format to the i-th --output, the rest to stdout.

    When every format goes to a file, the text report still goes to the terminal
    (unless --quiet), so a CI log always shows what was found.
    """
    from envman.files import atomic_write
    from envman.report import RenderOptions, render, wants_color

    names = [f.value for f in formats or []]
    paths = list(outputs or [])
    if len(paths) > len(names):
        raise UsageError("more --output than --format options: pair each --output with a --format")
    terminal = names[len(paths) :]
    if not terminal and not (paths and STATE.quiet):
        terminal = ["text"]
    color = wants_color(sys.stdout, os.environ) if STATE.color is None else STATE.color
    width = int(os.environ.get("COLUMNS", "0") or 0) or 100
    for name, path in zip(names, paths, strict=False):
        text = render(report, name, RenderOptions(width=width, verbose=STATE.verbose))
        atomic_write(path, text if text.endswith("\n") else text + "\n")
    for name in terminal:
        options = RenderOptions(color=color and name == "text", width=width, verbose=STATE.verbose)
        text = render(report, name, options)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def exit_code(report: Report, fail_on: Severity) -> int:
    """3 when some environment's state is unknown, 1 when findings reach `fail_on`, else 0."""
    if report.unknown:
        return ExitCode.UNREADABLE
    return ExitCode.FINDINGS if report.fails(fail_on) else ExitCode.OK


def _workspace(wrangler: Path | None = None) -> api.Workspace:
    return api.open_workspace(STATE.project, wrangler_file=wrangler)


@app.command()
def validate(
    envs: Annotated[
        list[str] | None, typer.Argument(help="Environments to validate (default: all).")
    ] = None,
    formats: FormatOption = None,
    outputs: OutputOption = None,
    fail_on: FailOnOption = Severity.ERROR,
    wrangler: Annotated[
        Path | None, typer.Option(help="Wrangler file to use instead of the detected one.")
    ] = None,
) -> int:
    """Validate every environment, the rules across them, and the wrangler file."""
    report = api.validate(_workspace(wrangler), envs or [])
    emit(report, formats, outputs)
    return exit_code(report, fail_on)


class ShowSource(StrEnum):
    DECLARED = "declared"
    WRANGLER = "wrangler"


class ShowFormat(StrEnum):
    JSON = "json"
    TOML = "toml"


@app.command()
def show(
    env: Annotated[str, typer.Argument(help="The environment to print.")],
    source: Annotated[
        ShowSource, typer.Option(help="Where to read it from.")
    ] = ShowSource.DECLARED,
    fmt: Annotated[ShowFormat, typer.Option("--format", "-f")] = ShowFormat.TOML,
) -> int:
    """Print one environment's fully resolved config (sensitive vars redacted)."""
    from envman.report import render_config

    data = api.show(_workspace(), env, source=source.value)
    sys.stdout.write(render_config(data, fmt.value))
    return ExitCode.OK


@schema_app.command("export")
def schema_export(
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Folder to write into (default: schemas/).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only report whether the files are up to date.")
    ] = False,
) -> int:
    """Write JSON Schemas of envman.toml and environment files for editors."""
    result = api.export_schemas(_workspace(), out_dir=out_dir, check=check)
    for name, state in result.items():
        typer.echo(f"{state:>9}  {name}")
    stale = check and any(state != "unchanged" for state in result.values())
    return ExitCode.FINDINGS if stale else ExitCode.OK


LiveFromOption = Annotated[
    Path | None,
    typer.Option(
        "--live-from",
        help="Compare with a snapshot saved by `envman snapshot` instead of Cloudflare.",
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option("--concurrency", min=1, max=256, help="Requests in flight at most (default 8)."),
]
TimeoutOption = Annotated[
    float | None,
    typer.Option("--timeout", min=1, help="Bound on the whole live read, seconds (default 120)."),
]
RateLimitOption = Annotated[
    int | None,
    typer.Option(
        "--rate-limit", min=1, help="Requests per 300 s window (default 1200, Cloudflare's limit)."
    ),
]


def _live_options(
    live_from: Path | None, concurrency: int | None, timeout: float | None, rate_limit: int | None
) -> api.LiveOptions:
    return api.LiveOptions(
        live_from=live_from, concurrency=concurrency, timeout=timeout, rate_limit=rate_limit
    )


class NotifyOn(StrEnum):
    DRIFT = "drift"
    CHANGE = "change"
    ALWAYS = "always"


@app.command()
def drift(
    envs: Annotated[
        list[str] | None, typer.Argument(help="Environments to check (default: all).")
    ] = None,
    all_envs: Annotated[
        bool, typer.Option("--all", help="Every environment (the default when none is named).")
    ] = False,
    formats: FormatOption = None,
    outputs: OutputOption = None,
    fail_on: FailOnOption = Severity.WARNING,
    live_from: LiveFromOption = None,
    concurrency: ConcurrencyOption = None,
    timeout: TimeoutOption = None,
    rate_limit: RateLimitOption = None,
    notify: Annotated[
        str | None,
        typer.Option("--notify", help="POST a Slack-compatible message to this webhook URL."),
    ] = None,
    notify_on: Annotated[
        NotifyOn,
        typer.Option(
            "--notify-on",
            help="drift: when drift or unknown; change: when different from the last run; always.",
        ),
    ] = NotifyOn.DRIFT,
) -> int:
    """Compare declared config with the live Workers; exit 1 on drift, 3 when unknown."""
    ws = _workspace()
    with _progress(len(ws.select(envs or []))) as progress:
        report = api.drift(
            ws,
            [] if all_envs else envs or [],
            options=_live_options(live_from, concurrency, timeout, rate_limit),
            progress=progress,
        )
    emit(report, formats, outputs)
    if notify:
        api.notify(ws, report, url=notify, when=notify_on.value)
    return exit_code(report, fail_on)


@app.command()
def snapshot(
    envs: Annotated[
        list[str] | None, typer.Argument(help="Environments to save (default: all).")
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Snapshot file to write.")] = Path(
        "live.json"
    ),
    concurrency: ConcurrencyOption = None,
    timeout: TimeoutOption = None,
    rate_limit: RateLimitOption = None,
) -> int:
    """Save normalised live state (no secret values) for offline `drift --live-from`."""
    from envman.files import atomic_write

    ws = _workspace()
    with _progress(len(ws.select(envs or []))) as progress:
        saved = api.snapshot(
            ws,
            envs or [],
            options=_live_options(None, concurrency, timeout, rate_limit),
            progress=progress,
        )
    atomic_write(output, saved.model_dump_json(indent=2, exclude_none=True) + "\n")
    if not STATE.quiet:
        sys.stderr.write(f"saved {len(saved.workers)} Workers to {output}\n")
    return ExitCode.OK


@app.command()
def check(
    env: Annotated[str, typer.Argument(help="The environment about to be deployed.")],
    formats: FormatOption = None,
    outputs: OutputOption = None,
    fail_on: FailOnOption = Severity.ERROR,
    live_from: LiveFromOption = None,
    concurrency: ConcurrencyOption = None,
    timeout: TimeoutOption = None,
) -> int:
    """Pre-deploy gate: validate + wrangler consistency + drift + required secrets present."""
    report = api.check(
        _workspace(), env, options=_live_options(live_from, concurrency, timeout, None)
    )
    emit(report, formats, outputs)
    _step_summary(report)
    return exit_code(report, fail_on)


def _step_summary(report: Report) -> None:
    """Append a markdown summary to GITHUB_STEP_SUMMARY when GitHub Actions provides one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    from envman.report import RenderOptions, render

    with open(path, "a", encoding="utf-8") as handle:
        handle.write(render(report, "markdown", RenderOptions()) + "\n")


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None] | None]:
    """A progress bar on stderr when it is a terminal and several Workers are read."""
    if total < 2 or STATE.quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=sys.stderr), transient=True) as bar:
        task = bar.add_task("reading live Workers", total=total)

        def advance(message: str) -> None:
            bar.update(task, advance=1, description=message)

        yield advance


class AuditFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


audit_app = typer.Typer(
    help="Read and verify the audit log of promotions and rollbacks.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")


@app.command()
def diff(
    source: Annotated[str, typer.Argument(help="Environment to compare from (e.g. staging).")],
    target: Annotated[str, typer.Argument(help="Environment to compare to (e.g. production).")],
    formats: FormatOption = None,
    outputs: OutputOption = None,
) -> int:
    """Show how two environments differ: promotable and environment-specific differences."""
    report = api.diff(_workspace(), source, target)
    emit(report, formats, outputs)
    return ExitCode.OK


def _parse_map(values: list[str] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values or []:
        binding, sep, ident = value.partition("=")
        if not sep or not binding or not ident:
            raise UsageError(f"--map {value!r}: expected BINDING=ID")
        mapping[binding] = ident
    return mapping


def _show_plan(ws: api.Workspace, proposal: Any, fmt: str) -> None:
    from envman.report import render_plan

    text = render_plan(
        proposal.plan,
        refusals=proposal.refusals,
        notes=proposal.notes,
        fmt=fmt,
        redact=ws.schema.redact,
    )
    sys.stdout.write(text + "\n")


def _confirm(target: str, protected: bool, yes: bool) -> bool:
    """--yes, or an interactive confirmation (typing the environment name when protected)."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(
            f"refusing to change {target} without confirmation: no terminal to ask on",
            hint="pass --yes in CI",
        )
    if protected:
        answer = typer.prompt(f"{target} is protected. Type its name to apply the plan")
        return bool(answer.strip() == target)
    return typer.confirm(f"Apply this plan to {target}?", default=False)


@app.command()
def promote(
    source: Annotated[str, typer.Argument(help="Environment to promote from (e.g. staging).")],
    target: Annotated[str, typer.Argument(help="Environment to promote into (e.g. production).")],
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Promote only these paths or patterns (vars.LOG_LEVEL, vars.FEATURE_*)."
        ),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="BINDING=ID: the target's own resource id for a binding new in it."
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show the plan and stop: exit 0 if nothing would change, 1 if something would.",
        ),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (CI).")
    ] = False,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="Why; required for protected environments, recorded in the audit log."
        ),
    ] = None,
    allow_drift: Annotated[
        bool,
        typer.Option("--allow-drift", help="Promote even if the target has live drift (recorded)."),
    ] = False,
    skip_stage: Annotated[
        bool,
        typer.Option("--skip-stage", help="Allow a target that is not the next stage (recorded)."),
    ] = False,
    fmt: Annotated[
        AuditFormat, typer.Option("--format", "-f", help="Plan format.")
    ] = AuditFormat.TEXT,
) -> int:
    """Promote promotable config from SOURCE into TARGET: plan, guardrails, edit, audit."""
    ws = _workspace()
    proposal = api.propose(
        ws,
        source,
        target,
        only=only or [],
        mapping=_parse_map(mapping),
        allow_drift=allow_drift,
        skip_stage=skip_stage,
    )
    _show_plan(ws, proposal, fmt.value)
    if dry_run:
        return ExitCode.FINDINGS if proposal.plan.steps or proposal.refusals else ExitCode.OK
    if proposal.refusals or proposal.plan.blocked:
        return ExitCode.FINDINGS
    if not proposal.plan.steps:
        return ExitCode.OK
    if proposal.protected and not reason:
        raise UsageError(
            f"{target} is protected: --reason is required", hint="--reason 'why this change'"
        )
    confirmed = _confirm(target, proposal.protected, yes)
    if not confirmed:
        sys.stderr.write("not applied\n")
        return ExitCode.FINDINGS
    entry = api.apply_promotion(ws, proposal, reason=reason, confirmed=confirmed)
    if not STATE.quiet:
        sys.stderr.write(
            f"promoted {source} -> {target}: {len(entry.changes)} changes, audit entry {entry.id}\n"
        )
    return ExitCode.OK


@app.command()
def rollback(
    target: Annotated[str, typer.Argument(help="Environment whose promotion to undo.")],
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Audit entry id (or unique prefix) to undo; default: the last one into TARGET.",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (CI).")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why; recorded in the audit log.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Roll back even if the same files changed since.")
    ] = False,
) -> int:
    """Restore the before-values of a promotion, as a new audited change."""
    ws = _workspace()
    proposal, entry = api.propose_rollback(ws, target, to=to, force=force)
    _show_plan(ws, proposal, "text")
    if proposal.refusals:
        return ExitCode.FINDINGS
    if proposal.protected and not reason:
        raise UsageError(
            f"{target} is protected: --reason is required", hint="--reason 'why this change'"
        )
    confirmed = _confirm(target, proposal.protected, yes)
    if not confirmed:
        sys.stderr.write("not applied\n")
        return ExitCode.FINDINGS
    written = api.apply_rollback(ws, proposal, entry, reason=reason, confirmed=confirmed)
    if not STATE.quiet:
        sys.stderr.write(f"rolled back {entry.id} in {target}: audit entry {written.id}\n")
    return ExitCode.OK


@audit_app.command("log")
def audit_log(
    env: Annotated[
        str | None, typer.Option("--env", help="Only entries from or into this environment.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only entries at or after this date (YYYY-MM-DD or ISO time)."
        ),
    ] = None,
    fmt: Annotated[AuditFormat, typer.Option("--format", "-f")] = AuditFormat.TEXT,
) -> int:
    """List audit entries, oldest first."""
    from envman.report import render_audit

    entries = api.audit_log(_workspace(), env=env, since=_since(since))
    sys.stdout.write(render_audit(entries, fmt.value) + "\n")
    return ExitCode.OK


def _since(value: str | None) -> Any:
    from datetime import UTC, datetime

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise UsageError(f"--since {value!r}: expected YYYY-MM-DD or an ISO 8601 time") from e
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@audit_app.command("show")
def audit_show(
    entry_id: Annotated[str, typer.Argument(help="Entry id or a unique prefix.")],
    fmt: Annotated[AuditFormat, typer.Option("--format", "-f")] = AuditFormat.TEXT,
) -> int:
    """Print one audit entry in full."""
    from envman.report import render_audit

    entry = api.audit_show(_workspace(), entry_id)
    sys.stdout.write(render_audit([entry], fmt.value, full=True) + "\n")
    return ExitCode.OK


@audit_app.command("verify")
def audit_verify() -> int:
    """Check the hash chain (and HMAC signatures with ENVMAN_AUDIT_KEY); exit 1 at the first bad entry."""
    result = api.audit_verify(_workspace())
    if result.ok:
        sys.stdout.write(f"audit log OK: {result.count} entries, chain intact\n")
        for note in result.notes:
            sys.stdout.write(f"note: {note}\n")
        return ExitCode.OK
    sys.stdout.write(
        f"audit log BROKEN at line {result.first_bad} (entry {result.entry_id}): {result.problem}\n"
    )
    for problem in result.problems[1:]:
        sys.stdout.write(f"  also: line {problem.line}: {problem.message}\n")
    return ExitCode.FINDINGS


# --------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    """Run the command line; the one place where exceptions become exit codes."""
    command = typer.main.get_command(app)
    args = sys.argv[1:] if argv is None else argv
    try:
        result = command.main(args=args, prog_name="envman", standalone_mode=False)
    except typer.Exit as e:
        return int(e.exit_code)
    except NoArgsIsHelpError as e:
        e.show()
        return ExitCode.USAGE
    except ClickException as e:
        e.show()
        return ExitCode.USAGE if isinstance(e, ClickUsageError) else int(e.exit_code)
    except typer.Abort:
        sys.stderr.write("\ninterrupted\n")
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return ExitCode.INTERRUPTED
    except EnvmanError as e:
        _error(e)
        return int(e.exit_code)
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as e:
        if "--debug" in args or STATE.debug:
            raise
        sys.stderr.write(
            f"envman: internal error: {type(e).__name__}: {e}\n"
            "This is a bug in envman. Please report it with the command you ran; "
            "--debug shows the traceback.\n"
        )
        return ExitCode.INTERNAL
    return int(result) if isinstance(result, int) else ExitCode.OK


def _error(error: EnvmanError) -> None:
    sys.stderr.write(f"envman: error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"  hint: {error.hint}\n")
