"""Help reads like a CLI: ENV, FORMAT, FILE metavars, flags without one, completion aside."""

from __future__ import annotations

import re

import pytest

from envman.cli import main
from envman.cli.app import command

COMMANDS = [
    [],
    ["validate"],
    ["show"],
    ["drift"],
    ["snapshot"],
    ["check"],
    ["diff"],
    ["promote"],
    ["rollback"],
    ["audit", "log"],
    ["audit", "show"],
    ["audit", "verify"],
    ["schema", "export"],
]


def _help(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*args, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a) or "envman")
def test_no_python_types_in_help(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # measured: <bool>, <list[str]>, <int range>, <path>, {env}
    text = _help(args, capsys)
    assert not re.search(r"<(bool|str|int|float|path|list\[|Path|int range)", text), text
    assert not re.search(r"\{[a-z_]+\}", text), text


def test_metavars_name_what_is_expected(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(["check"], capsys)
    assert "Usage: envman check [OPTIONS] ENV" in text
    assert re.search(r"--format +-f +FORMAT", text)
    assert re.search(r"--output +-o +FILE", text)
    assert "text, json, github, markdown, sarif, junit" in " ".join(text.replace("│", "").split())
    assert "Usage: envman drift [OPTIONS] [ENV]..." in _help(["drift"], capsys)


def test_flags_take_no_value(capsys: pytest.CaptureFixture[str]) -> None:
    # measured: `--quiet -q <bool>` looked like it takes a value
    text = _help([], capsys)
    line = next(x for x in text.splitlines() if "--quiet" in x)
    assert re.search(r"--quiet +-q +No progress", line), line


def test_completion_options_are_out_of_the_main_list(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help([], capsys)
    options, _, rest = text.partition("Shell completion")
    assert "--install-completion" not in options and "--show-completion" not in options
    assert "--install-completion" in rest


def test_every_option_has_a_readable_metavar() -> None:
    def walk(cmd: object) -> list[object]:
        subs = getattr(cmd, "commands", {}).values()
        return [cmd, *(c for sub in subs for c in walk(sub))]

    for cmd in walk(command()):
        for param in cmd.params:  # type: ignore[attr-defined]
            metavar = param.metavar
            if getattr(param, "is_flag", False):
                assert metavar == "", (cmd, param.name)
            else:
                assert metavar and re.fullmatch(r"[A-Z][A-Z=/]*", metavar), (param.name, metavar)


def test_brackets_in_help_are_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    # measured: typer's rich markup ate them ("Write  of the wrangler file", "Apply no [] rule")
    assert "Write [env.X] of the wrangler file" in " ".join(_help([], capsys).split())
    assert "Apply no [[ignore]] rule" in " ".join(_help(["validate"], capsys).split())


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a) or "envman")
def test_help_fits_the_terminal(
    args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "72")
    lines = _help(args, capsys).splitlines()
    assert lines and all(len(line) <= 72 for line in lines), [x for x in lines if len(x) > 72]
    boxed = [line for line in lines if line.startswith("│")]
    assert boxed and all(line.endswith("│") for line in boxed)
