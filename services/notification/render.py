"""Rendering notices from the Jinja2 templates in ``templates/<language>/``.

Each notice kind has one template per language, ``<kind>.j2``, with three blocks:
``subject``, ``body`` (plain text: e-mail, letter, webhook) and ``sms`` (one short
paragraph). The HTML part of an e-mail is the body placed in ``_email.html.j2``, which is
autoescaped; a printed letter is the body placed in ``_letter.txt.j2``. Undefined variables
are errors (StrictUndefined), so a template and its context cannot drift apart silently.

Clear personal data reaches a template only through a ``PetitionerContact``: the context
builders below take the contact object and never read a name from a case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Final

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from schemas.cases import AgencyCase, CaseEscalated, PetitionerContact
from schemas.ledger import HotspotDetected
from schemas.notices import NoticeKind
from schemas.petitions import Language
from services.common.casework.workdays import CHINA_TZ

TEMPLATE_DIR: Final = Path(__file__).with_name("templates")
_BLOCKS: Final = ("subject", "body", "sms")
_MONTHS: Final = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


class TemplateConfigError(RuntimeError):
    """A template is missing or does not compile; raised at start-up by ``check``."""


def china_date(moment: datetime | date) -> date:
    """The calendar date of ``moment`` in China; a deadline's last day."""
    # Dates on notices are China Standard Time dates (no daylight saving time), the
    # casework's (CHINA_TZ), in which its limits end.
    return moment.astimezone(CHINA_TZ).date() if isinstance(moment, datetime) else moment


def _zh_date(moment: datetime | date) -> str:
    day = china_date(moment)
    return f"{day.year}年{day.month}月{day.day}日"


def _en_date(moment: datetime | date) -> str:
    day = china_date(moment)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _html_lines(text: str) -> Markup:
    """``text`` escaped for HTML, its line breaks as ``<br>``: what ``text | replace("\n",
    "<br>" | safe)`` gives under autoescape (escaping leaves a line break as it is), in
    one escape instead of that filter's five (a third of an e-mail's HTML part)."""
    return Markup(str.replace(escape(text), "\n", "<br>"))


class Rendered:
    """A rendered notice: subject, plain text, HTML (e-mail only) and the SMS text.

    The HTML part and the SMS text are rendered when first read: a notice goes by one
    channel, and rendering the parts no channel reads was most of a receipt's cost.
    """

    def __init__(
        self, subject: str, body_text: str, html: Callable[[], str], sms: Callable[[], str]
    ) -> None:
        self.subject = subject
        self.body_text = body_text
        self._html = html
        self._sms = sms

    @cached_property
    def body_html(self) -> str:
        return self._html()

    @cached_property
    def sms_text(self) -> str:
        return self._sms()


@dataclass(frozen=True)
class PetitionerFacts:
    """Everything a petitioner's notice says about the case; no personal data.

    Dates are the event's time, never the time of rendering. ``reason`` is the agency's
    stated reason (non-acceptance, extension, the opinion's summary, termination). The
    receipt says whether the petition joined an open case (``open_case_id``, Art. 19) or
    raises a matter terminated after its re-review (``terminated_matter``, Art. 36).
    """

    case_id: str
    query_code: str
    query_url: str
    received_at: datetime
    issuer: str
    occurred_at: datetime | None = None
    agency_name: str | None = None
    reason: str | None = None
    extension_days: int | None = None
    handling_due: date | None = None
    review_deadline: date | None = None
    rating_deadline: date | None = None
    open_case_id: str | None = None
    #: A repeat of a matter terminated after its re-review: not accepted again (Art. 36).
    terminated_matter: bool = False


class Renderer:
    """Loads and renders the notice templates. Construct once; ``check`` at start-up."""

    def __init__(self, directory: Path = TEMPLATE_DIR) -> None:
        self._env = Environment(
            loader=FileSystemLoader(directory),
            undefined=StrictUndefined,
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            # The templates are checked at start-up (``check``) and read once: a file
            # changed under a running service would be used unchecked, and looking for a
            # change cost a stat() per notice.
            auto_reload=False,
        )
        self._env.filters["zh_date"] = _zh_date
        self._env.filters["en_date"] = _en_date
        self._env.filters["html_lines"] = _html_lines

    def has_template(self, name: str) -> bool:
        """Whether ``name`` exists in every language (the policy's meaning check)."""
        return all(f"{lang.value}/{name}.j2" in self._env.list_templates() for lang in Language)

    def check(self) -> None:
        """Compile every template; every notice kind must exist in every language."""
        problems = [
            f"missing template {lang.value}/{kind.value}.j2"
            for kind in NoticeKind
            for lang in Language
            if not self.has_template(kind.value)
        ]
        for name in self._env.list_templates(extensions=["j2"]):
            try:
                template = self._env.get_template(name)
            except TemplateError as exc:
                problems.append(f"{name}: {exc}")
                continue
            if not name.split("/")[-1].startswith("_"):
                missing = [block for block in _BLOCKS if block not in template.blocks]
                if missing:
                    problems.append(f"{name}: missing blocks {', '.join(missing)}")
        if problems:
            raise TemplateConfigError("notice templates:\n  " + "\n  ".join(problems))
        for name in self._env.list_templates(extensions=["j2"]):
            # Each template's globals as one plain dict (the environment's never change
            # after start-up): Jinja keeps them as a ChainMap over the environment's, and
            # every {% from ... import %} of a block compares key sets with it, some 20 µs
            # each time, a fifth of a receipt. The environment keeps these templates.
            template = self._env.get_template(name)
            template.globals = dict(template.globals)

    @staticmethod
    def _block(template: Template, block: str, context: Context) -> str:
        render = template.blocks[block]
        return "".join(render(context)).strip()

    def render(self, name: str, language: Language, values: Mapping[str, Any]) -> Rendered:
        """Render template ``name`` in ``language``; raises jinja2 errors on a bad context."""
        template = self._env.get_template(f"{language.value}/{name}.j2")
        # One context for every block, as Jinja's own render of the whole template: a
        # block reads it and never writes to it (its assignments and imports are its own).
        context = template.new_context(dict(values))
        subject = " ".join(self._block(template, "subject", context).split())
        body = self._block(template, "body", context)

        def html() -> str:
            return self._env.get_template(f"{language.value}/_email.html.j2").render(
                subject=subject, paragraphs=[p for p in body.split("\n\n") if p.strip()]
            )

        def sms() -> str:
            return " ".join(self._block(template, "sms", context).split())

        return Rendered(subject, body, html, sms)

    def render_for_petitioner(
        self, name: str, contact: PetitionerContact, facts: PetitionerFacts
    ) -> Rendered:
        """A petitioner's notice in their language; the name comes only from ``contact``."""
        # The facts' own values (str, int, dates): asdict's deep copy of each is not needed.
        context = {f.name: getattr(facts, f.name) for f in fields(facts)}
        context["name"] = contact.name
        return self.render(name, contact.language, context)

    def letter(
        self, rendered: Rendered, contact: PetitionerContact, issuer: str, dated: datetime
    ) -> str:
        """A printable letter: address block, date, subject, body and signature."""
        if not contact.address:
            raise ValueError("a letter needs the petitioner's postal address")
        template = self._env.get_template(f"{contact.language.value}/_letter.txt.j2")
        return template.render(
            name=contact.name,
            address=contact.address,
            dated=dated,
            subject=rendered.subject,
            body=rendered.body_text,
            issuer=issuer,
        )

    def render_for_agency(self, case: AgencyCase, agency_name: str, language: Language) -> Rendered:
        """The assignment notice for an agency's own system (its inbox gets the AgencyCase)."""
        return self.render(
            NoticeKind.CASE_ASSIGNED.value,
            language,
            {"case": case.model_dump(), "agency_name": agency_name},
        )

    def render_digest(
        self,
        name: str,
        receiver: str,
        alerts: Sequence[CaseEscalated],
        hotspots: Sequence[HotspotDetected],
        language: Language,
    ) -> Rendered:
        """A digest: every escalation of one group, oldest first, or every new hotspot of
        one group, hottest first."""
        ordered = sorted(alerts, key=lambda alert: (alert.escalated_at, alert.escalation_id))
        hottest = sorted(hotspots, key=lambda hotspot: (-hotspot.heat, hotspot.hotspot_id))
        return self.render(
            name,
            language,
            {
                "receiver": receiver,
                "alerts": [alert.model_dump() for alert in ordered],
                "hotspots": [hotspot.model_dump() for hotspot in hottest],
            },
        )
