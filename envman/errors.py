"""The one exception tree of envman, and the one exit-code table."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; documented in docs/reference/exit-codes.md."""

    OK = 0
    FINDINGS = 1
    USAGE = 2
    UNREADABLE = 3
    INTERNAL = 4
    INTERRUPTED = 130


class EnvmanError(Exception):
    """Base of every error envman raises on purpose; carries its exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(EnvmanError):
    """The command line asked for something that does not exist or cannot be combined."""

    exit_code = ExitCode.USAGE


class InputError(EnvmanError):
    """A file envman must read is missing, unreadable, malformed or of the wrong shape."""

    exit_code = ExitCode.UNREADABLE

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        location = _location(file, line, column)
        super().__init__(f"{location}: {message}" if location else message, hint=hint)
        self.file = file
        self.line = line
        self.column = column
        self.reason = message


class OutputError(EnvmanError):
    """A file envman was asked to write (a report, a snapshot), or stdout itself, could not be
    written (a full disk; a reader that went away is not an error: the run keeps its verdict)."""

    exit_code = ExitCode.UNREADABLE


class LiveStateError(EnvmanError):
    """Live state could not be read from Cloudflare (auth, network, rate limit, bad body)."""

    exit_code = ExitCode.UNREADABLE


class LockedError(EnvmanError):
    """Another envman process holds the project lock."""

    exit_code = ExitCode.UNREADABLE


class PromotionError(EnvmanError):
    """A promotion or rollback was refused by a guardrail or is stale."""

    exit_code = ExitCode.FINDINGS


class NotifyError(EnvmanError):
    """A drift notification could not be delivered to its webhook."""

    exit_code = ExitCode.UNREADABLE


class AuditError(EnvmanError):
    """The audit log could not be written or read."""

    exit_code = ExitCode.UNREADABLE


class UnsafePathError(EnvmanError):
    """A path envman was about to write is not one it owns (outside the project, in .git/, …)."""

    exit_code = ExitCode.UNREADABLE


def _location(file: str | None, line: int | None, column: int | None) -> str:
    if file is None:
        return ""
    if line is None:
        return file
    if column is None:
        return f"{file}:{line}"
    return f"{file}:{line}:{column}"
