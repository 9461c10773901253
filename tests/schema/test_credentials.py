"""Plain vars that hold credentials are caught (EM118/EM119), settled by the schema.

No example file could flag this before: a key pasted into `[vars]` passed validate,
and Cloudflare then shows it in clear in the dashboard.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envman.cli import main
from envman.schema.credentials import _could_match, detect
from tests.paths import SHARED

# Format-valid made-up values, one per kind of detector (none is a real credential).
POSITIVES = {
    "AWS Access Key": "AKIAZ4R7QW2ELJ5HXN3P",
    "Stripe Access Key": "sk_live_51Hq8ZrXvN2pLwT7bY1sKcJ9u",
    "GitHub Token": "ghp_Zq3Kx9Wm4Lp7Rt2Yv8Bn5Cd1Fg6Hj0Ks3Qa2",
    "GitLab Token": "glpat-Zq3Kx9Wm4Lp7Rt2Yv8Bn",
    "Slack Token": "xoxb-123456789012-1234567890123-Zq3Kx9Wm4Lp7Rt2Yv8Bn5Cd1",
    "Private Key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu8Zr4XvN2p\n-----END RSA PRIVATE KEY-----",
    "JSON Web Token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "Basic Auth Credentials": "https://admin:hunter2@db.example.com/x",
    "Twilio API Key": "SK8f3a9c1e7b2d4f6a8c0e1b3d5f7a9c2e",
    "Base64 High Entropy String": "q8Zr4XvN2pLwT7bY1sKcJ9uHdM3eFgAa",
    "Hex High Entropy String": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
}
NEGATIVES = [
    "info",
    "https://dashboard.example.com",
    "dashboard-exports-staging",
    "4e1c28a9-3d2b-4b8a-9c61-0a5b7e2f1d01",  # a UUID
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",  # a sequence
    "${API_KEY}",
    "Hello world, this is a sentence about keys.",
]


@pytest.mark.parametrize(("kind", "value"), POSITIVES.items(), ids=POSITIVES.keys())
def test_known_formats_and_high_entropy_are_detected(kind: str, value: str) -> None:
    assert _could_match(value)  # the gate that keeps detect-secrets unloaded lets it through
    assert detect("SOME_VAR", value) == kind


@pytest.mark.parametrize("value", NEGATIVES)
def test_ordinary_values_are_not(value: str) -> None:
    assert detect("SOME_VAR", value) is None


def test_an_id_is_not_a_credential() -> None:
    assert detect("GITHUB_CLIENT_ID", "d097a8f338db3c15fe08") is None
    assert detect("SOMETHING", "d097a8f338db3c15fe08") == "Hex High Entropy String"


def put_var(project: Path, env: str, line: str) -> int:
    path = project / "environments" / f"{env}.toml"
    text = path.read_text(encoding="utf-8").replace("[vars]\n", f"[vars]\n{line}\n", 1)
    path.write_text(text, encoding="utf-8")
    return text.splitlines().index(line) + 1


def schema_entry(project: Path, text: str) -> None:
    path = project / "schemas" / "vars.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def validate(
    project: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[dict[str, object]], str]:
    code = main(["-C", str(project), "validate", "-f", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out)["findings"], out + err


def test_a_key_in_vars_is_a_warning_and_an_error_in_production(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = POSITIVES["Stripe Access Key"]
    staging_line = put_var(project, "staging", f'PAYMENTS = "{key}"')
    production_line = put_var(project, "production", f'PAYMENTS = "{key}"')
    code, findings, output = validate(project, capsys)
    flagged = {
        (f["env"], f["code"], f["severity"]): f
        for f in findings
        if f["path"] == "vars.PAYMENTS" and f["code"] in {"EM118", "EM119"}
    }
    assert set(flagged) == {("staging", "EM118", "warning"), ("production", "EM119", "error")}
    assert flagged["staging", "EM118", "warning"]["source"] == {
        "file": "environments/staging.toml",
        "line": staging_line,
        "column": 1,
    }
    assert flagged["production", "EM119", "error"]["source"]["line"] == production_line
    assert "Stripe Access Key" in str(flagged["staging", "EM118", "warning"]["message"])
    assert code == 1 and key not in output and key[8:20] not in output
    for fmt in ("text", "sarif", "markdown", "github", "junit"):
        main(["-C", str(project), "validate", "-f", fmt])
        assert key[8:20] not in "".join(capsys.readouterr())


def test_the_schema_settles_a_var(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put_var(project, "staging", f'PUBLIC_HASH = "{POSITIVES["Hex High Entropy String"]}"')
    put_var(project, "staging", f'SIGNING = "{POSITIVES["Base64 High Entropy String"]}"')
    schema_entry(
        project,
        "[vars.PUBLIC_HASH]\nrequired = false\nnot_secret = true\n"
        'not_secret_reason = "the sha256 of the public bundle"\n\n'
        "[vars.SIGNING]\nrequired = false\nsensitive = true\n",
    )
    _, findings, _ = validate(project, capsys, "staging")
    codes = {
        (f["path"], f["code"], f["severity"])
        for f in findings
        if f["code"] in {"EM118", "EM119", "EM120"}
    }
    assert codes == {("vars.SIGNING", "EM120", "info")}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("not_secret = true\n", "not_secret needs a not_secret_reason"),
        (
            'not_secret = true\nnot_secret_reason = "x"\nsensitive = true\n',
            "both sensitive and not_secret",
        ),
    ],
)
def test_not_secret_needs_a_reason_and_excludes_sensitive(
    project: Path, capsys: pytest.CaptureFixture[str], entry: str, message: str
) -> None:
    schema_entry(project, f"[vars.PUBLIC_HASH]\nrequired = false\n{entry}")
    assert main(["-C", str(project), "validate"]) == 3
    assert message in capsys.readouterr().err


CORPUS = SHARED / "corpus" / "real-wrangler"


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")
def test_the_real_wrangler_corpus_has_no_false_positives() -> None:
    from envman.parse import parse_jsonc, parse_toml

    flagged, gated_out = [], []
    for path in sorted(CORPUS.glob("*/wrangler.*")):
        text = path.read_text(encoding="utf-8")
        parse = parse_jsonc if path.suffix in {".json", ".jsonc"} else parse_toml
        data = parse(text, path.name).data
        tables = [data.get("vars")] + [
            t.get("vars") for t in (data.get("env") or {}).values() if isinstance(t, dict)
        ]
        for table in tables:
            for name, value in (table or {}).items() if isinstance(table, dict) else ():
                if not isinstance(value, str):
                    continue
                if detect(name, value):
                    flagged.append((path.parent.name, name))
                if not _could_match(value):
                    gated_out.append(value)
    assert flagged == []  # measured: 0 of the corpus's vars (OAuth client ids are ids)
    assert gated_out  # most values never load the detector


def test_a_python_schema_can_accept_a_var_too(tmp_path: Path) -> None:
    from envman.errors import InputError
    from envman.schema import load_python_schema

    package = tmp_path / "creds_schema_pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from pydantic import BaseModel, Field\n\n\n"
        "class Vars(BaseModel):\n"
        '    HASH: str = Field(json_schema_extra={"not_secret": True, "not_secret_reason": "public"})\n\n\n'
        "class Bad(BaseModel):\n"
        '    HASH: str = Field(json_schema_extra={"not_secret": True})\n',
        encoding="utf-8",
    )
    schema = load_python_schema("python:creds_schema_pkg:Vars", tmp_path)
    assert schema.vars["HASH"].not_secret and schema.vars["HASH"].not_secret_reason == "public"
    with pytest.raises(InputError, match="not_secret needs a not_secret_reason"):
        load_python_schema("python:creds_schema_pkg:Bad", tmp_path)
