"""`xinfang case`: an agency without a system of its own updates its cases from the command
line, through the gateway's agency API (the same key, checks and answers)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any, Final, NoReturn

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from services.gateway.casework_api import AGENCY_KEY_HEADER
from services.gateway.models import AgencyAction

#: What a case number may be here: one path segment of the agency API's URL.
CASE_NUMBER: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
err = Console(stderr=True)
out = Console()
case_app = typer.Typer(help="An agency's cases, through the gateway's agency API.")

Gateway = Annotated[
    str,
    typer.Option("--gateway", envvar="XINFANG_GATEWAY_URL", help="the gateway's base URL"),
]
AgencyKey = Annotated[
    str,
    typer.Option(
        "--key",
        envvar="XINFANG_AGENCY_KEY",
        help="the agency's key (give it in XINFANG_AGENCY_KEY: a command line is visible "
        "to every user of the machine)",
        show_default=False,
    ),
]
Agency = Annotated[str, typer.Option("--agency", help="the agency code the key belongs to")]


def _answer(response: httpx.Response) -> None:
    """Print the gateway's answer; exit 2 for a refusal, 1 when nothing could be decided."""
    try:
        document: Any = response.json()
    except ValueError:
        document = {"detail": response.text}
    if response.status_code < 300:
        out.print_json(json.dumps(document, ensure_ascii=False))
        return
    reason = document.get("reason") or document.get("error") or response.status_code
    detail = escape(f"{reason}: {document.get('detail')}")
    err.print(f"[bold red]refused ({response.status_code}):[/] {detail}", soft_wrap=True)
    raise typer.Exit(1 if response.status_code >= 500 else 2)


def _bad_argument(name: str, why: str) -> NoReturn:
    """One line on stderr and exit 2, as for any other usage error: nothing was sent."""
    err.print(f"[bold red]error:[/] {escape(name)}: {escape(why)}", soft_wrap=True)
    raise typer.Exit(2)


def _checked(gateway: str, key: str, case_id: str, texts: dict[str, str | None]) -> str:
    """The gateway's base URL once the arguments are known to make a request at all: an
    HTTP(S) URL, a key that can travel in a header, a case number that stays one path
    segment, texts that are UTF-8. A bad one is a usage error, never a traceback."""
    try:
        url = httpx.URL(gateway)
    except httpx.InvalidURL as exc:
        _bad_argument("--gateway", f"{gateway!r} is not a URL: {exc}")
    if url.scheme not in ("http", "https") or not url.host:
        _bad_argument("--gateway", f"{gateway!r}: give an http:// or https:// URL")
    if not key.isascii() or not key.isprintable():
        _bad_argument("--key", "an agency key is printable ASCII (check XINFANG_AGENCY_KEY)")
    if not CASE_NUMBER.fullmatch(case_id):
        _bad_argument("CASE_ID", f"{case_id!r} is not a case number (e.g. XF-7K2M9Q4T8W1Z)")
    for name, text in texts.items():
        try:
            (text or "").encode("utf-8")
        except UnicodeEncodeError:
            _bad_argument(name, "not valid UTF-8 (check the terminal's encoding)")
    return gateway.rstrip("/")


def _call(method: str, url: str, key: str, body: dict[str, Any] | None = None) -> None:
    try:
        response = httpx.request(
            method, url, json=body, headers={AGENCY_KEY_HEADER: key}, timeout=30
        )
    except httpx.HTTPError as exc:
        err.print(
            f"[bold red]error:[/] the gateway at {escape(url)} did not answer: {escape(str(exc))}",
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    _answer(response)


@case_app.command("update")
def update(
    case_id: Annotated[str, typer.Argument(help="the case number, e.g. XF-7K2M9Q4T8W1Z")],
    agency: Agency,
    kind: Annotated[AgencyAction, typer.Option("--kind", help="what the agency did")],
    key: AgencyKey,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason",
            help="why (not_accepted, outside_competence, extended), or the opinion's text "
            "(replied, review_decided, re_review_decided)",
        ),
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=30, help="extended: the extra days")
    ] = None,
    occurred_at: Annotated[
        datetime | None,
        typer.Option(
            "--at",
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"],
            help="when it happened, with a zone (2026-12-04T09:30+08:00); default now",
        ),
    ] = None,
    update_id: Annotated[
        str | None, typer.Option("--update-id", help="the agency's own id (safe to repeat)")
    ] = None,
    to_agency: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="transferred, assigned: the agency code of the body that receives the case "
            "(Art. 22); it acts on the case from then on, this agency no longer",
        ),
    ] = None,
    gateway: Gateway = "http://127.0.0.1:8080",
) -> None:
    """Report what the agency did on a case: checked against the case's lifecycle, then
    published to cases.updates; a refusal names the lifecycle's reason (exit 2)."""
    base = _checked(
        gateway, key, case_id, {"--agency": agency, "--reason": reason, "--update-id": update_id,
                                "--to": to_agency},
    )  # fmt: skip
    body: dict[str, Any] = {"kind": kind.value, "agency_code": agency}
    fields = (
        ("reason", reason),
        ("extension_days", days),
        ("update_id", update_id),
        ("to_agency", to_agency),
    )
    for name, value in fields:
        if value is not None:
            body[name] = value
    if occurred_at is not None:
        body["occurred_at"] = occurred_at.isoformat()
    _call("POST", f"{base}/v1/agency/cases/{case_id}/updates", key, body)


@case_app.command("show")
def show(
    case_id: Annotated[str, typer.Argument(help="the case number")],
    key: AgencyKey,
    gateway: Gateway = "http://127.0.0.1:8080",
) -> None:
    """A case routed or escalated to the agency: status, next deadline, updates."""
    _call("GET", f"{_checked(gateway, key, case_id, {})}/v1/agency/cases/{case_id}", key)


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
