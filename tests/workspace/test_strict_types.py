"""Environment files and envman.toml are read strictly: a value of the wrong type is an error.

Measured before: pydantic's lax mode turned `workers_dev = "no"` and `workers_dev = 0`
into False, `logpush = "false"` into False, `cpu_ms = "50"` into 50, and so on; validate
said nothing and the gate passed a config wrangler would read differently.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envman.cli import main

CASES = [
    # (file, where: None (top), a new [table] or =the line replaced, line, finding path)
    ("staging.toml", "=workers_dev = false", 'workers_dev = "no"', "workers_dev"),
    ("staging.toml", "=workers_dev = false", "workers_dev = 0", "workers_dev"),
    ("staging.toml", None, 'logpush = "false"', "logpush"),
    ("staging.toml", "[limits]", 'cpu_ms = "50"', "limits.cpu_ms"),
    (
        "base.toml",
        "=head_sampling_rate = 1",
        'head_sampling_rate = "1"',
        "observability.head_sampling_rate",
    ),
    (
        "staging.toml",
        "[[queues.consumers]]",
        'queue = "q"\nmax_batch_size = "25"',
        "queues.consumers.q.max_batch_size",
    ),
    (
        "staging.toml",
        "[[kv_namespaces]]",
        'binding = "X"\nid = "x"\nremote = "yes"',
        "kv_namespaces.X.remote",
    ),
    (
        "development.toml",
        "[[routes]]",
        'pattern = "a.example.com"\ncustom_domain = "yes"',
        "routes.0.custom_domain",
    ),
]


def put(project: Path, name: str, table: str | None, line: str) -> int:
    """Write `line` into environments/NAME (at the top, in a new `table`, or instead of
    `=the line` it replaces); the line number it is at."""
    path = project / "environments" / name
    text = path.read_text(encoding="utf-8")
    if table is None:
        path.write_text(line + "\n" + text, encoding="utf-8")
        return 1
    if table.startswith("="):
        assert table[1:] in text
        text = text.replace(table[1:], line)
        path.write_text(text, encoding="utf-8")
        return text.splitlines().index(line) + 1
    path.write_text(text + f"\n{table}\n{line}\n", encoding="utf-8")
    return len(text.splitlines()) + 2 + line.count("\n") + 1


@pytest.mark.parametrize(("name", "table", "line", "path"), CASES)
def test_a_value_of_the_wrong_type_is_a_located_error(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    table: str | None,
    line: str,
    path: str,
) -> None:
    where = put(project, name, table, line)
    code = main(["-C", str(project), "validate", "-f", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    wrong = [f for f in report["findings"] if f["code"] == "EM101" and f["path"] == path]
    assert wrong, report["findings"]
    assert wrong[0]["source"]["file"] == f"environments/{name}"
    assert wrong[0]["source"]["line"] == where
    assert "never converts" in wrong[0]["hint"]


def test_right_types_still_pass(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "environments" / "staging.toml"
    path.write_text(
        "logpush = false\n" + path.read_text(encoding="utf-8") + "\n[limits]\ncpu_ms = 50\n",
        encoding="utf-8",
    )
    main(["-C", str(project), "validate", "-f", "json"])  # head_sampling_rate = 1 (an int) too
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [f for f in findings if f["code"] in {"EM100", "EM101"}] == []


def test_envman_toml_is_strict_too(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = project / "envman.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("sync_wrangler = true", 'sync_wrangler = "no"'),
        encoding="utf-8",
    )
    assert main(["-C", str(project), "validate"]) == 3
    assert "envman.toml:" in capsys.readouterr().err
