"""Tests of envman's own settings: sources, precedence, secrets kept secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from envman.errors import UsageError
from envman.settings import Settings, load_settings


def test_defaults_with_an_empty_environment() -> None:
    settings = load_settings({})
    assert settings.cloudflare_api_token is None
    assert settings.cloudflare_account_id is None
    assert settings.cloudflare_base_url is None
    assert settings.concurrency == 16
    assert settings.rate_limit_requests == 1200
    assert settings.rate_limit_period == 300.0
    assert settings.timeout == 120.0
    assert settings.request_timeout == 30.0
    assert settings.max_retries == 4
    assert settings.audit_key is None


def test_cloudflare_variables_use_their_own_names_the_rest_envman() -> None:
    settings = load_settings(
        {
            "CLOUDFLARE_API_TOKEN": "tok",
            "CLOUDFLARE_ACCOUNT_ID": "acc",
            "CLOUDFLARE_BASE_URL": "http://127.0.0.1:9/client/v4",
            "ENVMAN_CONCURRENCY": "3",
            "ENVMAN_RATE_LIMIT_REQUESTS": "10",
            "ENVMAN_RATE_LIMIT_PERIOD": "1.5",
            "ENVMAN_TIMEOUT": "9",
            "ENVMAN_REQUEST_TIMEOUT": "2",
            "ENVMAN_MAX_RETRIES": "0",
            "ENVMAN_AUDIT_KEY": "k",
        }
    )
    assert settings.cloudflare_api_token is not None
    assert settings.cloudflare_api_token.get_secret_value() == "tok"
    assert settings.cloudflare_account_id == "acc"
    assert settings.cloudflare_base_url == "http://127.0.0.1:9/client/v4"
    assert (settings.concurrency, settings.rate_limit_requests) == (3, 10)
    assert (settings.rate_limit_period, settings.timeout, settings.request_timeout) == (1.5, 9, 2)
    assert settings.max_retries == 0
    assert settings.audit_key is not None and settings.audit_key.get_secret_value() == "k"


def test_prefixed_or_unprefixed_lookalikes_are_not_read() -> None:
    settings = load_settings(
        {"ENVMAN_CLOUDFLARE_API_TOKEN": "x", "CONCURRENCY": "2", "ENVMAN_UNKNOWN": "1"}
    )
    assert settings.cloudflare_api_token is None
    assert settings.concurrency == 16


def test_overrides_beat_the_environment_and_none_means_not_given() -> None:
    environ = {"CLOUDFLARE_API_TOKEN": "from-env", "ENVMAN_CONCURRENCY": "3"}
    settings = load_settings(environ, cloudflare_api_token="from-flag", concurrency=None, timeout=5)
    assert settings.cloudflare_api_token is not None
    assert settings.cloudflare_api_token.get_secret_value() == "from-flag"
    assert settings.concurrency == 3
    assert settings.timeout == 5
    direct = Settings(cloudflare_account_id="by-name")  # what tests elsewhere may build
    assert direct.cloudflare_account_id == "by-name"


def test_reads_os_environ_when_no_mapping_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "from-os")
    monkeypatch.setenv("ENVMAN_MAX_RETRIES", "7")
    settings = load_settings()
    assert settings.cloudflare_account_id == "from-os"
    assert settings.max_retries == 7
    assert load_settings({}).cloudflare_account_id is None  # an explicit mapping is all there is


def test_global_api_key_variables_are_ignored() -> None:
    settings = load_settings(
        {"CLOUDFLARE_EMAIL": "me@example.com", "CLOUDFLARE_API_KEY": "global-key"}
    )
    dumped = repr(settings.model_dump())
    assert "global-key" not in dumped and "me@example.com" not in dumped
    assert settings.cloudflare_api_token is None
    assert not hasattr(settings, "cloudflare_api_key")


def test_secrets_are_hidden_in_repr_str_and_dump() -> None:
    settings = load_settings({"CLOUDFLARE_API_TOKEN": "s3cr3t-token", "ENVMAN_AUDIT_KEY": "hm4c"})
    for text in (repr(settings), str(settings), settings.model_dump_json()):
        assert "s3cr3t-token" not in text
        assert "hm4c" not in text
    assert "**********" in repr(settings)


def test_invalid_values_are_a_usage_error_naming_the_variable_not_the_value() -> None:
    with pytest.raises(UsageError, match="ENVMAN_CONCURRENCY") as caught:
        load_settings({"ENVMAN_CONCURRENCY": "lots"})
    assert "lots" not in str(caught.value)
    with pytest.raises(UsageError, match="ENVMAN_TIMEOUT"):
        load_settings({}, timeout=-1)
    with pytest.raises(UsageError, match="unknown setting"):
        load_settings({}, concurency=2)


def test_dotenv_is_read_only_when_passed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("CLOUDFLARE_ACCOUNT_ID=from-dotenv\nENVMAN_CONCURRENCY=2\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings({}).cloudflare_account_id is None
    settings = load_settings({"ENVMAN_CONCURRENCY": "5"}, env_file=dotenv)
    assert settings.cloudflare_account_id == "from-dotenv"
    assert settings.concurrency == 5  # the environment beats the file


def test_settings_are_frozen() -> None:
    settings = load_settings({})
    with pytest.raises(ValueError):
        settings.concurrency = 2  # type: ignore[misc]
    assert isinstance(settings, Settings)


@pytest.mark.parametrize(
    "url", ["http://[::1", "notaurl", "ftp://host/x", "http://host:port/", "https://", "//host/x"]
)
def test_a_base_url_that_is_no_http_url_is_a_usage_error_naming_the_variable(url: str) -> None:
    """Measured before: `http://[::1` ended the first request in exit 4 (httpx's
    InvalidURL); `notaurl` was read as a path and every environment was 'unknown'."""
    with pytest.raises(UsageError, match="CLOUDFLARE_BASE_URL") as caught:
        load_settings({"CLOUDFLARE_BASE_URL": url})
    said = caught.value.message.removesuffix(", e.g. https://api.cloudflare.com/client/v4)")
    assert url not in said  # the value is not repeated: it may hold credentials


@pytest.mark.parametrize(
    "url",
    ["https://api.cloudflare.com/client/v4", "http://127.0.0.1:9/client/v4", "http://[::1]:8/"],
)
def test_http_base_urls_are_kept_and_empty_is_the_default(url: str) -> None:
    assert load_settings({"CLOUDFLARE_BASE_URL": url}).cloudflare_base_url == url
    assert load_settings({"CLOUDFLARE_BASE_URL": ""}).cloudflare_base_url is None
