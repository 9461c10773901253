"""Loading environment files is sealed from dynaconf's ambient configuration.

Measured before: `ENVIRONMENTS_FOR_DYNACONF=true` (normal on a machine running another
dynaconf app) emptied every declared config and `envman drift` printed "No problems
found", exit 0, with drift in all three environments; `SETTINGS_FILE_FOR_DYNACONF` or
`INCLUDES_FOR_DYNACONF` merged any TOML file on disk into the declared config; a
`dynaconf_include` line read any TOML file into `show`'s output; a UTF-8 BOM was exit 4
(dynaconf read the file again itself).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from envman.cli import main
from envman.errors import InputError
from envman.workspace.loading import load_environment, load_project

EVIL = '[vars]\nRATE_LIMIT_PER_MINUTE = 6000\nINJECTED = "from elsewhere"\n'


def hostile_environment(tmp: Path) -> dict[str, str]:
    """Every way dynaconf's environment could reach envman's loading, all at once."""
    (tmp / "evil.toml").write_text(EVIL, encoding="utf-8")
    (tmp / "evil.yaml").write_text("vars:\n  LOG_LEVEL: debug\n", encoding="utf-8")
    (tmp / ".env").write_text("DYNACONF_VARS__LOG_LEVEL=debug\n", encoding="utf-8")
    evil = str(tmp / "evil.toml")
    return {
        "SETTINGS_FILE_FOR_DYNACONF": evil,
        "SETTINGS_FILES_FOR_DYNACONF": evil,
        "INCLUDES_FOR_DYNACONF": evil,
        "PRELOAD_FOR_DYNACONF": evil,
        "SECRETS_FOR_DYNACONF": evil,
        "ENVIRONMENTS_FOR_DYNACONF": "true",
        "ENV_FOR_DYNACONF": "production",
        "FORCE_ENV_FOR_DYNACONF": "production",
        "MERGE_ENABLED_FOR_DYNACONF": "false",
        "LOADERS_FOR_DYNACONF": '["dynaconf.loaders.env_loader"]',
        "CORE_LOADERS_FOR_DYNACONF": '["YAML"]',
        "ENVVAR_PREFIX_FOR_DYNACONF": "DYNACONF",
        "ENVVAR_FOR_DYNACONF": "HOME",
        "ROOT_PATH_FOR_DYNACONF": str(tmp),
        "LOAD_DOTENV_FOR_DYNACONF": "true",
        "DOTENV_PATH_FOR_DYNACONF": str(tmp / ".env"),
        "DYNACONF_VARS__LOG_LEVEL": "debug",
        "DYNACONF_NAME": "hijacked",
        "ENVMAN_LAYER_VARS__LOG_LEVEL": "debug",
        "ENVMAN_LAYER_NAME": "hijacked",
    }


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out + err


def test_drift_gives_the_same_verdict_under_a_hostile_environment(
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["-C", str(project), "drift", "--live-from", "examples/live-snapshot.json", "-f", "json"]
    clean = run(args, capsys)
    assert clean[0] == 1  # the bundled snapshot has drift
    hostile = hostile_environment(tmp_path_factory.mktemp("ambient"))
    for name, value in hostile.items():
        monkeypatch.setenv(name, value)
    assert run(args, capsys) == clean
    for name, value in hostile.items():  # the environment is given back untouched
        assert os.environ[name] == value


@pytest.mark.parametrize(
    "variable",
    [
        "ENVIRONMENTS_FOR_DYNACONF",
        "SETTINGS_FILE_FOR_DYNACONF",
        "LOADERS_FOR_DYNACONF",
        "INCLUDES_FOR_DYNACONF",
    ],
)
def test_each_variable_alone_changes_nothing(
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    loaded = load_project(project)
    assert loaded is not None
    clean = {env: load_environment(project, loaded[0], env).data for env in loaded[0].environments}
    monkeypatch.setenv(variable, hostile_environment(tmp_path_factory.mktemp("a"))[variable])
    for env, data in clean.items():
        assert load_environment(project, loaded[0], env).data == data


def write_env(project: Path, extra: str) -> None:
    path = project / "environments" / "staging.toml"
    path.write_text(extra + path.read_text(encoding="utf-8"), encoding="utf-8")


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('dynaconf_include = ["/etc/evil.toml"]\n', "dynaconf_include"),
        ('includes_for_dynaconf = ["/etc/evil.toml"]\n', "includes_for_dynaconf"),
        ("[limits]\ndynaconf_merge = false\n", "dynaconf_merge"),
        ("[observability]\nDYNACONF_MERGE_UNIQUE = true\n", "DYNACONF_MERGE_UNIQUE"),
    ],
)
def test_directives_in_a_file_are_refused_with_their_location(
    project: Path, capsys: pytest.CaptureFixture[str], line: str, key: str
) -> None:
    write_env(project, line)
    loaded = load_project(project)
    assert loaded is not None
    with pytest.raises(InputError, match="dynaconf directive") as caught:
        load_environment(project, loaded[0], "staging")
    assert caught.value.file == "environments/staging.toml"
    assert caught.value.line == line.count("\n")
    assert key in caught.value.message
    code, output = run(["-C", str(project), "show", "staging"], capsys)
    assert (
        code == 3 and "environments/staging.toml:" in output and "evil" not in output.split(key)[0]
    )


def test_a_bom_reads_like_the_same_file_without_one(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = run(["-C", str(project), "show", "staging"], capsys)
    path = project / "environments" / "staging.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    base = project / "environments" / "base.toml"
    base.write_bytes(b"\xef\xbb\xbf" + base.read_bytes())
    assert run(["-C", str(project), "show", "staging"], capsys) == expected
    assert run(["-C", str(project), "validate"], capsys)[0] == 0
