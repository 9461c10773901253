"""Tests of the git and CI context recorded in audit entries."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from envman.audit import CIInfo, Context, GitInfo, gather_context


def _git(root: Path, *args: str) -> str:
    command = [
        "git",
        "-c",
        "user.name=T",
        "-c",
        "user.email=t@example.com",
        "-c",
        "commit.gpgsign=false",
        *args,
    ]
    return subprocess.run(command, cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def no_parent_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory where git will not find an enclosing repository."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_gather_context_in_a_git_repository(no_parent_repo: Path) -> None:
    root = no_parent_repo
    _git(root, "init", "-q")
    _git(root, "symbolic-ref", "HEAD", "refs/heads/main")
    _git(root, "config", "user.email", "dev@example.com")
    (root / "envman.toml").write_text("worker = 'w'\n", encoding="utf-8")
    (root / "untracked.txt").write_text("x", encoding="utf-8")
    _git(root, "add", "envman.toml")
    _git(root, "commit", "-q", "-m", "init")
    commit = _git(root, "rev-parse", "HEAD").strip()

    context = gather_context(root, {"USER": "os-user"})
    assert context == Context(
        actor="dev@example.com", git=GitInfo(commit=commit, branch="main", dirty=False), ci=CIInfo()
    )
    (root / "envman.toml").write_text("worker = 'changed'\n", encoding="utf-8")
    assert gather_context(root, {}).git.dirty is True

    _git(root, "checkout", "-q", "--detach")
    github = {"GITHUB_ACTIONS": "true", "GITHUB_ACTOR": "octocat", "GITHUB_REF_NAME": "release"}
    assert gather_context(root, github).git == GitInfo(commit=commit, branch="release", dirty=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_repositorys_fsmonitor_command_never_runs(no_parent_repo: Path) -> None:
    """`core.fsmonitor` in the project's .git/config names a command `git status` runs;
    envman reads the git state with it off, and the state is read all the same."""
    root = no_parent_repo
    _git(root, "init", "-q")
    _git(root, "commit", "-q", "--allow-empty", "-m", "init")
    marker = root.parent / "fsmonitor-ran"
    _git(root, "config", "core.fsmonitor", f"touch {marker}; false")
    _git(root, "status")  # the hook is real: git itself runs it
    assert marker.exists()
    marker.unlink()
    context = gather_context(root, {})
    assert not marker.exists()
    assert context.git.commit == _git(root, "rev-parse", "HEAD").strip() and not context.git.dirty


def test_outside_a_repository_git_is_null_and_the_os_user_acts(no_parent_repo: Path) -> None:
    context = gather_context(no_parent_repo, {"USER": "os-user"})
    assert context == Context(actor="os-user", git=GitInfo(), ci=CIInfo())


def test_without_git_the_context_still_works(
    no_parent_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(no_parent_repo))
    assert gather_context(no_parent_repo, {"LOGNAME": "someone"}).actor == "someone"
    assert gather_context(no_parent_repo, {}).git == GitInfo()


@pytest.mark.parametrize(
    ("environ", "provider", "run_url", "actor"),
    [
        (
            {
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTOR": "octocat",
                "GITHUB_REPOSITORY": "o/r",
                "GITHUB_RUN_ID": "42",
                "GITHUB_SERVER_URL": "https://github.example",
            },
            "github",
            "https://github.example/o/r/actions/runs/42",
            "octocat",
        ),
        (
            {
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTOR": "octocat",
                "GITHUB_REPOSITORY": "o/r",
                "GITHUB_RUN_ID": "7",
            },
            "github",
            "https://github.com/o/r/actions/runs/7",
            "octocat",
        ),
        (
            {
                "GITLAB_CI": "true",
                "CI": "true",
                "GITLAB_USER_LOGIN": "tanuki",
                "CI_JOB_URL": "https://gitlab.example/o/r/-/jobs/9",
            },
            "gitlab",
            "https://gitlab.example/o/r/-/jobs/9",
            "tanuki",
        ),
        (
            {
                "BUILDKITE": "true",
                "BUILDKITE_BUILD_CREATOR": "Kite",
                "BUILDKITE_BUILD_URL": "https://buildkite.com/o/p/builds/3",
            },
            "buildkite",
            "https://buildkite.com/o/p/builds/3",
            "Kite",
        ),
        ({"CI": "1", "USER": "runner"}, "ci", None, "runner"),
        ({"CI": "false", "USER": "me"}, None, None, "me"),
    ],
    ids=["github-enterprise", "github", "gitlab", "buildkite", "generic", "not-ci"],
)
def test_ci_variables_give_provider_run_url_and_actor(
    no_parent_repo: Path,
    environ: dict[str, str],
    provider: str | None,
    run_url: str | None,
    actor: str,
) -> None:
    context = gather_context(no_parent_repo, environ)
    assert (context.ci, context.actor) == (CIInfo(provider=provider, run_url=run_url), actor)
