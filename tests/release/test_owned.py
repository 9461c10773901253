"""Writes stay inside the project: every path from data is confined to the files envman owns."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from envman.errors import ExitCode, UnsafePathError
from envman.release import Owned

FILES = ("environments/staging.toml", "environments/production.toml", "wrangler.toml")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project folder with its owned files, a .git/ and a file next to the project."""
    project = tmp_path / "project"
    for name in (*FILES, "envman.toml", "schemas/vars.toml", ".git/hooks/README"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("x\n")
    (tmp_path / "outside.txt").write_text("outside\n")
    return project


@pytest.fixture
def owned(root: Path) -> Owned:
    return Owned.of(root, [*FILES, ".envman/audit.jsonl"])


@pytest.mark.parametrize(
    "name",
    [
        "../outside.txt",
        "environments/../../outside.txt",
        "/etc/passwd",
        "",
        "a\0b",
        ".git/hooks/pre-commit",
        ".envman/../.git/hooks/pre-commit",
        "envman.toml",
        "schemas/vars.toml",
        "environments/base.toml",
    ],
)
def test_anything_but_an_owned_file_is_refused_naming_its_source(owned: Owned, name: str) -> None:
    with pytest.raises(UnsafePathError, match="audit entry a-1") as caught:
        owned.confine(name, source="audit entry a-1")
    assert caught.value.exit_code == ExitCode.UNREADABLE


def test_owned_files_and_state_resolve_inside_the_project(owned: Owned, root: Path) -> None:
    real = Path(os.path.realpath(root))
    assert owned.confine("environments/production.toml", source="t") == (
        real / "environments/production.toml"
    )
    assert owned.confine("./wrangler.toml", source="t") == real / "wrangler.toml"
    assert owned.confine(root / "wrangler.toml", source="t") == real / "wrangler.toml"
    assert owned.state("transactions", "0123456789abcdef") == (
        real / ".envman/transactions/0123456789abcdef"
    )


def test_a_symlink_out_of_the_project_is_refused(owned: Owned, root: Path) -> None:
    target = root / "environments/production.toml"
    target.unlink()
    target.symlink_to(root.parent / "outside.txt")
    with pytest.raises(UnsafePathError, match="leads outside the project"):
        owned.confine("environments/production.toml", source="the plan")


def test_a_state_folder_linked_into_git_is_refused(owned: Owned, root: Path) -> None:
    (root / ".envman").symlink_to(root / ".git/hooks")
    with pytest.raises(UnsafePathError, match=r"\.git/"):
        owned.state("pre-commit", source="journal")


def test_a_symlink_to_a_file_envman_does_not_write_is_refused(owned: Owned, root: Path) -> None:
    target = root / "environments/production.toml"
    target.unlink()
    target.symlink_to(root / "envman.toml")
    with pytest.raises(UnsafePathError, match=r"symbolic link to envman\.toml"):
        owned.confine("environments/production.toml", source="the plan")


def test_a_symlink_between_owned_files_writes_the_real_one(owned: Owned, root: Path) -> None:
    target = root / "environments/production.toml"
    target.unlink()
    target.symlink_to("staging.toml")
    real = Path(os.path.realpath(root))
    assert owned.confine(target, source="t") == real / "environments/staging.toml"


def test_names_that_climb_out_are_never_owned(root: Path) -> None:
    owned = Owned.of(root, ["../outside.txt", "/etc/passwd", "environments/./production.toml"])
    assert owned.files == frozenset({"environments/production.toml"})
