"""The petitioner's web page (``/query``): case number and query code in, the case's progress
as a timeline out, with forms to rate the opinion and to request a review.

Server-rendered HTML in Chinese and English (``lang``, else the browser's
Accept-Language), plain forms posted back to the gateway: no JavaScript, no build step,
no cookies. The case number and the query code travel in the forms' bodies, never in a
URL, so they stay out of histories, logs and Referer headers. The same desk as the JSON
API decides (rate-limited code checks, lifecycle-checked updates), and each outcome has
its HTTP status (404, 409, 429, ...) as well as its message on the page.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import parse_qsl

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from schemas.cases import CaseUpdate
from services.common.casework.refusals import Refusal
from services.common.casework.workdays import CHINA_TZ
from services.gateway.bodies import FORM, PayloadTooLargeError, read_limited, unsupported
from services.gateway.casework_api import client_address, rating_update, review_update
from services.gateway.desk import CaseDesk, Denial, Denied, Unavailable
from services.gateway.models import (
    MAX_COMMENT_CHARS,
    MAX_ECHO_CHARS,
    Body,
    CaseProgress,
    ProgressStep,
    RatingRequest,
    ReviewRequest,
    bounded,
)
from services.gateway.progress import case_progress
from services.gateway.status import CaseRecord

Lang = Literal["zh", "en"]
MAX_FORM_BYTES: Final = 8192
#: No script may run, nothing is loaded from elsewhere, forms post only here.
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The page shows an opinion's text: no shared cache keeps it.
    "Cache-Control": "no-store",
}

_STEPS_ZH: Final = {
    "received": "收到信访事项", "registered": "登记", "joined": "并入正在办理的同一事项",
    "not_accepted_again": "该事项经复核已办理终结，同一事实和理由不再受理（第三十六条）",
    "transferred": "转送", "assigned": "交办", "accepted": "受理", "not_accepted": "不予受理",
    "returned_for_transfer": "有权处理机关提出异议，退回重新转送", "extended": "延长办理期限",
    "replied": "出具处理意见", "rated": "评价", "review_requested": "申请复查",
    "review_decided": "复查意见", "re_review_requested": "申请复核", "hearing_started": "听证开始",
    "hearing_ended": "听证结束", "re_review_decided": "复核意见", "terminated": "终结",
    "closed": "办结", "supervised": "上级督办",
}  # fmt: skip
_STEPS_EN: Final = {
    "received": "Petition received", "registered": "Registered",
    "joined": "Joined to the open case on the same matter",
    "not_accepted_again": "Not accepted again: the matter was terminated after its re-review, "
                          "and no body accepts the same facts and reasons again (Art. 36)",
    "transferred": "Transferred",
    "assigned": "Assigned", "accepted": "Accepted", "not_accepted": "Not accepted",
    "returned_for_transfer": "Returned for transfer (outside the body's competence)",
    "extended": "Handling extended", "replied": "Written opinion given", "rated": "Rated",
    "review_requested": "Review requested", "review_decided": "Review opinion",
    "re_review_requested": "Re-review requested", "hearing_started": "Hearing started",
    "hearing_ended": "Hearing ended", "re_review_decided": "Re-review opinion",
    "terminated": "Terminated", "closed": "Closed", "supervised": "Supervised by a higher level",
}  # fmt: skip
_DEADLINES_ZH: Final = {
    "transfer": "转送、交办", "acceptance": "告知是否受理", "competence_objection": "提出管辖异议",
    "handling": "办结并出具处理意见", "review_decision": "出具复查意见",
    "re_review_decision": "出具复核意见",
}  # fmt: skip
_DEADLINES_EN: Final = {
    "transfer": "transfer or assignment", "acceptance": "notice of acceptance",
    "competence_objection": "objection to competence", "handling": "written opinion",
    "review_decision": "review opinion", "re_review_decision": "re-review opinion",
}  # fmt: skip
_RATINGS_ZH: Final = {
    "satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意",
    "overdue_not_rated": "逾期未评价", "awaiting": "待评价",
}  # fmt: skip
_RATINGS_EN: Final = {
    "satisfied": "Satisfied", "basically_satisfied": "Basically satisfied",
    "dissatisfied": "Dissatisfied", "overdue_not_rated": "Overdue, not rated",
    "awaiting": "Awaiting your rating",
}  # fmt: skip
_LEVELS_ZH: Final = {
    "township": "乡镇", "county": "县级", "city": "市级", "province": "省级", "national": "国家",
}  # fmt: skip

TEXTS: Final[dict[str, dict[str, Any]]] = {
    "zh": {
        "html_lang": "zh-CN", "other_lang": "en", "other_lang_name": "English",
        "title": "信访事项查询与评价",
        "intro": "请输入受理回执上的信访事项编号和查询码，查看办理进度、评价处理意见或申请复查。",
        "case_id": "信访事项编号", "query_code": "查询码", "look_up": "查询", "status": "当前状态",
        "responsible": "当前办理机关", "next_deadline": "下一法定期限", "progress": "办理进度",
        "reply": "处理意见", "rate": "评价处理意见", "rate_until": "请于以下时间前评价：",
        "comment": "意见（选填，最多500字）", "send_rating": "提交评价", "rating_status": "评价",
        "review_heading": {"review": "申请复查", "re_review": "申请复核"},
        "review_route": {"review": "对处理意见不服的，可以向上一级机关申请复查：",
                         "re_review": "对复查意见不服的，可以向再上一级机关申请复核："},
        "by": "期限至", "review_reason": "理由（选填，最多500字）", "send_review": "提交申请",
        "another": "查询其他事项",
        "statuses": {"submitted": "已提交", "rejected": "未能登记", **{
            "registered": "已登记", "transferred": "已转送", "accepted": "已受理",
            "not_accepted": "不予受理", "extended": "已延期", "replied": "已出具处理意见",
            "review_requested": "复查中", "review_decided": "已出具复查意见",
            "re_review_requested": "复核中", "re_review_decided": "已出具复核意见",
            "terminated": "已终结", "closed": "已办结"}},
        "steps": _STEPS_ZH, "deadlines": _DEADLINES_ZH, "ratings": _RATINGS_ZH,
        "not_found": "编号或查询码不正确。请核对受理回执。",
        "limited": "尝试次数过多，请稍后再试（约{minutes}分钟）。",
        "loading": "系统正在更新，请稍后再试。",
        "unavailable": "系统暂时无法提交，请稍后再试；本次未提交。",
        "invalid": "填写有误：{detail}",
        "rated": "评价已提交，谢谢。",
        "review_sent": {"review_requested": "申请已提交，上一级机关将在30日内出具复查意见。",
                        "re_review_requested": "申请已提交，再上一级机关将在30日内出具复核意见。"},
        "extended_by": "延长{days}日",
        "supervisions": {"deadline_breach": "超过法定期限", "backlog": "积案",
                         "dissatisfied_rating": "评价不满意"},
        "supervised": lambda level, why: f"{_LEVELS_ZH.get(level) or level}督办（{why}）",
        "refused": "无法提交：{detail}",
        "refusals": {
            "nothing_to_rate": "尚未出具处理意见，暂不能评价",
            "already_rated": "该处理意见已评价",
            "rating_window_closed": "已超过评价期限（逾期未评价）",
            "review_window_closed": "已超过申请复查的30日期限",
            "re_review_window_closed": "已超过申请复核的30日期限",
            "matter_terminated": "复核后已终结，同一事实和理由不再受理",
            "not_allowed_in_status": "当前办理阶段不能提交此申请",
            "linked_to_open_case": "本件已并入正在办理的同一事项，请查询该事项",
        },
        "level": lambda level: f"{_LEVELS_ZH.get(level) or level}信访工作机构",
    },
    "en": {
        "html_lang": "en", "other_lang": "zh", "other_lang_name": "中文",
        "title": "Follow and rate your petition",
        "intro": "Enter the case number and the query code of your receipt to see the progress "
                 "of your case, rate the opinion or request a review.",
        "case_id": "Case number", "query_code": "Query code", "look_up": "Look up",
        "status": "Status", "responsible": "Now with", "next_deadline": "Next legal deadline",
        "progress": "Progress", "reply": "Written opinion", "rate": "Rate the opinion",
        "rate_until": "Please rate by", "comment": "Comment (optional, at most 500 characters)",
        "send_rating": "Send rating", "rating_status": "Rating",
        "review_heading": {"review": "Request a review", "re_review": "Request a re-review"},
        "review_route": {
            "review": "If you do not accept the opinion you may request a review by",
            "re_review": "If you do not accept the review opinion you may request a "
                         "re-review by",
        },
        "by": "until", "review_reason": "Why (optional, at most 500 characters)",
        "send_review": "Send request", "another": "Look up another case",
        "statuses": {"submitted": "Submitted", "rejected": "Could not be registered", **{
            "registered": "Registered", "transferred": "Transferred", "accepted": "Accepted",
            "not_accepted": "Not accepted", "extended": "Extended",
            "replied": "Opinion given", "review_requested": "Under review",
            "review_decided": "Review opinion given", "re_review_requested": "Under re-review",
            "re_review_decided": "Re-review opinion given", "terminated": "Terminated",
            "closed": "Closed"}},
        "steps": _STEPS_EN, "deadlines": _DEADLINES_EN, "ratings": _RATINGS_EN,
        "not_found": "The case number or the query code is not right. Please check your "
                     "receipt.",
        "limited": "Too many attempts. Please try again later (in about {minutes} minutes).",
        "loading": "The system is updating. Please try again shortly.",
        "unavailable": "Nothing was sent: the system cannot take it now. Please try again.",
        "invalid": "Please check the form: {detail}",
        "rated": "Thank you: your rating has been sent.",
        "review_sent": {
            "review_requested": "Your request has been sent; the next-higher body gives its "
                                "review opinion within 30 days.",
            "re_review_requested": "Your request has been sent; the body one level higher "
                                   "again gives its re-review opinion within 30 days.",
        },
        "extended_by": "{days} more days",
        "supervisions": {"deadline_breach": "a legal time limit was missed",
                         "backlog": "a backlog case",
                         "dissatisfied_rating": "a dissatisfied rating"},
        "supervised": lambda level, why: f"by the {level} level: {why}",
        "refused": "This cannot be sent: {detail}",
        "refusals": {
            "nothing_to_rate": "no opinion has been given yet",
            "already_rated": "this opinion is rated already",
            "rating_window_closed": "the time to rate has passed (overdue, not rated)",
            "review_window_closed": "the 30 days to request a review have passed",
            "re_review_window_closed": "the 30 days to request a re-review have passed",
            "matter_terminated": "after the re-review the matter is terminated",
            "not_allowed_in_status": "this is not possible at the case's present step",
            "linked_to_open_case": "this petition joined the open case on the same matter",
        },
        "level": lambda level: f"the {level}-level petition bureau",
    },
}  # fmt: skip

_environment = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def page_language(request: Request, form: dict[str, str] | None = None) -> Lang:
    """The page's language: the form's or the URL's ``lang``, else the browser's."""
    asked = (form or {}).get("lang") or request.query_params.get("lang")
    if asked in ("zh", "en"):
        return "zh" if asked == "zh" else "en"
    accepted = request.headers.get("accept-language", "").strip().lower()
    return "en" if accepted.startswith("en") else "zh"


def render(
    lang: Lang,
    status: int = 200,
    *,
    progress: CaseProgress | None = None,
    case_id: str = "",
    query_code: str = "",
    error: str | None = None,
    notice: str | None = None,
    retry_after: int | None = None,
) -> Response:
    """The page in ``lang``: the look-up form, or a case's progress with its forms."""
    texts = TEXTS[lang]

    def when(moment: datetime | None) -> str:
        return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""

    def body(found: Body) -> str:
        return found.name or texts["level"](found.level.value)

    def step_detail(step: ProgressStep) -> str:
        if step.step.value == "rated" and step.detail:
            rating, _, comment = step.detail.partition(": ")
            shown: str = texts["ratings"].get(rating, rating)
            return f"{shown}: {comment}" if comment else shown
        if step.extension_days is not None:
            added: str = texts["extended_by"].format(days=step.extension_days)
            return f"{added}: {step.detail}" if step.detail else added
        if step.step.value in ("joined", "not_accepted_again"):
            return ""  # the step's name says it all, in the page's language
        if step.step.value == "supervised" and step.detail:
            reason, _, level = step.detail.partition(": ")
            supervised: str = texts["supervised"](level, texts["supervisions"].get(reason, reason))
            return supervised
        return step.detail or ""

    html = _environment.get_template("query.html.j2").render(
        t=texts,
        lang=lang,
        progress=progress,
        # What the client sent is shown again, cut: a 100 KB case number is no case number.
        case_id=case_id[:MAX_ECHO_CHARS],
        query_code=query_code[:MAX_ECHO_CHARS],
        error=None if error is None else bounded(error),
        notice=notice,
        max_comment=MAX_COMMENT_CHARS,
        when=when,
        body=body,
        step_detail=step_detail,
    )
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


class QueryPage:
    """GET /query (the form), POST /query (look up), /query/rating, /query/review."""

    def __init__(self, desk: CaseDesk) -> None:
        self.desk = desk

    async def form(self, request: Request) -> Response:
        return render(page_language(request))

    async def look_up(self, request: Request) -> Response:
        form = await _form(request)
        if isinstance(form, Response):
            return form
        opened = self._open(request, form)
        if not isinstance(opened, CaseRecord):
            return opened
        return self._progress(request, form, opened)

    async def rate(self, request: Request) -> Response:
        form = await _form(request)
        if isinstance(form, Response):
            return form
        opened = self._open(request, form)
        if not isinstance(opened, CaseRecord):
            return opened
        lang = page_language(request, form)
        try:
            rating = RatingRequest.model_validate(
                {"rating": form.get("rating"), "comment": form.get("comment") or None}
            )
        except ValidationError as exc:
            return self._progress(request, form, opened, 400, error=_invalid(lang, exc))
        result = await self.desk.publish(opened, rating_update(opened.case_id, rating))
        return self._after(request, form, opened, result, TEXTS[lang]["rated"])

    async def request_review(self, request: Request) -> Response:
        form = await _form(request)
        if isinstance(form, Response):
            return form
        opened = self._open(request, form)
        if not isinstance(opened, CaseRecord):
            return opened
        lang = page_language(request, form)
        try:
            review = ReviewRequest.model_validate({"reason": form.get("reason") or None})
        except ValidationError as exc:
            return self._progress(request, form, opened, 400, error=_invalid(lang, exc))
        made = review_update(opened, review, self.desk.view.casework)
        result = await self.desk.publish(opened, made)
        sent = TEXTS[lang]["review_sent"]
        done = sent[result.kind.value] if isinstance(result, CaseUpdate) else ""
        return self._after(request, form, opened, result, done)

    def _open(self, request: Request, form: dict[str, str]) -> CaseRecord | Response:
        lang = page_language(request, form)
        case_id = form.get("case_id", "").strip().upper()
        code = form.get("query_code", "").strip()
        if not case_id or not code:
            return render(lang, 400, case_id=case_id, error=TEXTS[lang]["not_found"])
        opened = self.desk.open_with_code(case_id, code, client_address(request))
        if not isinstance(opened, Denied):
            return opened
        texts = TEXTS[lang]
        if opened.denial is Denial.LIMITED:
            minutes = max(1, round((opened.retry_after_seconds or 60) / 60))
            message = texts["limited"].format(minutes=minutes)
            return render(lang, 429, case_id=case_id, error=message,
                          retry_after=opened.retry_after_seconds)  # fmt: skip
        if opened.denial is Denial.LOADING:
            return render(lang, 503, case_id=case_id, error=texts["loading"], retry_after=5)
        return render(lang, 404, case_id=case_id, error=texts["not_found"])

    def _progress(
        self,
        request: Request,
        form: dict[str, str],
        record: CaseRecord,
        status: int = 200,
        *,
        error: str | None = None,
        notice: str | None = None,
    ) -> Response:
        progress = case_progress(record, self.desk.view.casework, self.desk.clock())
        return render(
            page_language(request, form),
            status,
            progress=progress,
            query_code=form.get("query_code", "").strip(),
            error=error,
            notice=notice,
        )

    def _after(
        self,
        request: Request,
        form: dict[str, str],
        record: CaseRecord,
        result: object,
        done: str,
    ) -> Response:
        texts = TEXTS[page_language(request, form)]
        if isinstance(result, Refusal):
            # The petitioner's words for the refusal, with the lifecycle's code to quote.
            why = texts["refusals"].get(result.reason.value, result.detail)
            message = texts["refused"].format(detail=f"{why} ({result.reason.value})")
            return self._progress(request, form, record, 409, error=message)
        if isinstance(result, Unavailable):
            return self._progress(request, form, record, 503, error=texts["unavailable"])
        return self._progress(request, form, record, notice=done)


def _invalid(lang: Lang, exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return str(TEXTS[lang]["invalid"]).format(detail=f"{where}: {first['msg']}")


async def _form(request: Request) -> dict[str, str] | Response:
    """The posted form, or a 400/413 page: a form that is not URL-encoded UTF-8 (its
    percent-escapes too), or that gives a field twice, is refused rather than guessed at."""
    lang = page_language(request)

    def invalid(status: int, detail: str) -> Response:
        return render(lang, status, error=str(TEXTS[lang]["invalid"]).format(detail=detail))

    unreadable = unsupported(request.headers, FORM)
    if unreadable is not None:
        return invalid(400, unreadable)
    try:
        body = await read_limited(request, MAX_FORM_BYTES)
    except PayloadTooLargeError:
        return invalid(413, f"more than {MAX_FORM_BYTES} bytes")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return invalid(400, "not UTF-8")
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            return invalid(400, f"{name}: given twice")
        form[name] = value
    return form
