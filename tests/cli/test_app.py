"""The CLI only translates: each command reaches exactly one use case."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

from envman import cli, workspace
from envman.cli.app import command
from envman.cli.common import STATE
from envman.models import Report
from envman.usecases import audit, live, promote, rollback, validate
from tests.inprocess import Envman

app_module = importlib.import_module("envman.cli.app")  # envman.cli.app is also the Typer app

USE_CASES = {
    validate: ("validate", "show", "export_schemas"),
    live: ("drift", "snapshot", "check", "notify"),
    promote: ("diff", "propose", "apply"),
    rollback: ("propose_rollback", "apply_rollback"),
    audit: ("audit_log", "audit_show", "audit_verify"),
}


class Called(Exception):
    """Raised by a stand-in use case, carrying its name and keyword arguments."""


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    def recorder(name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> Any:
            seen.append((name, kwargs))
            raise Called(name)

        return record

    for module, names in USE_CASES.items():
        for name in names:
            monkeypatch.setattr(module, name, recorder(name))
    monkeypatch.setattr(workspace, "open_workspace", lambda *a, **k: FakeWorkspace())
    return seen


class FakeWorkspace:
    """Stands in for a Workspace: the CLI may ask which environments a run covers, and
    notes where the project is (for report paths)."""

    root = Path("project")
    zero_setup = False
    wrangler = None

    def select(self, names: list[str]) -> tuple[str, ...]:
        return tuple(names) or ("staging", "production")


@pytest.mark.parametrize(
    ("argv", "use_case"),
    [
        (["validate"], "validate"),
        (["validate", "staging", "--fail-on", "warning"], "validate"),
        (["show", "staging"], "show"),
        (["drift", "--all"], "drift"),
        (["snapshot", "-o", "x.json"], "snapshot"),
        (["check", "production"], "check"),
        (["diff", "staging", "production"], "diff"),
        (["promote", "staging", "production", "--dry-run"], "propose"),
        (["rollback", "production"], "propose_rollback"),
        (["audit", "log"], "audit_log"),
        (["audit", "show", "a-1"], "audit_show"),
        (["audit", "verify"], "audit_verify"),
        (["schema", "export"], "export_schemas"),
    ],
)
def test_each_command_reaches_one_use_case(
    calls: list[tuple[str, dict[str, Any]]],
    argv: list[str],
    use_case: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(Called):
        cli.main(["--debug", *argv])
    assert [name for name, _ in calls] == [use_case]


def test_options_arrive_as_keyword_arguments(
    calls: list[tuple[str, dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(Called):
        cli.main(
            [
                "--debug",
                "promote",
                "staging",
                "production",
                "--only",
                "vars.*",
                "--map",
                "KV=abc",
                "--allow-drift",
                "--dry-run",
            ]
        )
    ((_, kwargs),) = calls
    assert (
        list(kwargs["only"]) == ["vars.*"]
        and kwargs["mapping"] == {"KV": "abc"}
        and kwargs["allow_drift"] is True
    )


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--version"], 0),
        (["--help"], 0),
        ([], 2),
        (["valdate"], 2),
        (["promote", "a", "b", "--map", "nope"], 2),
    ],
)
def test_usage_exit_codes(
    argv: list[str],
    code: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        promote, "propose", lambda *a, **k: (_ for _ in ()).throw(AssertionError("not reached"))
    )
    monkeypatch.setattr(workspace, "open_workspace", lambda *a, **k: FakeWorkspace())
    assert cli.main(argv) == code


def test_a_bug_is_exit_4_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(STATE, "debug", False)
    monkeypatch.setattr(workspace, "open_workspace", lambda *a, **k: FakeWorkspace())

    def broken(*args: Any, **kwargs: Any) -> Report:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(validate, "validate", broken)
    assert cli.main(["validate"]) == 4
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: boom" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "built"),
    [
        (["validate", "-f", "json"], {"validate"}),
        (["-C", "audit", "validate"], {"audit", "validate"}),  # a value named like a command
        (["audit", "verify"], {"audit"}),
        (["promote", "staging", "production", "--help"], {"promote"}),
        (["--help"], None),
        (["-h", "validate"], None),  # the root's help lists every command
        ([], None),
        (["valdate"], None),  # "did you mean" needs every name
    ],
)
def test_a_run_builds_only_the_commands_it_names(args: list[str], built: set[str] | None) -> None:
    """Building every command's options from its signature cost about a bare interpreter's
    start-up on every run; the root's help and unknown names still get the whole tree."""
    every = set(command().commands)
    assert set(command(args).commands) == (every if built is None else built)


@pytest.mark.parametrize(
    "args",
    [["--help"], [], ["-h", "validate"], ["valdate"], ["--version"], ["-v"], ["--bogus"]],
)
def test_a_run_that_names_no_command_reads_as_with_the_whole_tree(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Such a run lists the commands without building their options: its help, errors and
    exit status are those the whole tree gives, byte for byte."""
    listed = command(args)
    assert set(listed.commands) == set(command().commands)
    assert not [name for name, sub in listed.commands.items() if sub.params], "options built"
    code = cli.main(args)
    out = capsys.readouterr()
    monkeypatch.setitem(app_module._BUILT, app_module._LISTED, command())
    assert (cli.main(args), capsys.readouterr()) == (code, out)


def test_the_shell_completion_gets_every_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_ENVMAN_COMPLETE", "bash_complete")
    assert set(command(["validate"]).commands) == set(command().commands)


def test_options_left_out_build_no_validator(
    project: Path, envman: Envman, monkeypatch: pytest.MonkeyPatch
) -> None:
    """typer builds a pydantic TypeAdapter per parameter; only given values need one (not
    None, nor a default that is already a member of the option's enum): here the -f
    given; a --fail-on given as text is coerced by typer as ever."""
    adapters = importlib.import_module("typer._adapters")
    built: list[object] = []
    real = adapters.try_build_adapter

    def counted(annotation: object, parameter_info: object) -> object:
        built.append(annotation)
        return real(annotation, parameter_info)

    monkeypatch.setattr(adapters, "try_build_adapter", counted)
    monkeypatch.setattr(app_module, "_BUILT", {})  # a first run
    result = envman("validate", "-f", "json", cwd=project)
    assert result.code == 0, result.out + result.err
    assert len(built) == 1, built
    result = envman("validate", "--fail-on", "warning", cwd=project)
    assert result.code == 0, result.out + result.err
    assert len(built) == 2, built
    assert envman("validate", "--fail-on", "loud", cwd=project).code == 2
