"""`xinfang case update|show` with bad arguments: one line on stderr naming the argument,
exit 2, no traceback, and no request made (the gateway URL given answers nothing: a
request would exit 1 with "did not answer")."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from services.cli.main import app

runner = CliRunner()
#: Nothing listens here: an argument that passes the checks ends in "did not answer", exit 1.
NOWHERE = "http://127.0.0.1:9"
KEY = "housing-bureau-key-of-16+"


def _update(*arguments: str, key: str = KEY, gateway: str = NOWHERE) -> list[str]:
    return ["case", "update", *arguments, "--agency", "610302-housing", "--key", key,
            "--gateway", gateway]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (_update("XF-7K2M9Q4T8W1Z", "--kind", "accepted", gateway="notaurl"),
         "error: --gateway: 'notaurl': give an http:// or https:// URL"),
        (_update("XF-7K2M9Q4T8W1Z", "--kind", "accepted", gateway="http://[::1"),
         "error: --gateway: 'http://[::1' is not a URL: Invalid port: ':1'"),
        (_update("XF-7K2M9Q4T8W1Z", "--kind", "accepted", gateway="ftp://gateway"),
         "error: --gateway: 'ftp://gateway': give an http:// or https:// URL"),
        (_update("XF-7K2M9Q4T8W1Z", "--kind", "accepted", key="住房局的钥匙"),
         "error: --key: an agency key is printable ASCII (check XINFANG_AGENCY_KEY)"),
        (_update("XF-7K2M9Q4T8W1Z", "--kind", "accepted", key="a\nb"),
         "error: --key: an agency key is printable ASCII (check XINFANG_AGENCY_KEY)"),
        (_update("XF-7K2M9Q4T8W1Z/../../health", "--kind", "accepted"),
         "error: CASE_ID: 'XF-7K2M9Q4T8W1Z/../../health' is not a case number "
         "(e.g. XF-7K2M9Q4T8W1Z)"),
        (_update("XF 7K2M?x#y", "--kind", "accepted"),
         "error: CASE_ID: 'XF 7K2M?x#y' is not a case number (e.g. XF-7K2M9Q4T8W1Z)"),
        # A reason the terminal passed as bytes that are not UTF-8 (surrogate escapes).
        (_update("XF-7K2M9Q4T8W1Z", "--kind", "replied", "--reason", "\udcff\udcfe"),
         "error: --reason: not valid UTF-8 (check the terminal's encoding)"),
        (["case", "show", "../metrics", "--key", KEY, "--gateway", NOWHERE],
         "error: CASE_ID: '../metrics' is not a case number (e.g. XF-7K2M9Q4T8W1Z)"),
    ],
)  # fmt: skip
def test_a_bad_argument_is_one_line_and_exit_2(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.splitlines() == [message]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "arguments",
    [
        _update("XF-7K2M9Q4T8W1Z", "--kind", "bogus"),
        _update("XF-7K2M9Q4T8W1Z", "--kind", "extended", "--days", "31"),
        _update("XF-7K2M9Q4T8W1Z", "--kind", "accepted", "--at", "2026-12-04T09:30"),
    ],
)
def test_values_typer_checks_are_usage_errors_too(arguments: list[str]) -> None:
    result = runner.invoke(app, arguments)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "Invalid value for" in result.stderr


def test_good_arguments_reach_for_the_gateway() -> None:
    result = runner.invoke(app, _update("XF-7K2M9Q4T8W1Z", "--kind", "accepted"))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: the gateway at {NOWHERE}/v1/agency/cases/")
    assert len(result.stderr.splitlines()) == 1
