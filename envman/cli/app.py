"""The typer application: every command registered here, and the one place errors become exit codes."""

from __future__ import annotations

import contextlib
import copy
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TextIO, TypeVar

import typer

# typer vendors click (typer._click) since the version pinned in pyproject.toml.
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer._click.exceptions import UsageError as ClickUsageError
from typer.models import CommandInfo, TyperInfo

from envman import ISSUES_URL, __version__
from envman.cli import adopt, audit, fix, live, picture, release, validate
from envman.cli.argv import normalise
from envman.cli.common import STATE
from envman.cli.helptext import tidy
from envman.cli.streams import Guarded
from envman.errors import EnvmanError, ExitCode
from envman.redaction import SECRETS

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
audit_app = typer.Typer(
    help="Read and verify the audit log of promotions and rollbacks.", no_args_is_help=True
)

app.command()(adopt.init)
app.command()(validate.validate)
app.command()(adopt.sync)
app.command()(validate.show)
app.command()(live.drift)
app.command()(live.snapshot)
app.command()(live.check)
app.command()(fix.reconcile)
app.command()(release.diff)
app.command()(release.promote)
app.command()(release.rollback)
app.add_typer(audit_app, name="audit")
audit_app.command("log")(audit.log)
audit_app.command("show")(audit.show)
audit_app.command("verify")(audit.verify)
app.add_typer(schema_app, name="schema")
schema_app.command("export")(validate.schema_export)
report_app = typer.Typer(invoke_without_command=True)
report_app.callback()(picture.report)
app.add_typer(report_app, name="report")
report_app.command("merge")(live.report_merge)


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
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="No progress bar or status messages; with --output, no terminal report.",
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Print suppressed findings and detail; `envman -v` alone prints the version.",
        ),
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
    env: Annotated[
        str | None,
        typer.Option(
            "--env",
            "-e",
            help="wrangler's --env: the environment to work on (the same as naming it).",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="wrangler's --config: the wrangler file (its folder is the project's).",
        ),
    ] = None,
    cwd: Annotated[
        Path | None,
        typer.Option("--cwd", help="wrangler's --cwd: run as if started in DIR."),
    ] = None,
) -> None:
    """envman: validate, drift-check and promote Cloudflare Workers configuration.

    Global options may come before or after the command, as in wrangler.
    """
    if env is not None:
        from envman.errors import UsageError

        raise UsageError(f"--env {env}: name a command to run in it (envman check --env {env})")
    if cwd is not None:
        try:
            os.chdir(cwd)
        except OSError as e:
            from envman.errors import UsageError

            raise UsageError(f"--cwd {cwd}: {e.strerror or e}") from e
    STATE.project = project
    STATE.config = config
    STATE.quiet = quiet
    STATE.verbose = verbose
    STATE.debug = debug
    STATE.color = False if no_color else None


def main(argv: list[str] | None = None) -> int:
    """Run the command line; the one place where exceptions become exit codes.

    While it runs, stdout and stderr mask every secret registered in `redaction.SECRETS`.
    """
    SECRETS.clear()
    stdout, stderr = sys.stdout, sys.stderr
    with contextlib.ExitStack() as closing:
        # A descriptor closed at start leaves Python no stream: that output goes nowhere.
        def nowhere() -> TextIO:
            return closing.enter_context(open(os.devnull, "w", encoding="utf-8"))

        sys.stdout = Guarded(stdout or nowhere(), "stdout")
        sys.stderr = Guarded(stderr or nowhere(), "stderr")
        return _run(argv, stdout, stderr)


def _run(argv: list[str] | None, stdout: TextIO | None, stderr: TextIO | None) -> int:
    """`main` once its streams are in place; gives them back at the end."""
    plugins = os.environ.get(_PLUGINS)
    # No pydantic plugin takes part in a run: none can change a verdict, and pydantic
    # does not scan every installed distribution's entry points to look for one. envman's
    # models are built on first use (`defer_build`), so none is built before this.
    os.environ[_PLUGINS] = "__all__"
    try:
        cwd: Path | None = Path.cwd()  # --cwd changes it for the run only
    except OSError:  # the working folder was deleted
        cwd = None
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        if plugins is None:
            os.environ.pop(_PLUGINS, None)
        else:
            os.environ[_PLUGINS] = plugins
        if cwd is not None:
            with contextlib.suppress(OSError):
                os.chdir(cwd)


_PLUGINS = "PYDANTIC_DISABLE_PLUGINS"
"""pydantic's documented switch: `__all__` disables every plugin (docs: "Pydantic plugins")."""


def command(args: list[str] | None = None) -> typer.core.TyperGroup:
    """The click command tree of the app, with readable help (`envman.cli.helptext`).

    With `args`, only the commands they name are built, under the root: building the
    options of some 20 commands from their signatures cost about as much as starting the
    interpreter, on every run. When `args` name no command (the root's help, `--version`,
    an unknown name), every command is listed without its options (`_listing`): the
    root's help and "did you mean" read names, help texts and panels only. The whole tree
    is built without `args` (the docs, the help tests) and when the shell asks for
    completions.
    """
    key: frozenset[str] | str
    if args is None or _COMPLETION in os.environ:
        key = _WHOLE
    else:
        key = frozenset(_named(args)) or _LISTED
    if key not in _BUILT:  # built once per process: a library user or a test runs many
        if key == _WHOLE:
            built = typer.main.get_command(app)
        elif key == _LISTED:
            built = typer.main.get_command(_listing(app, root=True))
        else:
            subset = copy.copy(app)
            subset.registered_commands = [c for c in app.registered_commands if _name(c) in key]
            subset.registered_groups = [g for g in app.registered_groups if g.name in key]
            built = typer.main.get_command(subset)
        _BUILT[key] = tidy(built)
    return _BUILT[key]


_COMPLETION = "_ENVMAN_COMPLETE"
_WHOLE = "every command with its options"
_LISTED = "every command listed, without options"
_BUILT: dict[frozenset[str] | str, typer.core.TyperGroup] = {}
"""The command trees built so far: by the names of the commands they hold, or one of the two above."""


def _listing(typer_app: typer.Typer, *, root: bool = False) -> typer.Typer:
    """`typer_app` with every callback but the root's swapped for one without parameters.

    A command keeps its name, help text, panel and flags (all the root's help shows of
    it), so typer builds no option of it. The stand-ins never run: a tree is listed only
    when the arguments name no command.
    """
    listing = copy.copy(typer_app)
    listing.registered_commands = [
        _swapped(info, _listed(info.callback)) for info in typer_app.registered_commands
    ]
    listing.registered_groups = []
    for info in typer_app.registered_groups:
        group = _swapped(info, _listed(info.callback))
        if info.typer_instance is not None:
            group.typer_instance = _listing(info.typer_instance)
        listing.registered_groups.append(group)
    callback = typer_app.registered_callback
    if callback is not None and not root:
        listing.registered_callback = _swapped(callback, _listed(callback.callback))
    return listing


_Info = TypeVar("_Info", CommandInfo, TyperInfo)


def _swapped(info: _Info, callback: Callable[..., Any] | None) -> _Info:
    swapped = copy.copy(info)
    swapped.callback = callback
    return swapped


def _listed(callback: Any) -> Any:
    """A callback without parameters that carries `callback`'s name and docstring (None
    and typer's placeholder for "no callback" are returned as they are)."""
    if not callable(callback):
        return callback

    def listed() -> None:
        raise AssertionError(f"{callback.__name__} was built to be listed, not run")

    # not functools.wraps: inspect.signature would follow __wrapped__ to the parameters
    listed.__name__ = callback.__name__
    listed.__qualname__ = callback.__qualname__
    listed.__doc__ = callback.__doc__
    return listed


def _name(info: Any) -> str:
    return str(info.name or typer.main.get_command_name(info.callback.__name__))


def _named(args: list[str]) -> set[str]:
    """The command names in `args`, when help (`-h`) is not asked before the first of them."""
    if _COMPLETION in os.environ:
        return set()
    names = {_name(c) for c in app.registered_commands} | {
        str(g.name) for g in app.registered_groups
    }
    first = next((i for i, word in enumerate(args) if word in names), None)
    if first is None or {"-h", "--help"} & set(args[:first]):
        return set()
    return names & set(args)


def _main(args: list[str]) -> int:
    root = command(args)
    try:
        result = root.main(args=normalise(root, args), prog_name="envman", standalone_mode=False)
        sys.stdout.flush()  # so that a failure to write the output is said, with exit 3
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
    except Exception as e:
        if "--debug" in args or STATE.debug:
            _mask(e)  # Python prints the traceback after main() gave stderr back
            raise
        sys.stderr.write(
            f"envman: internal error: {type(e).__name__}: {e}\n"
            f"This is a bug in envman. Please report it at {ISSUES_URL} with the command "
            "you ran; --debug shows the traceback.\n"
        )
        return ExitCode.INTERNAL
    return int(result) if isinstance(result, int) else ExitCode.OK


def _mask(error: BaseException | None) -> None:
    """Mask registered secrets in the messages of `error` and of the errors it chains to."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        error.args = tuple(SECRETS.data(list(error.args)))
        error = error.__cause__ or error.__context__


def _error(error: EnvmanError) -> None:
    sys.stderr.write(f"envman: error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"  hint: {error.hint}\n")
