"""docs/reference/exit-codes.md, row by row: each documented code, and each case a row
names, is produced by a real command in a real project."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from envman.cli import main
from envman.errors import ExitCode
from tests.inprocess import Envman, Result
from tests.paths import REPO

DOC = REPO / "docs" / "reference" / "exit-codes.md"
PROMOTE = ("promote", "staging", "production")

Scenario = Callable[[Path, Envman], Result]


def _break(project: Path, name: str, text: str) -> None:
    path = project / name
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


ROWS: dict[int, list[tuple[str, Scenario]]] = {
    0: [
        ("a clean validate", lambda p, e: e("validate", cwd=p)),
        ("a dry run that would apply", lambda p, e: e(*PROMOTE, "--offline", "--dry-run", cwd=p)),
    ],
    1: [
        (
            "invalid config",
            lambda p, e: (
                _break(p, "environments/staging.toml", '\n[limits]\ncpu_ms = "fast"\n'),
                e("validate", cwd=p),
            )[1],
        ),
        ("drift", lambda p, e: e("drift", "--live-from", "examples/live-snapshot.json", cwd=p)),
        ("no --reason", lambda p, e: e(*PROMOTE, "--offline", "--yes", cwd=p)),
        ("no terminal", lambda p, e: e(*PROMOTE, "--offline", "--reason", "r", cwd=p)),
        ("no token, no --offline", lambda p, e: e(*PROMOTE, "--yes", "--reason", "r", cwd=p)),
        ("nothing to roll back", lambda p, e: e("rollback", "production", "--yes", cwd=p)),
    ],
    2: [
        ("an unknown environment", lambda p, e: e("validate", "prodution", cwd=p)),
        ("an unknown option", lambda p, e: e("validate", "--frobnicate", cwd=p)),
        (
            "--only selecting nothing",
            lambda p, e: e(*PROMOTE, "--offline", "--dry-run", "--only", "vars.NOPE", cwd=p),
        ),
        (
            "changes pending, in detail",
            lambda p, e: e(*PROMOTE, "--offline", "--dry-run", "--detailed-exitcode", cwd=p),
        ),
    ],
    3: [
        (
            "a malformed file",
            lambda p, e: (
                _break(p, "environments/staging.toml", "\n[oops\n"),
                e("validate", cwd=p),
            )[1],
        ),
        ("no token for drift", lambda p, e: e("drift", cwd=p)),
    ],
}


def documented() -> dict[int, str]:
    rows = re.findall(r"^\| `(\d+)` \| `(\w+)` \| (.*?) \|", DOC.read_text(encoding="utf-8"), re.M)
    return {int(code): meaning for code, _name, meaning in rows}


def test_every_documented_code_is_an_exit_code_with_scenarios() -> None:
    assert set(documented()) == {int(code) for code in ExitCode}
    assert set(ROWS) | {4, 130} == set(documented())  # 4 and 130 are tested below


@pytest.mark.parametrize(
    ("code", "case"),
    [(code, case) for code, cases in ROWS.items() for case, _ in cases],
)
def test_a_row(code: int, case: str, project: Path, envman: Envman) -> None:
    scenario = dict(ROWS[code])[case]
    result = scenario(project, envman)
    assert result.code == code, (case, result.out, result.err)


def test_an_internal_error_is_4_with_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setattr("envman.usecases.validate.validate", _raise(ZeroDivisionError("a bug")))
    assert main(["validate"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("envman: internal error: ZeroDivisionError: a bug")
    assert "Traceback" not in err and "/issues" in err


def test_an_interrupt_is_130(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setattr("envman.usecases.validate.validate", _raise(KeyboardInterrupt()))
    assert main(["validate"]) == 130


def _raise(error: BaseException) -> Callable[..., None]:
    def boom(*_args: object, **_kwargs: object) -> None:
        raise error

    return boom
