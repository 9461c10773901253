"""wrangler's vocabulary works: -e/--env, -c/--config, --cwd, -v, global options anywhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from envman.cli import main

SNAPSHOT = "examples/live-snapshot.json"


@pytest.fixture
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(project)
    return project


def test_check_env_production_is_check_production(
    in_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # measured: `envman check --env production` exited 2
    assert main(["check", "--env", "production", "--live-from", SNAPSHOT]) == 1
    out = capsys.readouterr().out
    assert "production" in out and "EM400" in out


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "-e", "staging"],
        ["validate", "--env=staging"],
        ["-e", "staging", "validate"],
        ["show", "--env", "staging"],
    ],
)
def test_env_option_names_the_environment(
    in_project: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "production" not in out


def test_env_with_diff_is_the_target(in_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "staging", "--env", "production"]) == 0
    assert "production" in capsys.readouterr().out


def test_env_and_argument_both_is_a_clear_usage_error(
    in_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "staging", "--env", "production"]) == 2
    assert "both name an environment" in capsys.readouterr().err


def test_env_where_it_does_not_apply(in_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify", "--env", "production"]) == 2
    assert "--env does not apply to `envman audit verify`" in capsys.readouterr().err


def test_audit_log_keeps_its_own_env_filter(
    in_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "log", "--env", "production"]) == 0
    assert main(["audit", "log", "-e", "production"]) == 0


def test_config_names_the_wrangler_file(
    project: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    # measured: `envman -c wrangler.toml validate` exited 2; from elsewhere, the project is
    # the wrangler file's folder, as in wrangler
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    os.chdir(elsewhere)
    try:
        assert main(["validate", "-c", str(project / "wrangler.toml")]) == 0
        assert main(["-c", str(project / "wrangler.toml"), "validate"]) == 0
        assert main(["validate", "--config", str(project / "wrangler.toml")]) == 0
    finally:
        os.chdir(project)
    assert "No problems found in 3 environments" in capsys.readouterr().out


def test_cwd_runs_as_if_started_there(
    project: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    os.chdir(elsewhere)
    try:
        assert main(["--cwd", str(project), "validate"]) == 0
        assert main(["drift", "--cwd", str(project), "--live-from", SNAPSHOT]) == 1
        assert Path.cwd() == elsewhere  # the run's --cwd does not outlive it
    finally:
        os.chdir(project)
    assert "EM400" in capsys.readouterr().out


def test_cwd_that_does_not_exist(in_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cwd", "no/such/folder", "validate"]) == 2
    assert "--cwd no/such/folder" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["drift", "--verbose", "--live-from", SNAPSHOT],
        ["drift", "--live-from", SNAPSHOT, "-v"],
        ["drift", "--live-from", SNAPSHOT, "-q", "--no-color", "--debug"],
        ["drift", "--live-from", SNAPSHOT, "-C", "."],
        ["drift", "--live-from", SNAPSHOT, "--project=."],
    ],
)
def test_global_options_after_the_command(
    in_project: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    # measured: `envman drift --verbose` said "No such option"
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "No such option" not in captured.err
    assert "EM400" in captured.out or "-q" in args


def test_global_option_between_group_and_subcommand(
    in_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "-q", "log"]) == 0


def test_a_value_that_looks_like_a_global_option_stays_a_value(
    in_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `--reason -v`: -v is the reason's value here, not verbose
    assert main(["promote", "development", "staging", "--dry-run", "--reason", "-v"]) in (0, 1)
    assert "No such option" not in capsys.readouterr().err


def test_v_alone_is_the_version_as_in_wrangler(capsys: pytest.CaptureFixture[str]) -> None:
    from envman import __version__

    assert main(["-v"]) == 0
    assert capsys.readouterr().out.strip() == f"envman {__version__}"
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"envman {__version__}"


def test_v_with_a_command_is_verbose(in_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-v", "validate"]) == 0
    assert "envman 0" not in capsys.readouterr().out
