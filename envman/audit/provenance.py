"""Who changed what from where: git and CI context for audit entries."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class GitInfo:
    """The project's git state; all None outside a repository or without git."""

    commit: str | None = None
    branch: str | None = None
    dirty: bool | None = None
    """True when tracked files have uncommitted changes (untracked files do not count)."""


@dataclass(frozen=True)
class CIInfo:
    """The CI system running envman, if any, and the URL of its run."""

    provider: str | None = None
    run_url: str | None = None


@dataclass(frozen=True)
class Context:
    """Who and where: gathered once per command, then recorded in every entry it writes."""

    actor: str
    git: GitInfo = GitInfo()
    ci: CIInfo = CIInfo()


def _github_url(env: Mapping[str, str]) -> str | None:
    server = env.get("GITHUB_SERVER_URL") or "https://github.com"
    repo, run = env.get("GITHUB_REPOSITORY"), env.get("GITHUB_RUN_ID")
    return f"{server.rstrip('/')}/{repo}/actions/runs/{run}" if repo and run else None


def _var(name: str) -> Callable[[Mapping[str, str]], str | None]:
    return lambda env: env.get(name) or None


# provider, variable that detects it, actor variable, run URL, branch variables (detached HEAD)
_PROVIDERS: tuple[tuple[str, str, str, Callable[[Mapping[str, str]], str | None], str], ...] = (
    ("github", "GITHUB_ACTIONS", "GITHUB_ACTOR", _github_url, "GITHUB_HEAD_REF GITHUB_REF_NAME"),
    ("gitlab", "GITLAB_CI", "GITLAB_USER_LOGIN", _var("CI_JOB_URL"), "CI_COMMIT_REF_NAME"),
    (
        "buildkite",
        "BUILDKITE",
        "BUILDKITE_BUILD_CREATOR",
        _var("BUILDKITE_BUILD_URL"),
        "BUILDKITE_BRANCH",
    ),
    ("circleci", "CIRCLECI", "CIRCLE_USERNAME", _var("CIRCLE_BUILD_URL"), "CIRCLE_BRANCH"),
)


def gather_context(root: Path, environ: Mapping[str, str]) -> Context:
    """The actor, git state of `root` and CI run, read from `environ` and `git`.

    The actor is the CI's user when a known CI runs envman, else `git config user.email`,
    else the OS user. git runs with the process environment (it needs PATH).
    """
    ci, ci_actor, ci_branch = CIInfo(), None, None
    for provider, detect, actor_var, url, branch_vars in _PROVIDERS:
        if _truthy(environ.get(detect)):
            ci = CIInfo(provider=provider, run_url=url(environ))
            ci_actor = environ.get(actor_var) or None
            ci_branch = next((environ[v] for v in branch_vars.split() if environ.get(v)), None)
            break
    else:
        if _truthy(environ.get("CI")):
            ci = CIInfo(provider="ci")
    git = _git_info(root)
    if git.commit is not None and git.branch is None and ci_branch:
        git = replace(git, branch=ci_branch)
    email = None if ci_actor else (_git(root, "config", "user.email") or "").strip()
    return Context(actor=ci_actor or email or _os_user(environ), git=git, ci=ci)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes"}


_GIT_SAFE = ("-c", "core.fsmonitor=false")
"""The project's own git config is data: its `core.fsmonitor` names a command that
`git status` runs (a repository that came as an archive can carry one), so it is off."""


def _git(root: Path, *args: str) -> str | None:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", *_GIT_SAFE, "-C", str(root), *args],
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            env=env,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _git_info(root: Path) -> GitInfo:
    # One subprocess gives commit, branch and dirtiness (porcelain v2, git >= 2.11).
    out = _git(root, "status", "--porcelain=v2", "--branch", "--untracked-files=no")
    if out is None:
        return GitInfo()
    commit = branch = None
    dirty = False
    for line in out.splitlines():
        if line.startswith("# branch.oid "):
            commit = None if line.endswith("(initial)") else line.removeprefix("# branch.oid ")
        elif line.startswith("# branch.head "):
            branch = None if line.endswith("(detached)") else line.removeprefix("# branch.head ")
        elif line and not line.startswith("#"):
            dirty = True
    return GitInfo(commit=commit, branch=branch, dirty=dirty)


def _os_user(environ: Mapping[str, str]) -> str:
    for name in ("USER", "LOGNAME", "USERNAME"):
        if environ.get(name):
            return environ[name]
    with contextlib.suppress(ImportError, KeyError):
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    return "unknown"
