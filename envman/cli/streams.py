"""The run's stdout and stderr: secrets masked, and writable whatever becomes of them."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from envman.errors import OutputError
from envman.redaction import SECRETS


class Guarded(io.TextIOBase):
    """stdout or stderr with every registered secret masked: the last line of defence; and
    writable whatever becomes of it.

    A stream whose encoding cannot hold a character (a non-UTF-8 locale,
    PYTHONIOENCODING=ascii) gets "?" for it. When the reader goes away (`envman drift |
    head`), the rest of the output goes nowhere and the run still ends with its verdict.
    Any other failure to write (a full disk) is an OutputError (exit 3).
    """

    def __init__(self, stream: TextIO, name: str) -> None:
        self._stream = stream
        self._name = name
        self._gone = False

    def write(self, text: str) -> int:
        if not self._gone:
            masked = SECRETS.text(text)
            with self._failures():
                try:
                    self._stream.write(masked)
                except UnicodeEncodeError:  # nothing was written: the text is encoded first
                    encoding = self.encoding
                    self._stream.write(masked.encode(encoding, "replace").decode(encoding))
        return len(text)

    def flush(self) -> None:
        if not self._gone:
            with self._failures():
                self._stream.flush()

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except BrokenPipeError:
            self._nowhere()
        except OSError as e:
            self._nowhere()
            raise OutputError(f"cannot write to {self._name}: {e.strerror or e}") from None

    def _nowhere(self) -> None:
        """Write nothing more; and, for the process's own stdout or stderr, point its
        descriptor at /dev/null, so that the interpreter's last flush of what the stream
        still holds succeeds without a word. A stream a caller put in place (a library
        user's, a test's) keeps its descriptor."""
        self._gone = True
        if self._stream not in (sys.__stdout__, sys.__stderr__):
            return
        with contextlib.suppress(OSError, ValueError):  # a stream without a descriptor
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, self._stream.fileno())
            finally:
                os.close(null)

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self._stream, "errors", None)
