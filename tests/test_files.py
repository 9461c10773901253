"""envman.files against hostile paths: devices, FIFOs, loops, folders, /proc, huge files.

Each of these once hung envman or ended in a traceback (exit 4): the 4 MB cap trusted
`st_size` (0 for /dev/zero, which then filled 9.6 GB of memory), and opening a FIFO
blocks until a writer comes. Now only regular files are read, and the cap counts bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from envman.errors import ExitCode, InputError, OutputError
from envman.files import MAX_BYTES, present, project_lock, read_text, write_output

pytestmark = pytest.mark.usefixtures("deadline")  # opening a FIFO blocks: fail, not hang


def refused(path: Path, match: str) -> InputError:
    with pytest.raises(InputError, match=match) as caught:
        read_text(path, "env.toml")
    assert caught.value.exit_code == ExitCode.UNREADABLE
    assert caught.value.file == "env.toml"
    return caught.value


def test_a_symlink_to_dev_zero_is_refused_not_read(tmp_path: Path) -> None:
    (tmp_path / "env.toml").symlink_to("/dev/zero")
    refused(tmp_path / "env.toml", "not a regular file .it is a character device")


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "env.toml")
    refused(tmp_path / "env.toml", "not a regular file .it is a FIFO")


def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    refused(tmp_path / "a.toml", "cannot read: Too many levels of symbolic links")
    assert present(tmp_path / "a.toml")  # there is something there: never "no such file"


def test_a_folder_and_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "dir.toml").mkdir()
    refused(tmp_path / "dir.toml", "is a directory")
    (tmp_path / "gone.toml").symlink_to(tmp_path / "nowhere.toml")
    refused(tmp_path / "gone.toml", "is a broken symbolic link")
    assert not present(tmp_path / "nowhere.toml")


def test_the_cap_counts_bytes_read(tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_BYTES + 1))
    refused(big, "larger than 4 MB")
    big.write_bytes(b"a = 1\n" + b"#" * (MAX_BYTES - 6))
    assert read_text(big).startswith("a = 1")


def test_a_proc_file_is_read_by_its_bytes(tmp_path: Path) -> None:
    # st_size is 0 for /proc files: the content is what counts.
    assert "Name:" in read_text(Path("/proc/self/status"))


def test_output_into_a_folder_or_proc_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a directory") as caught:
        write_output(tmp_path, "x")
    assert caught.value.exit_code == ExitCode.UNREADABLE
    with pytest.raises(OutputError, match="cannot write /proc/"):
        write_output(Path("/proc/envman-report.json"), "x")
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(OutputError, match="FIFO"):
        write_output(tmp_path / "pipe", "x")
    write_output(tmp_path / "new" / "report.json", "ok\n")
    assert (tmp_path / "new" / "report.json").read_text() == "ok\n"


def test_a_lock_that_is_a_folder_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / ".envman" / "lock").mkdir(parents=True)
    with (
        pytest.raises(InputError, match="cannot open the project lock") as caught,
        project_lock(tmp_path, wait=0.1),
    ):
        pass
    assert caught.value.exit_code == ExitCode.UNREADABLE
    assert caught.value.file is not None and caught.value.file.endswith(".envman/lock")


def test_an_unsearchable_folder_is_an_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, where chmod 000 does not stop a read: simulate EACCES.
    real = os.lstat

    def denied(path: os.PathLike[str] | str, *args: object, **kwargs: object) -> os.stat_result:
        if "environments" in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "lstat", denied)
    with pytest.raises(InputError, match="Permission denied"):
        present(tmp_path / "environments" / "staging.toml")


def test_a_step_summary_that_is_not_a_file_is_an_error(tmp_path: Path) -> None:
    from envman.files import append_output

    with pytest.raises(OutputError, match=r"cannot append to .*: it is a directory"):
        append_output(tmp_path, "x")
    os.mkfifo(tmp_path / "summary")
    with pytest.raises(OutputError, match="FIFO"):
        append_output(tmp_path / "summary", "x")
    append_output(tmp_path / "summary.md", "a\n")
    append_output(tmp_path / "summary.md", "b\n")
    assert (tmp_path / "summary.md").read_text() == "a\nb\n"
