"""`xinfang case`: an agency without a system of its own updates its cases from the command
line, through the gateway's agency API (the same key, checks and answers)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from services.gateway.casework_api import AGENCY_KEY_HEADER
from services.gateway.models import AgencyAction

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
    err.print(f"[bold red]refused ({response.status_code}):[/] {reason}: {document.get('detail')}")
    raise typer.Exit(1 if response.status_code >= 500 else 2)


def _call(method: str, url: str, key: str, body: dict[str, Any] | None = None) -> None:
    try:
        response = httpx.request(
            method, url, json=body, headers={AGENCY_KEY_HEADER: key}, timeout=30
        )
    except httpx.HTTPError as exc:
        err.print(f"[bold red]error:[/] the gateway at {url} did not answer: {exc}")
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
    _call("POST", f"{gateway.rstrip('/')}/v1/agency/cases/{case_id}/updates", key, body)


@case_app.command("show")
def show(
    case_id: Annotated[str, typer.Argument(help="the case number")],
    key: AgencyKey,
    gateway: Gateway = "http://127.0.0.1:8080",
) -> None:
    """A case routed or escalated to the agency: status, next deadline, updates."""
    _call("GET", f"{gateway.rstrip('/')}/v1/agency/cases/{case_id}", key)


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
