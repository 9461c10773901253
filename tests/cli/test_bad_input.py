"""Bad input: a located error with exit 1 or 3, never exit 4, never a hang, never fail-open.

One row per failure the adversarial review measured (and a few neighbours): each is
built in a copy of the bundled project, run in-process, and must end within a second
with an exit code of 1 or 3 and a message naming the file (and the line, where a file
has lines). The focused tests beside the modules cover each mechanism in detail.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from envman.cli import main

Setup = Callable[[Path], list[str]]
"""Breaks the project in a way; returns the command line to run in it."""


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def env_file(project: Path, name: str = "staging") -> Path:
    return project / "environments" / f"{name}.toml"


def replace_with(target: Path, make: Callable[[Path], None]) -> None:
    target.unlink()
    make(target)


def deep_values(p: Path) -> list[str]:
    edit(env_file(p), "[vars]\n", "[vars]\nDEEP = " + "[" * 3000 + "]" * 3000 + "\n")
    return ["validate"]


def symlink_loop(p: Path) -> list[str]:
    replace_with(env_file(p), lambda t: t.symlink_to(t))
    return ["validate"]


def dev_zero(p: Path) -> list[str]:
    replace_with(env_file(p), lambda t: t.symlink_to("/dev/zero"))
    return ["validate"]


def fifo_env(p: Path) -> list[str]:
    replace_with(env_file(p), lambda t: os.mkfifo(t))
    return ["validate"]


def fifo_live_from(p: Path) -> list[str]:
    os.mkfifo(p / "live.fifo")
    return ["drift", "--live-from", str(p / "live.fifo")]


def wrangler_dev_zero(p: Path) -> list[str]:
    replace_with(p / "wrangler.toml", lambda t: t.symlink_to("/dev/zero"))
    return ["validate"]


def project_loop(p: Path) -> list[str]:
    replace_with(p / "envman.toml", lambda t: t.symlink_to(t))
    return ["validate"]


def output_dir(p: Path) -> list[str]:
    (p / "out").mkdir()
    return ["validate", "-f", "json", "-o", str(p / "out")]


def output_proc(p: Path) -> list[str]:
    return ["validate", "-f", "json", "-o", "/proc/envman.json"]


def lock_dir(p: Path) -> list[str]:
    (p / ".envman" / "lock").mkdir(parents=True)
    return ["promote", "staging", "production", "--offline", "--yes", "--reason", "test"]


def catastrophic_pattern(p: Path) -> list[str]:
    schema = p / "schemas" / "vars.toml"
    schema.write_text(
        schema.read_text(encoding="utf-8")
        + "\n[vars.SLUG]\nrequired = false\npattern = '(a+)+$'\n",
        encoding="utf-8",
    )
    edit(env_file(p), "[vars]\n", '[vars]\nSLUG = "' + "a" * 3000 + '!"\n')
    return ["validate"]


def schema_typo(p: Path) -> list[str]:
    edit(p / "envman.toml", '"schemas/vars.toml"', '"schemas/var.toml"')
    return ["validate"]


def schema_dir(p: Path) -> list[str]:
    replace_with(p / "schemas" / "vars.toml", lambda t: t.mkdir())
    return ["validate"]


def misspelt_override(p: Path) -> list[str]:
    edit(p / "schemas" / "vars.toml", ".env.production]", ".env.prodution]")
    return ["validate"]


def coerced(line_old: str, line_new: str, file: str = "staging") -> Setup:
    def setup(p: Path) -> list[str]:
        edit(env_file(p, file), line_old, line_new)
        return ["validate"]

    return setup


def dynaconf_include(p: Path) -> list[str]:
    edit(env_file(p), "[vars]\n", 'dynaconf_include = ["/etc/os-release"]\n[vars]\n')
    return ["show", "staging"]


def deep_snapshot(p: Path) -> list[str]:
    (p / "deep.json").write_text("[" * 3000 + "]" * 3000, encoding="utf-8")
    return ["drift", "--live-from", str(p / "deep.json")]


CASES: dict[str, tuple[Setup, int, str]] = {
    # name: (setup, exit code, what the message must name: "file" or "file:line")
    "deeply-nested-values": (deep_values, 3, "environments/staging.toml:"),
    "symlink-loop": (symlink_loop, 3, "environments/staging.toml"),
    "symlink-to-dev-zero": (dev_zero, 3, "environments/staging.toml"),
    "fifo-environment-file": (fifo_env, 3, "environments/staging.toml"),
    "fifo-live-from": (fifo_live_from, 3, "live.fifo"),
    "wrangler-to-dev-zero": (wrangler_dev_zero, 3, "wrangler.toml"),
    "envman-toml-loop": (project_loop, 3, "envman.toml"),
    "output-into-a-folder": (output_dir, 3, "/out"),
    "output-into-proc": (output_proc, 3, "/proc/envman.json"),
    "lock-is-a-folder": (lock_dir, 3, ".envman/lock"),
    "catastrophic-pattern": (catastrophic_pattern, 1, "environments/staging.toml:"),
    "mistyped-schema-path": (schema_typo, 3, "envman.toml:"),
    "schema-is-a-folder": (schema_dir, 3, "schemas/vars.toml"),
    "override-for-unknown-env": (misspelt_override, 3, "schemas/vars.toml:"),
    "workers_dev-string": (
        coerced("workers_dev = false", 'workers_dev = "no"'),
        1,
        "staging.toml:",
    ),
    "workers_dev-zero": (coerced("workers_dev = false", "workers_dev = 0"), 1, "staging.toml:"),
    "logpush-string": (coerced("workers_dev = false", 'logpush = "false"'), 1, "staging.toml:"),
    "cpu_ms-string": (
        coerced("[triggers]", '[limits]\ncpu_ms = "50"\n[triggers]'),
        1,
        "staging.toml:",
    ),
    "max_batch_size-string": (
        coerced("max_batch_size = 25", 'max_batch_size = "25"'),
        1,
        "staging.toml:",
    ),
    "head_sampling_rate-string": (
        coerced("head_sampling_rate = 1", 'head_sampling_rate = "1"', "base"),
        1,
        "base.toml:",
    ),
    "remote-string": (coerced('id = "9b3e', 'remote = "yes"\nid = "9b3e'), 1, "staging.toml:"),
    "dynaconf-include": (dynaconf_include, 3, "environments/staging.toml:7:1:"),
    "deep-snapshot": (deep_snapshot, 3, "deep.json:1:"),
}


pytestmark = pytest.mark.usefixtures("deadline")


@pytest.mark.parametrize(("setup", "code", "where"), CASES.values(), ids=CASES.keys())
def test_bad_input_is_a_located_error(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    setup: Setup,
    code: int,
    where: str,
) -> None:
    monkeypatch.chdir(project)
    args = setup(project)
    got = main(args)
    out, err = capsys.readouterr()
    assert got == code, out + err
    assert where in out + err, out + err
    assert "internal error" not in err and "Traceback" not in err


def test_a_bom_is_read_like_no_bom(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = env_file(project)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert main(["-C", str(project), "validate"]) == 0


def test_a_file_that_is_not_json_is_located_without_its_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrangler.jsonc that links to a secret (as a hostile pull request can commit it)
    is a located error that does not copy the secret into the CI log."""
    token = "sk_live_51HvK2eZvKYlo2C0aIiXyZ"
    secret = tmp_path / "runner-secret"
    secret.write_text(token + "\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "wrangler.jsonc").symlink_to(secret)
    assert main(["-C", str(project), "validate"]) == 3
    out, err = capsys.readouterr()
    assert ":1:1: unexpected word of 30 characters" in err
    assert token not in out + err and token[:12] not in out + err
