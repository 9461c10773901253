"""The command line: typer commands that parse, call one use case, render and exit."""

from __future__ import annotations

from envman.cli.app import app, main

__all__ = ["app", "main"]
