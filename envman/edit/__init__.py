"""Surgical edits of TOML and JSONC text: every byte outside an edit stays identical."""

from __future__ import annotations

from envman.edit.driver import DELETE, Edit, dumps_toml, edit_jsonc, edit_toml

__all__ = ["DELETE", "Edit", "dumps_toml", "edit_jsonc", "edit_toml"]
