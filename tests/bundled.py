"""The bundled dashboard-worker project (the repository's own config) as tests use it:
copied, committed to git, and deployed to the fake Cloudflare API."""

from __future__ import annotations

import copy
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from envman import api
from tests.fakecf.server import FakeCloudflare
from tests.paths import REPO

FILES = ("envman.toml", "wrangler.toml", "environments", "schemas", "src", "examples")
ENVS = ("development", "staging", "production")
PROMOTE = ("promote", "staging", "production", "--offline", "--yes", "--reason")
"""`envman promote` of the bundled project without the live check; the reason goes last."""
SECRET_VALUES = {
    "JWT_SECRET": "SEEDED-JWT-VALUE-7f3a9c",
    "STRIPE_API_KEY": "SEEDED-STRIPE-VALUE-51c0de",
}
"""The values `deploy` gives the required secrets: no output may ever contain them."""


def copy_project(destination: Path) -> Path:
    """A copy of the bundled project in `destination`."""
    for name in FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy(source, destination / name)
    return destination


def commit_all(root: Path) -> Path:
    """`root` as a git repository with everything in it committed."""
    git = ["git", "-c", "user.email=dev@example.com", "-c", "user.name=Dev"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=root, check=True)
    return root


def declared(project: Path, env: str) -> dict[str, Any]:
    """Environment `env` of `project` as the wrangler config a deploy would upload."""
    ws = api.open_workspace(project)
    return api.declared(ws, env).config.to_wrangler()


@cache
def _bundled(env: str) -> dict[str, Any]:
    return declared(REPO, env)


def deploy(fake: FakeCloudflare, envs: tuple[str, ...] = ENVS) -> FakeCloudflare:
    """What `wrangler deploy --env X` of the bundled project leaves in `fake`, for each of
    `envs` (resolved once per run: the project is the same for every test)."""
    for env in envs:
        config = copy.deepcopy(_bundled(env))
        secrets = {name: SECRET_VALUES[name] for name in config["secrets"]["required"]}
        fake.seed_from_wrangler(fake.account_id, config, secrets=secrets)
    return fake


def cloudflare_environ(fake: FakeCloudflare, **more: str) -> dict[str, str]:
    """The variables that point envman at `fake`."""
    return {
        "CLOUDFLARE_API_TOKEN": fake.token,
        "CLOUDFLARE_ACCOUNT_ID": fake.account_id,
        "CLOUDFLARE_BASE_URL": fake.base_url,
        **more,
    }
