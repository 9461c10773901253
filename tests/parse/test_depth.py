"""Nesting depth is bounded with a located error, in every file envman parses.

Measured before: deeply nested values in an environment file ended in a RecursionError
(exit 4); a deep snapshot given to `--live-from` did the same through json.loads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envman.cli import main
from envman.errors import InputError
from envman.files import MAX_DEPTH
from envman.parse import parse_jsonc, parse_toml

pytestmark = pytest.mark.usefixtures("deadline")  # deep nesting: fail, not hang

DEEP = 5000


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a = 1\nb = " + "[" * DEEP + "]" * DEEP + "\n", 2),
        ("a = 1\nb = " + "{c = " * DEEP + "1" + "}" * DEEP + "\n", 2),
        ("a = 1\n" + "b" + ".c" * (MAX_DEPTH + 1) + " = 1\n", 2),
        ("[" + ".".join(["t"] * (MAX_DEPTH + 2)) + "]\nx = 1\n", 1),
    ],
    ids=["arrays", "inline-tables", "dotted-keys", "table-header"],
)
def test_deep_toml_is_a_located_error(text: str, line: int) -> None:
    with pytest.raises(InputError, match=f"nested deeper than {MAX_DEPTH} levels") as caught:
        parse_toml(text, "environments/staging.toml")
    assert (caught.value.file, caught.value.line) == ("environments/staging.toml", line)


def test_deep_jsonc_is_a_located_error() -> None:
    with pytest.raises(InputError, match="nesting deeper than") as caught:
        parse_jsonc('{"a": ' + "[" * DEEP + "]" * DEEP + "}", "wrangler.jsonc")
    assert caught.value.line == 1


def test_nesting_up_to_the_limit_is_fine() -> None:
    depth = MAX_DEPTH - 1
    parse_toml("a = " + "[" * depth + "]" * depth, "f.toml")


@pytest.mark.parametrize("parts", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
@pytest.mark.parametrize("leaf", ["1", "[]", "[1]", "{}"])
def test_the_limit_counts_every_level_once(parts: int, leaf: str) -> None:
    """A value `parts` keys deep: refused exactly when something lies below level MAX_DEPTH
    (an empty table or array at the limit holds nothing below it)."""
    text = "x = 1\n" + ".".join(["k"] * parts) + f" = {leaf}\n"
    deepest = parts + (leaf == "[1]")  # the 1 inside the array lies one level below
    if deepest > MAX_DEPTH:
        with pytest.raises(InputError, match="nested deeper") as caught:
            parse_toml(text, "f.toml")
        assert caught.value.line == 2
    else:
        assert parse_toml(text, "f.toml").data["x"] == 1


def run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["-C", str(project), *args])
    out, err = capsys.readouterr()
    return code, out + err


def test_validate_and_drift_refuse_deep_input(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = project / "environments" / "staging.toml"
    original = env.read_text(encoding="utf-8")
    env.write_text(original + "\n[observability.logs]\nx = " + "[" * DEEP + "]" * DEEP + "\n")
    code, output = run(project, capsys, "validate")
    assert code == 3 and "environments/staging.toml:" in output and "nested deeper" in output
    env.write_text(original, encoding="utf-8")
    snapshot = project / "deep.json"
    snapshot.write_text('{"workers": ' + "[" * DEEP + "]" * DEEP + "}", encoding="utf-8")
    code, output = run(project, capsys, "drift", "--live-from", str(snapshot))
    assert code == 3 and f"{snapshot}:1:" in output and "nesting deeper" in output
