"""Opening a project: envman.toml, the layered environment files, the wrangler file, the schema."""

from __future__ import annotations

from envman.workspace.loading import NULL_TOKEN, EnvironmentFile, check_env_name, find_root
from envman.workspace.workspace import Declared, Workspace, declared, open_workspace

__all__ = [
    "NULL_TOKEN",
    "Declared",
    "EnvironmentFile",
    "Workspace",
    "check_env_name",
    "declared",
    "find_root",
    "open_workspace",
]
