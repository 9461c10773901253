"""The live commands: drift, snapshot and check."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from envman.cli.common import (
    STATE,
    FailOnOption,
    FormatOption,
    NoIgnoreOption,
    OutputOption,
    YesOption,
    emit,
    exit_code,
    workspace,
)
from envman.errors import ExitCode, UsageError
from envman.terms import Severity

if TYPE_CHECKING:
    from envman.models import Report
    from envman.usecases.live import LiveOptions

LiveFromOption = Annotated[
    Path | None,
    typer.Option(
        "--live-from",
        help="Compare with a snapshot saved by `envman snapshot` instead of Cloudflare.",
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option("--concurrency", min=1, max=256, help="Requests in flight at most (default 16)."),
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
) -> LiveOptions:
    from envman.usecases.live import LiveOptions

    return LiveOptions(
        live_from=live_from, concurrency=concurrency, timeout=timeout, rate_limit=rate_limit
    )


class NotifyOn(StrEnum):
    DRIFT = "drift"
    CHANGE = "change"
    ALWAYS = "always"


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
    notify_allow_private: Annotated[
        bool,
        typer.Option(
            "--notify-allow-private",
            help="Allow a --notify webhook on a private, loopback or link-local address.",
        ),
    ] = False,
    notify_required: Annotated[
        bool,
        typer.Option(
            "--notify-required",
            help="Exit 3 when the notification cannot be sent (default: a warning).",
        ),
    ] = False,
    no_ignore: NoIgnoreOption = False,
    no_attribution: Annotated[
        bool,
        typer.Option(
            "--no-attribution",
            help="Do not read versions and the audit log to say who changed each drifted value.",
        ),
    ] = False,
    adopt: Annotated[
        bool,
        typer.Option(
            "--adopt",
            help="Write the live values of the drifted paths into the environment file and "
            "the wrangler file (one environment; a plan first; audited).",
        ),
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="With --adopt: only these paths or patterns (vars.*)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --adopt: show the plan and stop.")
    ] = False,
    yes: YesOption = False,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="With --adopt: why (recorded in the audit entry)."),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="I/N",
            help="Check only slice I of N of the environments (stable by name), with 1/N of "
            "the request budget; merge the JSON reports with `envman report merge`.",
        ),
    ] = None,
) -> int:
    """Compare declared config with the live Workers; exit 1 on drift, 3 when unknown."""
    if all_envs and envs:
        raise UsageError("give environment names or --all, not both")
    from envman.usecases import live as usecase
    from envman.usecases.merge import parse_shard

    slice_ = parse_shard(shard) if shard else None
    options = _live_options(live_from, concurrency, timeout, rate_limit)
    if adopt:
        from envman.cli.fix import adopt as adopting

        return adopting(
            envs or [], only=only or [], dry_run=dry_run, yes=yes, reason=reason, options=options
        )
    if notify:
        from envman.report import check_webhook_url

        check_webhook_url(notify)
    ws = workspace()
    with _progress(len(ws.select(envs or []))) as progress:
        report = usecase.drift(
            ws,
            [] if all_envs else envs or [],
            options=options,
            progress=progress,
            ignores=not no_ignore,
            attribution=not no_attribution,
            shard=slice_,
        )
    emit(report, formats, outputs, fail_on)
    if notify:
        delivery = usecase.notify(
            ws,
            report,
            url=notify,
            when=notify_on.value,
            allow_private=notify_allow_private,
            required=notify_required,
        )
        if delivery.failure:
            sys.stderr.write(f"envman: warning: notification not sent: {delivery.failure}\n")
    return exit_code(report, fail_on)


def report_merge(
    reports: Annotated[list[Path], typer.Argument(help="JSON reports (--format json) to merge.")],
    formats: FormatOption = None,
    outputs: OutputOption = None,
    fail_on: FailOnOption = Severity.WARNING,
) -> int:
    """Merge the JSON reports of sharded drift runs into one report and one exit code."""
    from envman.usecases.merge import merge_reports

    report = merge_reports(reports)
    emit(report, formats, outputs, fail_on)
    return exit_code(report, fail_on)


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
    from envman.files import write_output
    from envman.usecases import live as usecase

    ws = workspace()
    with _progress(len(ws.select(envs or []))) as progress:
        saved = usecase.snapshot(
            ws,
            envs or [],
            options=_live_options(None, concurrency, timeout, rate_limit),
            progress=progress,
        )
    from envman.redaction import SECRETS

    write_output(output, SECRETS.text(saved.model_dump_json(indent=2, exclude_none=True)) + "\n")
    if not STATE.quiet:
        sys.stderr.write(f"saved {len(saved.workers)} Workers to {output}\n")
    return ExitCode.OK


def check(
    env: Annotated[str, typer.Argument(help="The environment about to be deployed.")],
    formats: FormatOption = None,
    outputs: OutputOption = None,
    fail_on: FailOnOption = Severity.ERROR,
    live_from: LiveFromOption = None,
    concurrency: ConcurrencyOption = None,
    timeout: TimeoutOption = None,
    rate_limit: RateLimitOption = None,
    no_ignore: NoIgnoreOption = False,
) -> int:
    """Pre-deploy gate: validate + wrangler consistency + drift + required secrets present."""
    from envman.usecases import live as usecase

    report = usecase.check(
        workspace(),
        env,
        options=_live_options(live_from, concurrency, timeout, rate_limit),
        ignores=not no_ignore,
    )
    emit(report, formats, outputs, fail_on)
    _step_summary(report)
    return exit_code(report, fail_on)


def _step_summary(report: Report) -> None:
    """Append a markdown summary to GITHUB_STEP_SUMMARY when GitHub Actions provides one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    from envman.files import append_output
    from envman.report import RenderOptions, render

    append_output(Path(path), render(report, "markdown", RenderOptions()) + "\n")


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[str], None] | None]:
    """A progress bar on stderr when it is a terminal and several Workers are read."""
    if total < 2 or STATE.quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(file=sys.stderr), transient=True) as bar:
        yield _Bar(bar, bar.add_task("reading live Workers", total=None))


class _Bar:
    """The bar advances per request (Workers' requests interleave), labelled per Worker."""

    def __init__(self, bar: Any, task: Any) -> None:
        self._bar, self._task = bar, task

    def __call__(self, message: str) -> None:
        self._bar.update(self._task, description=message)

    def requests(self, done: int, expected: int) -> None:
        self._bar.update(self._task, completed=done, total=expected)
