"""Install this checkout as a wheel in a scratch virtual environment: what the rows time.

Issue 14's figures are of an installed wheel. A development install (`pip install -e .`)
is not one: it adds a `.pth` file whose import hook runs at every start of its
interpreter, envman or not (measured here: `python -c pass` 44.6 ms in the editable venv,
~20–29 ms without the hook). That hook sits in the bare-interpreter baseline as well, so
every ratio to it came out about half of what a user's installed envman has (`--help`
5.2× against 11.6×, validate of the bundled project 14.6× against ~33×).

So the runner builds a wheel of the working tree (uncommitted changes included) with pip,
makes a virtual environment without pip, installs the wheel there without its
dependencies, and lets that environment see the runner's own site-packages through a
`.pth` file of plain paths (no code runs for it at start-up, and `.pth` files in those
folders are not processed, so the editable hook stays out). Both the wheel's `envman`
script and the bare baseline then run on that environment's interpreter. No network is
needed but for the build back-end (setuptools, from the package registry or pip's cache);
when the build fails, the runner says so and times the envman installed next to itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

from bench.common import REPO, clean_environ

SOURCES = ("pyproject.toml", "README.md", "envman")
"""What building the wheel reads (pyproject.toml's package data lives inside envman/)."""


class InstallFailed(Exception):
    """The wheel could not be built or installed; the message says which step and why."""


def install_wheel(scratch: Path, log: Callable[[str], None], python: str = sys.executable) -> str:
    """Build and install envman from REPO under `scratch`; return the new interpreter's path."""
    source = scratch / "source"
    source.mkdir(parents=True)
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif path.is_file():
            shutil.copy2(path, source / name)
    wheels = scratch / "wheels"
    log("building a wheel of the working tree (pip wheel) ...")
    _run([python, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(source)])
    built = sorted(wheels.glob("envman-*.whl"))
    if not built:
        raise InstallFailed(f"pip wheel made no envman wheel in {wheels}")
    venv = scratch / "venv"
    _run([python, "-m", "venv", "--without-pip", str(venv)])
    interpreter = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = _ask(str(interpreter), "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    ours = sysconfig.get_paths()
    paths = dict.fromkeys([ours["purelib"], ours["platlib"]])
    Path(site, "_envman_bench_dependencies.pth").write_text(
        "".join(f"{path}\n" for path in paths), encoding="utf-8"
    )
    log(f"installing {built[-1].name} into {venv} ...")
    _run(
        [
            python,
            "-m",
            "pip",
            "--python",
            str(interpreter),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(built[-1]),
        ]
    )
    found = _ask(str(interpreter), "import envman; print(envman.__file__)")
    if not Path(found).resolve().is_relative_to(Path(site).resolve()):
        raise InstallFailed(f"the scratch environment imports envman from {found}, not {site}")
    return str(interpreter)


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False, env=clean_environ())
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise InstallFailed(
            f"`{' '.join(argv[:4])} …` exited {done.returncode}: {' / '.join(tail)}"
        )


def _ask(python: str, code: str) -> str:
    done = subprocess.run(  # not in the repository: `-c` puts the folder it runs in first
        [python, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env=clean_environ(),
        cwd=Path(python).parent,
    )
    if done.returncode != 0:
        raise InstallFailed(f"{python} -c {code!r} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout.strip()
