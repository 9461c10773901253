"""The last line of defence: registered secrets never leave, on any output channel.

The token check (tests/live/test_token.py) is the first line. Here it is switched off,
so that the token reaches the HTTP library and comes back quoted in its "Illegal header
value" error, as it did before: every report format, every `--output` file, the GitHub
step summary, the `--notify` payload and stderr must still show `<redacted>`. Sensitive
var values get the same treatment, and `snapshot` writes them as `<redacted>`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from envman import api
from envman.cli import main
from envman.models import Finding, Report
from envman.redaction import REDACTED, SECRETS, Redactor
from envman.report import REPORTERS, render
from envman.report.notifications import message
from envman.terms import Severity
from tests.fakecf import FakeCloudflare
from tests.report.test_webhook import Hook

FORMATS = tuple(REPORTERS)
ENVS = ("development", "staging", "production")
DSN = "https://k3y-0f9e8d7c@o42.ingest.sentry.example/7"


@pytest.fixture
def deployed(project: Path, fake_cloudflare: FakeCloudflare) -> FakeCloudflare:
    for env in ENVS:
        config = api.declared(api.open_workspace(project), env).config.to_wrangler()
        names = config["secrets"]["required"]
        fake_cloudflare.seed_from_wrangler(
            fake_cloudflare.account_id, config, secrets={n: f"value-of-{n}" for n in names}
        )
    return fake_cloudflare


@pytest.fixture
def hook() -> Iterator[Hook]:
    made = Hook()
    yield made
    made.close()


def live(monkeypatch: pytest.MonkeyPatch, fake: FakeCloudflare, token: str) -> None:
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", token)
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", fake.account_id)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", fake.base_url)
    monkeypatch.setenv("ENVMAN_MAX_RETRIES", "0")


def everything(project: Path, out: str, hook: Hook) -> str:
    files = [p.read_text(encoding="utf-8") for p in project.glob("out.*")]
    return "\n".join([out, *files, *(json.dumps(b) for b in hook.bodies)])


def test_a_token_that_slips_past_the_check_never_leaves(
    project: Path,
    deployed: FakeCloudflare,
    hook: Hook,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("envman.settings.token_problem", lambda token: None)
    live(monkeypatch, deployed, "Tk-9f8e7d6c5b4a3-leaky\r")
    summary = project / "out.summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(project)
    outputs = [arg for fmt in FORMATS for arg in ("-f", fmt, "-o", f"out.{fmt}")]
    notify = ["--notify", hook.url, "--notify-allow-private", "--notify-on", "always"]
    assert main(["drift", *outputs, "-f", "json", *notify]) == 3
    assert main(["check", "production", "-f", "markdown"]) == 3
    out, err = capsys.readouterr()
    seen = everything(project, out + err, hook)
    assert "Illegal header value" in seen  # the leak is really there to catch
    assert "Tk-9f8e7d6c5b4a3-leaky" not in seen and "9f8e7d6c5b4a3" not in seen
    assert "Bearer \\<redacted\\>" in summary.read_text(encoding="utf-8")  # markdown-escaped
    assert len(list(project.glob("out.*"))) == len(FORMATS) + 1 and hook.bodies


def test_a_sensitive_value_is_masked_wherever_it_appears(
    project: Path,
    deployed: FakeCloudflare,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    staging = project / "environments" / "staging.toml"
    # The DSN is sensitive; pasted into a plain var as well, it is masked there too.
    staging.write_text(
        staging.read_text(encoding="utf-8").replace(
            "[vars]\n", f'[vars]\nSENTRY_DSN = "{DSN}"\nNOTES = "see {DSN}"\n'
        ),
        encoding="utf-8",
    )
    deployed.set_var(deployed.account_id, "dashboard-worker-staging", "SENTRY_DSN", DSN + "x")
    live(monkeypatch, deployed, deployed.token)
    monkeypatch.chdir(project)
    for args in (
        ["show", "staging", "-f", "json"],
        ["validate", "-f", "sarif"],
        ["drift", "staging"],
    ):
        main(args)
    assert main(["snapshot", "-o", "out.snapshot.json"]) == 0
    out, err = capsys.readouterr()
    seen = out + err + (project / "out.snapshot.json").read_text(encoding="utf-8")
    assert "k3y-0f9e8d7c" not in seen
    saved = json.loads((project / "out.snapshot.json").read_text(encoding="utf-8"))
    staging_vars = next(w for w in saved["workers"] if w["env"] == "staging")["config"]["vars"]
    assert staging_vars["SENTRY_DSN"] == REDACTED  # the docs promise names only


def test_offline_drift_compares_redacted_vars_by_presence(
    project: Path,
    deployed: FakeCloudflare,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for path, table in (
        ("environments/staging.toml", "[vars]\n"),
        ("wrangler.toml", "[env.staging.vars]\n"),
    ):
        file = project / path
        file.write_text(file.read_text().replace(table, f'{table}SENTRY_DSN = "{DSN}"\n', 1))
    deployed.set_var(deployed.account_id, "dashboard-worker-staging", "SENTRY_DSN", DSN)
    live(monkeypatch, deployed, deployed.token)
    monkeypatch.chdir(project)
    assert main(["snapshot", "-o", "live.json"]) == 0
    assert main(["drift", "--live-from", "live.json"]) == 0  # set on both sides: no drift
    staging = project / "environments" / "staging.toml"
    staging.write_text(staging.read_text().replace(f'SENTRY_DSN = "{DSN}"\n', ""))
    capsys.readouterr()
    main(["drift", "--live-from", "live.json", "-f", "json", "staging"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    dsn = [f for f in findings if f["path"] == "vars.SENTRY_DSN"]
    assert [(f["kind"], f["actual"]) for f in dsn] == [("unexpected", REDACTED)]


def leaky_report(secret: str) -> Report:
    finding = Finding(
        code="EM400",
        severity=Severity.ERROR,
        env="staging",
        path="vars.X_Y",
        message=f"value {secret} differs | `{secret}`",
        expected={"nested": [secret]},
        actual=secret,
        hint=f"hint {secret!r}",
    )
    return Report(
        command="drift", envs=("staging",), findings=(finding,), unknown={"prod": f"b'{secret}'"}
    )


@pytest.mark.parametrize("secret", ["tok_en*with_md-specials", "ünï-cødé-value", 'quo"te<&>\\back'])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_reporter_masks_registered_secrets(secret: str, fmt: str) -> None:
    SECRETS.clear()
    SECRETS.add(secret)
    try:
        text = render(leaky_report(secret), fmt)
        payload = json.dumps(message(leaky_report(secret), project="p"))
    finally:
        SECRETS.clear()
    for form in (secret, json.dumps(secret)[1:-1], secret[:8]):
        assert form not in text and form not in payload, (fmt, form)
    assert "redacted" in text


def test_the_redactor_masks_escaped_forms_and_ignores_short_values() -> None:
    redactor = Redactor()
    redactor.add("abc")  # too short to mask without garbling output
    redactor.add("Sëcret\r\n")
    assert redactor.text("abc") == "abc"
    data: Any = {"k": ["Sëcret", "x Sëcret\\r\\n y", "S\\u00ebcret", "b'S\\xc3\\xabcret'"]}
    assert "cret" not in json.dumps(redactor.data(data))


def test_an_internal_error_and_a_debug_traceback_are_masked(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "Tk-internal-9f8e7d6c5b4a3"
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", token)

    def crash(*args: object, **kwargs: object) -> None:
        from envman.settings import load_settings

        load_settings()
        raise RuntimeError(f"a bug that quotes {token}")

    monkeypatch.setattr("envman.usecases.validate.validate", crash)
    assert main(["-C", str(project), "validate"]) == 4
    err = capsys.readouterr().err
    assert "internal error" in err and token not in err and REDACTED in err
    with pytest.raises(RuntimeError) as caught:
        main(["-C", str(project), "--debug", "validate"])
    assert token not in str(caught.value)
