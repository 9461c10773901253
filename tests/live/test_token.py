"""The API token is checked before use: a clear error naming the variable, never the value.

Measured before: a `CLOUDFLARE_API_TOKEN` ending in `\\r` or `\\n` was printed in full
through the HTTP library's "Illegal header value" error, in every report format, the step
summary and the `--notify` payload; a token with a non-ASCII character was exit 4.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envman.cli import main
from envman.errors import UsageError
from envman.settings import load_settings
from tests.fakecf import FakeCloudflare

CORE = "Zq3-secret-token-Kx9"

BAD = {
    "trailing-cr": CORE + "\r",
    "trailing-lf": CORE + "\n",
    "crlf": CORE + "\r\n",
    "leading-space": " " + CORE,
    "inner-space": CORE[:5] + " " + CORE[5:],
    "non-ascii": CORE + "é",
    "control": CORE[:5] + "\x07" + CORE[5:],
    "tab": CORE + "\t",
}


@pytest.mark.parametrize("token", BAD.values(), ids=BAD.keys())
def test_a_malformed_token_is_refused_by_name(token: str) -> None:
    with pytest.raises(UsageError) as caught:
        load_settings({"CLOUDFLARE_API_TOKEN": token})
    assert "CLOUDFLARE_API_TOKEN" in caught.value.message
    assert CORE[:8] not in caught.value.message and CORE[-8:] not in caught.value.message


@pytest.mark.parametrize(
    "command", [["drift"], ["check", "production"], ["snapshot", "-o", "x.json"]]
)
@pytest.mark.parametrize("token", BAD.values(), ids=BAD.keys())
def test_live_commands_stop_before_any_request(
    project: Path,
    fake_cloudflare: FakeCloudflare,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    token: str,
) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", token)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", fake_cloudflare.account_id)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", fake_cloudflare.base_url)
    monkeypatch.chdir(project)
    code = main([*command])
    out, err = capsys.readouterr()
    assert code == 2
    assert "CLOUDFLARE_API_TOKEN" in err
    assert CORE[:8] not in out + err and CORE[-8:] not in out + err
    assert fake_cloudflare.requests == []


def test_a_good_token_passes() -> None:
    settings = load_settings({"CLOUDFLARE_API_TOKEN": CORE})
    assert settings.cloudflare_api_token is not None
    assert settings.cloudflare_api_token.get_secret_value() == CORE
