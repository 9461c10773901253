"""envman's own settings (token, account, base URL, concurrency, rate limit, audit key)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from envman.errors import UsageError
from envman.redaction import SECRETS

_SECRET_VARIABLES = ("CLOUDFLARE_API_TOKEN", "ENVMAN_AUDIT_KEY", "CLOUDFLARE_API_KEY")
"""Variables whose values are masked in every output (redaction.SECRETS)."""

# The environment `load_settings` reads: a ContextVar, because pydantic-settings builds its
# sources in a classmethod that cannot receive arguments from the caller.
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("envman_settings_environ", default=None)


class Settings(BaseSettings):
    """envman's settings: explicit overrides (CLI flags) > environment variables > defaults.

    The Cloudflare ones use Cloudflare's own variable names; the rest `ENVMAN_*`.
    `CLOUDFLARE_EMAIL` / `CLOUDFLARE_API_KEY` (global API key auth) are deliberately not
    read: envman only ever authenticates with a scoped API token.
    """

    model_config = SettingsConfigDict(
        env_prefix="ENVMAN_",
        frozen=True,
        extra="forbid",
        env_file=None,
        hide_input_in_errors=True,
        defer_build=True,
    )

    cloudflare_api_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CLOUDFLARE_API_TOKEN", "cloudflare_api_token")
    )
    cloudflare_account_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CLOUDFLARE_ACCOUNT_ID", "cloudflare_account_id"),
    )
    cloudflare_base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("CLOUDFLARE_BASE_URL", "cloudflare_base_url")
    )
    concurrency: int = Field(default=16, ge=1, le=256, description="Requests in flight at most.")
    rate_limit_requests: int = Field(default=1200, ge=1, description="Requests per period.")
    rate_limit_period: float = Field(default=300.0, gt=0, description="Rate-limit window, s.")
    timeout: float = Field(default=120.0, gt=0, description="Whole live read, seconds.")
    request_timeout: float = Field(default=30.0, gt=0, description="One HTTP request, seconds.")
    max_retries: int = Field(default=4, ge=0, le=20, description="Retries of 5xx and timeouts.")
    audit_key: SecretStr | None = Field(default=None, description="HMAC key for the audit log.")

    @field_validator("cloudflare_api_token")
    @classmethod
    def _token_is_one_word(cls, value: SecretStr | None) -> SecretStr | None:
        """A token goes into an HTTP header: refuse what would break it, never echoing it."""
        problem = token_problem(value.get_secret_value()) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("cloudflare_base_url")
    @classmethod
    def _base_url_is_http(cls, value: str | None) -> str | None:
        """An http(s) URL with a host (a fake API, a proxying gateway); empty is the default.

        Checked here, where a bad one is a usage error naming the variable; httpx would
        refuse some only at the first request, and read others as a relative path."""
        if not value:
            return None
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            raise ValueError("not a URL") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected an http(s) URL, e.g. https://api.cloudflare.com/client/v4")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        environ = _ENVIRON.get()
        env = env_settings if environ is None else _MappingEnvSource(settings_cls, environ)
        return init_settings, env, dotenv_settings


class _MappingEnvSource(EnvSettingsSource):
    """The environment-variable source, reading a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        if self.case_sensitive:
            return dict(self._environ)
        return {key.lower(): value for key, value in self._environ.items()}


@contextmanager
def _reading(environ: Mapping[str, str]) -> Iterator[None]:
    token = _ENVIRON.set(environ)
    try:
        yield
    finally:
        _ENVIRON.reset(token)


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    env_file: Path | None = None,
    **overrides: Any,
) -> Settings:
    """envman's settings from `environ` (default: os.environ), with `overrides` winning.

    Overrides are field names (`concurrency=4`, `cloudflare_api_token="…"`); a `None`
    override means "flag not given" and is dropped. A `.env` file is read only when
    `env_file` is passed, and ranks below the environment.
    """
    given = {name: value for name, value in overrides.items() if value is not None}
    unknown = sorted(set(given) - set(Settings.model_fields))
    if unknown:
        raise UsageError(f"unknown setting(s): {', '.join(unknown)}")
    environ = os.environ if environ is None else environ
    # Registered before validation: even a token refused here never reaches any output.
    SECRETS.add_all(environ.get(name) for name in _SECRET_VARIABLES)
    SECRETS.add_all(given.get(name) for name in ("cloudflare_api_token", "audit_key"))
    try:
        with _reading(environ):
            return Settings(_env_file=env_file, **given)
    except ValidationError as e:
        problems = "; ".join(
            f"{_variable(str(error['loc'][0]) if error['loc'] else '?')} ({error['msg']})"
            for error in e.errors()
        )
        raise UsageError(
            f"invalid envman settings: {problems}",
            hint="check the CLOUDFLARE_* / ENVMAN_* variables and the command-line flags",
        ) from e


def token_problem(token: str) -> str | None:
    """What is wrong with an API token's characters, without quoting any of them; None if fine.

    Cloudflare tokens are printable ASCII. A trailing newline (from `echo` or a file)
    made the HTTP library print the whole token in its "Illegal header value" error.
    """
    if token and token != token.strip():
        return (
            "has leading or trailing whitespace (a newline or carriage return from `echo`, "
            "a file or a Windows editor?); strip it"
        )
    if any(c.isspace() for c in token):
        return "contains whitespace; an API token is one word"
    if any(not c.isascii() for c in token):
        return "contains a non-ASCII character; API tokens are ASCII letters, digits, - and _"
    if any(not c.isprintable() for c in token):
        return "contains a control character"
    return None


def _variable(name: str) -> str:
    """The environment variable that sets field (or alias) `name`, for error messages."""
    if name.isupper():
        return name
    if name.startswith("cloudflare_"):
        return name.upper()
    return f"ENVMAN_{name.upper()}"
