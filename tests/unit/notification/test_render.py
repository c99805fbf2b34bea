"""Every notice template renders in every language and says what the law requires."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import DictLoader, Environment, UndefinedError, select_autoescape

from schemas.cases import (
    AgencyCase,
    AgencyLevel,
    CaseEscalated,
    EscalationReason,
    MatterKind,
    PetitionerContact,
    Verdict,
)
from schemas.notices import NoticeKind
from schemas.petitions import Language
from services.notification.render import PetitionerFacts, Renderer, _html_lines

RECEIVED = datetime.fromisoformat("2026-11-20T10:00:00+08:00")
DECIDED = datetime.fromisoformat("2027-01-10T23:30:00+08:00")
PETITIONER_KINDS = [
    kind
    for kind in NoticeKind
    if kind not in (NoticeKind.CASE_ASSIGNED, NoticeKind.ESCALATION_ALERT, NoticeKind.HOTSPOT_ALERT)
]
REASON = "不属于本机关法定职权范围 <script>"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    renderer = Renderer()
    renderer.check()
    return renderer


def _contact(language: Language) -> PetitionerContact:
    return PetitionerContact(
        petitioner_ref="pr_0123456789abcdef",
        name="张三" if language is Language.ZH else "Zhang San",
        email="zhangsan@example.cn",
        address="陕西省宝鸡市渭滨区清姜路1号",
        language=language,
        updated_at=RECEIVED,
    )


def _facts() -> PetitionerFacts:
    return PetitionerFacts(
        case_id="XF-7K2M9Q4T8W1Z",
        query_code="7KQ4-M2ZX",
        query_url="https://xf.example.gov.cn/query",
        received_at=RECEIVED,
        issuer="宝鸡市信访局",
        occurred_at=DECIDED,
        agency_name="渭滨区住房和城乡建设局",
        reason=REASON,
        extension_days=30,
        handling_due=date(2027, 2, 24),
        review_deadline=date(2027, 2, 9),
        rating_deadline=date(2027, 1, 25),
        open_case_id=None,
    )


DEADLINE_TEXT = {
    (NoticeKind.ACCEPTANCE, Language.ZH): "2027年2月24日",
    (NoticeKind.ACCEPTANCE, Language.EN): "24 February 2027",
    (NoticeKind.EXTENSION, Language.ZH): "2027年2月24日",
    (NoticeKind.EXTENSION, Language.EN): "24 February 2027",
    (NoticeKind.REPLY, Language.ZH): "2027年2月9日",
    (NoticeKind.REPLY, Language.EN): "9 February 2027",
    (NoticeKind.REVIEW_DECISION, Language.ZH): "2027年2月9日",
    (NoticeKind.REVIEW_DECISION, Language.EN): "9 February 2027",
    (NoticeKind.RATING_REQUEST, Language.ZH): "2027年1月25日",
    (NoticeKind.RATING_REQUEST, Language.EN): "25 January 2027",
}
REASON_KINDS = {NoticeKind.NON_ACCEPTANCE, NoticeKind.EXTENSION, NoticeKind.REPLY}


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("kind", PETITIONER_KINDS)
def test_every_petitioner_notice_renders(
    renderer: Renderer, kind: NoticeKind, language: Language
) -> None:
    rendered = renderer.render_for_petitioner(kind.value, _contact(language), _facts())
    assert "XF-7K2M9Q4T8W1Z" in rendered.subject
    assert "XF-7K2M9Q4T8W1Z" in rendered.body_text
    assert "XF-7K2M9Q4T8W1Z" in rendered.sms_text
    assert _contact(language).name in rendered.body_text
    if kind is not NoticeKind.TERMINATION:
        assert "7KQ4-M2ZX" in rendered.body_text
    if kind in REASON_KINDS:
        assert REASON in rendered.body_text
    deadline = DEADLINE_TEXT.get((kind, language))
    if deadline:
        assert deadline in rendered.body_text
    assert "{{" not in rendered.body_text
    assert "\n\n\n" not in rendered.body_text


@pytest.mark.parametrize("language", list(Language))
def test_the_reply_gives_the_route_and_deadline_for_review(
    renderer: Renderer, language: Language
) -> None:
    text = renderer.render_for_petitioner("reply", _contact(language), _facts()).body_text
    assert ("30日" in text and "上一级行政机关" in text) or (
        "30 days" in text and "one level above" in text
    )


def test_html_is_escaped_and_text_is_not(renderer: Renderer) -> None:
    rendered = renderer.render_for_petitioner("non_acceptance", _contact(Language.ZH), _facts())
    assert "<script>" in rendered.body_text
    assert "<script>" not in rendered.body_html
    assert "&lt;script&gt;" in rendered.body_html


def test_a_repeat_receipt_names_the_open_case(renderer: Renderer) -> None:
    facts = _facts()
    repeat = PetitionerFacts(**{**facts.__dict__, "open_case_id": "XF-2B8D6F0H3J5L"})
    text = renderer.render_for_petitioner("receipt", _contact(Language.ZH), repeat).body_text
    assert "XF-2B8D6F0H3J5L" in text
    assert "第十九条" in text


@pytest.mark.parametrize("language", list(Language))
def test_the_receipt_of_a_repeat_of_a_terminated_matter_says_it_is_not_accepted_again(
    renderer: Renderer, language: Language
) -> None:
    facts = PetitionerFacts(**{**_facts().__dict__, "terminated_matter": True})
    rendered = renderer.render_for_petitioner("receipt", _contact(language), facts)
    said = {
        Language.ZH: ("第三十六条", "各级机关不再受理", "经复核"),
        Language.EN: ("Art. 36", "not accepted again by any body", "after its re-review"),
    }[language]
    for words in said:
        assert words in rendered.body_text
    # Not what a petition handled anew is told: the acceptance within 15 days (Art. 23),
    # and a handling to rate.
    for words in ("第二十三条", "15日", "作出评价", "Art. 23", "15 days", "rate"):
        assert words not in rendered.body_text
    assert "XF-7K2M9Q4T8W1Z" in rendered.subject
    assert ("不再受理" if language is Language.ZH else "not accepted again") in rendered.sms_text
    assert "7KQ4-M2ZX" in rendered.sms_text
    # Every channel's form: the e-mail's HTML part and the printed letter say it too.
    assert ("第三十六条" if language is Language.ZH else "Art. 36") in rendered.body_html
    letter = renderer.letter(rendered, _contact(language), "宝鸡市信访局", RECEIVED)
    assert rendered.body_text in letter


def test_a_missing_variable_is_an_error_not_a_blank(renderer: Renderer) -> None:
    with pytest.raises(UndefinedError):
        renderer.render("receipt", Language.ZH, {"case_id": "XF-1"})


@pytest.mark.parametrize("language", list(Language))
def test_a_letter_is_addressed_from_the_contact(renderer: Renderer, language: Language) -> None:
    contact = _contact(language)
    rendered = renderer.render_for_petitioner("acceptance", contact, _facts())
    letter = renderer.letter(rendered, contact, "宝鸡市信访局", DECIDED)
    assert contact.address is not None
    assert contact.address in letter
    assert contact.name in letter
    assert rendered.body_text in letter


@pytest.mark.parametrize("language", list(Language))
def test_the_agency_assignment_renders(renderer: Renderer, language: Language) -> None:
    case = AgencyCase(
        case_id="XF-7K2M9Q4T8W1Z",
        matter_id="MT-1",
        received_at=RECEIVED,
        region_code="610302",
        kind=MatterKind.ACCUSATION,
        field="housing.title_certificate",
        title="购房多年无法办理产权证",
        verdict=Verdict.REPEAT,
        repeat_count=2,
    )
    rendered = renderer.render_for_agency(case, "渭滨区住房和城乡建设局", language)
    assert "XF-7K2M9Q4T8W1Z" in rendered.subject
    assert "15" in rendered.body_text
    assert "检举人" in rendered.body_text or "accuser" in rendered.body_text


def _handling_overdue(i: int) -> CaseEscalated:
    """Case ``XF-000i`` escalated to the city for handling overdue."""
    return CaseEscalated(
        escalation_id=f"ESC-{i}",
        case_id=f"XF-{i:04d}",
        reason=EscalationReason.DEADLINE_BREACH,
        rule="handling_due",
        target_level=AgencyLevel.CITY,
        due_at=DECIDED,
        escalated_at=datetime(2027, 1, 1, tzinfo=UTC),
        region_code="610302",
        detail="超过60日未办结",
    )


@pytest.mark.parametrize("language", list(Language))
def test_the_escalation_digest_lists_every_case(renderer: Renderer, language: Language) -> None:
    alerts = [_handling_overdue(i) for i in range(3)]
    rendered = renderer.render_digest("escalation_alert", "city-supervision", alerts, (), language)
    assert "3" in rendered.subject
    for alert in alerts:
        assert alert.case_id in rendered.body_text


def _fresh_blocks(
    renderer: Renderer, name: str, language: Language, values: dict[str, object]
) -> list[str]:
    """Each block rendered in a context of its own, as ``Renderer.render`` did."""
    template = renderer._env.get_template(f"{language.value}/{name}.j2")
    return [
        "".join(template.blocks[block](template.new_context(dict(values)))).strip()
        for block in ("subject", "body", "sms")
    ]


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("kind", PETITIONER_KINDS)
def test_the_blocks_of_one_notice_read_one_context_as_each_its_own(
    renderer: Renderer, kind: NoticeKind, language: Language
) -> None:
    # ``Renderer.render`` makes one context for the subject, the body and the SMS text
    # (Jinja's own render of a whole template does): each part as with a fresh context.
    for open_case, terminated in ((None, False), ("XF-2B8D6F0H3J5L", False), (None, True)):
        facts = PetitionerFacts(
            **{**_facts().__dict__, "open_case_id": open_case, "terminated_matter": terminated}
        )
        rendered = renderer.render_for_petitioner(kind.value, _contact(language), facts)
        values: dict[str, object] = dict(facts.__dict__)
        values["name"] = _contact(language).name
        subject, body, sms = _fresh_blocks(renderer, kind.value, language, values)
        # The SMS text is rendered when read, after the subject and body used the context.
        assert rendered.sms_text == " ".join(sms.split())
        assert rendered.subject == " ".join(subject.split())
        assert rendered.body_text == body


@pytest.mark.parametrize("language", list(Language))
def test_the_digest_blocks_with_their_imports_read_one_context_as_each_its_own(
    renderer: Renderer, language: Language
) -> None:
    # The digest's body and SMS blocks each import the labels (``_labels.j2``).
    alert = _handling_overdue(1)
    rendered = renderer.render_digest("escalation_alert", "city-supervision", [alert], (), language)
    values: dict[str, object] = {
        "receiver": "city-supervision",
        "alerts": [alert.model_dump()],
        "hotspots": [],
    }
    subject, body, sms = _fresh_blocks(renderer, "escalation_alert", language, values)
    assert rendered.subject == " ".join(subject.split())
    assert rendered.body_text == body
    assert rendered.sms_text == " ".join(sms.split())


_LINES_ENV = Environment(
    loader=DictLoader(
        {
            # What the e-mail's HTML part wrote with Jinja's own filter, and writes now.
            "jinja.html": '<p>{{ text | replace("\\n", "<br>" | safe) }}</p>',
            "ours.html": "<p>{{ text | html_lines }}</p>",
        }
    ),
    autoescape=select_autoescape(enabled_extensions=("html",), default=False),
)
_LINES_ENV.filters["html_lines"] = _html_lines


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"<>&'\"\n\r\t ab张三", "<br>", "&amp;", "\n\n", "\u2028", "\x00"])
    ).map("".join)
    | st.text()
)
def test_html_lines_writes_what_jinjas_replace_filter_wrote(text: str) -> None:
    jinja = _LINES_ENV.get_template("jinja.html").render(text=text)
    assert _LINES_ENV.get_template("ours.html").render(text=text) == jinja


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("kind", PETITIONER_KINDS)
def test_the_html_part_is_the_one_the_replace_filter_wrote(
    renderer: Renderer, kind: NoticeKind, language: Language
) -> None:
    rendered = renderer.render_for_petitioner(kind.value, _contact(language), _facts())
    source = renderer._env.loader.get_source(renderer._env, f"{language.value}/_email.html.j2")[0]  # type: ignore[union-attr]
    # The shipped template with Jinja's own filter back (autoescaped: a template from a
    # string is, under ``select_autoescape``'s ``default_for_string``).
    before = renderer._env.from_string(
        source.replace(
            "{{ paragraph | html_lines }}", '{{ paragraph | replace("\\n", "<br>" | safe) }}'
        )
    )
    paragraphs = [p for p in rendered.body_text.split("\n\n") if p.strip()]
    assert rendered.body_html == before.render(subject=rendered.subject, paragraphs=paragraphs)
