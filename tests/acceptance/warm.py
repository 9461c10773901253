"""Imported by a fork server: runs a promotion and its rollback once, in a scratch copy of
the bundled project, so that every process forked after it starts with envman's modules
imported and its per-process caches (compiled schemas, models, parsers) built.

A forked process then spends its time on the command under test, not on the ~0.4 s a
first command costs: the kill tests fork a few dozen of them.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from pathlib import Path

from envman.cli import main
from tests.bundled import PROMOTE, copy_project


def _warm() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="envman-warm-"))
    try:
        copy_project(scratch)
        hidden = {n: os.environ.pop(n) for n in list(os.environ) if n.startswith("ENVMAN_")}
        try:
            with (
                contextlib.redirect_stdout(io.StringIO()),
                contextlib.redirect_stderr(io.StringIO()),
            ):
                project = ["-C", str(scratch)]
                main([*project, *PROMOTE, "warm"])
                main([*project, "rollback", "production", "--yes", "--reason", "warm"])
        finally:
            os.environ.update(hidden)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


_warm()
