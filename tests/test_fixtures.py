"""The shared fixtures keep tests apart: each test starts with an empty HOME."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import _empty


def test_home_is_this_tests_empty_folder() -> None:
    home = Path(os.environ["HOME"])
    assert home.is_dir() and list(home.iterdir()) == []


def test_emptying_home_deletes_links_not_what_they_point_at(tmp_path: Path) -> None:
    home, outside = tmp_path / "home", tmp_path / "outside"
    (home / ".config" / "tool").mkdir(parents=True)
    (home / ".config" / "tool" / "settings").write_text("x")
    (home / ".rc").write_text("x")
    outside.mkdir()
    (outside / "kept").write_text("x")
    (home / "link-to-folder").symlink_to(outside)
    (home / "link-to-file").symlink_to(outside / "kept")
    _empty(home)
    assert list(home.iterdir()) == [] and (outside / "kept").read_text() == "x"
