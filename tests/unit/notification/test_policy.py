"""The notification policy: the shipped file, the routing tree and line-precise errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.cases import AgencyLevel, EscalationReason, MatterKind, Verdict
from schemas.fields import FIELDS
from schemas.notices import NoticeKind
from services.common.rulefile import RuleFileError
from services.common.settings import SettingsError
from services.notification.app import build
from services.notification.labels import Matcher, labels_of
from services.notification.policy import (
    _ROUTES_KEPT,
    DEFAULT_POLICY_PATH,
    load_policy,
    parse_policy,
)
from services.notification.render import Renderer
from services.notification.settings import NotificationSettings

HEAD = """\
version: 1
issuer: {zh: 某市信访局, en: City Bureau}
query_url: https://xf.example.gov.cn/q
smtp: {sender: x <noreply@example.gov.cn>}
"""
RECEIVERS = """\
receivers:
  - name: petitioner
    petitioner: {channels: [email, letter]}
  - name: county
    email: {to: [county@example.gov.cn]}
  - name: city
    email: {to: [city@example.gov.cn]}
  - name: leaders
    email: {to: [leaders@example.gov.cn]}
"""
TREE = """\
route:
  receiver: petitioner
  group_wait: 30s
  routes:
    - matchers: ['kind="escalation_alert"']
      receiver: county
      group_by: [level]
      routes:
        - matchers: ['reason="leadership_package"']
          receiver: leaders
          group_wait: 5s
          continue: true
        - matchers: ['level=~"city|province"']
          receiver: city
"""


def _receivers(policy_text: str, **labels: str) -> list[str]:
    policy = parse_policy(policy_text)
    return [delivery.receiver.name for delivery in policy.route(labels_of(**labels))]


def test_the_shipped_policy_is_valid_and_its_templates_exist() -> None:
    renderer = Renderer()
    policy = load_policy(DEFAULT_POLICY_PATH, renderer.has_template)
    assert "petitioner" in policy.receivers


def test_unmatched_events_go_to_the_default_receiver() -> None:
    assert _receivers(HEAD + RECEIVERS + TREE, kind="receipt") == ["petitioner"]


def test_a_route_without_matching_children_is_the_result() -> None:
    text = HEAD + RECEIVERS + TREE
    assert _receivers(text, kind="escalation_alert", level="county") == ["county"]


def test_the_first_matching_child_wins_and_continue_goes_on() -> None:
    text = HEAD + RECEIVERS + TREE
    assert _receivers(text, kind="escalation_alert", level="city") == ["city"]
    both = _receivers(text, kind="escalation_alert", level="city", reason="leadership_package")
    assert both == ["leaders", "city"]


def test_children_inherit_grouping_unless_they_set_it() -> None:
    policy = parse_policy(HEAD + RECEIVERS + TREE)
    labels = labels_of(kind="escalation_alert", level="city", reason="leadership_package")
    leaders, city = policy.route(labels)
    assert leaders.grouping.group_wait == timedelta(seconds=5)
    assert city.grouping.group_wait == timedelta(seconds=30)
    assert city.grouping.group_by == ("level",)


def test_regex_matchers_are_anchored_and_negatable() -> None:
    labels = labels_of(region="610302")
    assert Matcher.parse('region=~"6103.*"').matches(labels)
    assert not Matcher.parse('region=~"6103"').matches(labels)
    assert Matcher.parse('region!~"11.*"').matches(labels)
    assert Matcher.parse('agency=""').matches(labels)


def _problems(text: str) -> str:
    with pytest.raises(RuleFileError) as caught:
        parse_policy(text, "policy.yaml")
    return str(caught.value)


def test_an_unknown_key_is_reported_at_its_line() -> None:
    text = HEAD + RECEIVERS + TREE.replace("  group_wait: 30s", "  group_wiat: 30s")
    assert "policy.yaml:16:3: route.group_wiat: Extra inputs are not permitted" in _problems(text)


def test_a_bad_matcher_is_reported_at_its_line() -> None:
    text = HEAD + RECEIVERS + TREE.replace('level=~"city|province"', 'level=="city"')
    message = _problems(text)
    assert "policy.yaml:26:22: route.routes.0.routes.1.matchers.0" in message
    assert "not a matcher" in message


def test_a_typo_in_a_closed_label_value_is_an_error() -> None:
    text = HEAD + RECEIVERS + TREE.replace('reason="leadership_package"', 'reason="leadership"')
    assert "reason is never 'leadership'" in _problems(text)


def test_an_unknown_receiver_is_reported_at_its_line() -> None:
    text = HEAD + RECEIVERS + TREE.replace("receiver: city", "receiver: town")
    assert "policy.yaml:27:11: route.routes.0.routes.1.receiver: no receiver named 'town'" in (
        _problems(text)
    )


def test_a_key_given_twice_is_an_error() -> None:
    text = HEAD + "version: 1\n" + RECEIVERS + TREE
    assert "policy.yaml:5:1: version: duplicate key 'version' (first at line 1)" in _problems(text)


def test_a_missing_template_and_a_bad_duration_are_reported() -> None:
    text = HEAD + RECEIVERS + TREE.replace("group_wait: 5s", "group_wait: soon")
    assert "route.routes.0.routes.0.group_wait: Value error, not a duration" in _problems(text)
    with_template = HEAD + RECEIVERS + TREE.replace("group_wait: 5s", "template: nothing_here")
    with pytest.raises(RuleFileError, match="no template named 'nothing_here'"):
        parse_policy(with_template, "policy.yaml", Renderer().has_template)


def test_every_problem_is_reported_at_once() -> None:
    text = (
        HEAD
        + RECEIVERS
        + TREE.replace("receiver: city", "receiver: town").replace(
            "receiver: leaders", "receiver: chiefs"
        )
    )
    with pytest.raises(RuleFileError) as caught:
        parse_policy(text)
    assert len(caught.value.problems) == 2


SENDING = """\
version: 1
issuer: {zh: 某市信访局, en: City Bureau}
query_url: https://xf.example.gov.cn/q
smtp:
  sender: x <noreply@example.gov.cn>
  timeout: 30s
  data_timeout: 5s
webhooks:
  sms: {url: "http://127.0.0.1:8090/sms", timeout: 10s}
retry: {initial_delay: 10s, max_delay: 2s, max_attempts: 3}
"""


def test_timeouts_and_the_backoff_are_checked_for_meaning_at_their_lines() -> None:
    message = _problems(SENDING + RECEIVERS + TREE)
    assert "policy.yaml:7:3: smtp.data_timeout: must be at least smtp.timeout" in message
    assert "policy.yaml:10:29: retry.max_delay: must be at least retry.initial_delay" in message
    never = SENDING.replace("timeout: 10s", "timeout: 0s").replace("timeout: 30s", "timeout: 2h")
    message = _problems(never + RECEIVERS + TREE)
    assert "policy.yaml:6:3: smtp.timeout: Value error, a timeout must be more than 0s" in message
    assert "policy.yaml:9:43: webhooks.sms.timeout: Value error, a timeout must be" in message


def test_settings_that_contradict_the_policy_stop_the_service(tmp_path: Path) -> None:
    fine = SENDING.replace("data_timeout: 5s", "data_timeout: 5m").replace(
        "max_delay: 2s", "max_delay: 1m"
    )
    policy = tmp_path / "policy.yaml"
    policy.write_text(fine + RECEIVERS + TREE, encoding="utf-8")
    assert parse_policy(policy.read_text(encoding="utf-8")).spec.retry.max_attempts == 3
    settings = NotificationSettings(demo_mode=True, policy_path=policy, inline_attempts=4)
    with pytest.raises(
        SettingsError, match=r"INLINE_ATTEMPTS \(4\) exceeds the policy.s retry.max_attempts \(3\)"
    ):
        build(settings)


_LABEL_VALUES = {
    "kind": [kind.value for kind in NoticeKind],
    "matter_kind": [kind.value for kind in MatterKind],
    "field": ["", "unclassified", *FIELDS[:12]],
    "region": ["", "610302", "610300", "610000", "430121", "430100"],
    "level": ["", *(level.value for level in AgencyLevel)],
    "agency": ["", "610302-housing", "610300-petitions", "430121-housing"],
    "reason": ["", *(reason.value for reason in EscalationReason)],
    "verdict": ["", *(verdict.value for verdict in Verdict)],
}


#: Policies that live through every example, as the service's does: each example finds
#: the routes the examples before it kept.
_EVERY_LABEL_TREE = """\
route:
  receiver: petitioner
  routes:
    - {matchers: ['kind="escalation_alert"'], receiver: leaders, continue: true}
    - {matchers: ['matter_kind="accusation"'], receiver: county, continue: true}
    - {matchers: ['field=~"housing.*"'], receiver: city, continue: true}
    - {matchers: ['region=~"6103.*"'], receiver: leaders, template: receipt, continue: true}
    - {matchers: ['level="city"'], receiver: county, template: receipt, continue: true}
    - {matchers: ['agency="610302-housing"'], receiver: city, template: receipt, continue: true}
    - {matchers: ['reason="risk_to_life"'], receiver: leaders, template: reply, continue: true}
    - {matchers: ['verdict="repeat"'], receiver: county, template: reply}
"""
_KEEPING = (
    load_policy(DEFAULT_POLICY_PATH),
    parse_policy(HEAD + RECEIVERS + TREE),
    # Each label changes where this one routes.
    parse_policy(HEAD + RECEIVERS + _EVERY_LABEL_TREE),
)


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({name: st.sampled_from(v) for name, v in _LABEL_VALUES.items()}))
def test_a_kept_route_is_the_route_worked_out_again(labels: dict[str, str]) -> None:
    # ``route`` keeps its answers by the labels; each is what the tree gives them anew,
    # asked first, again, after the caller changed the list it was given, and for the
    # labels with any one of them changed (asked right after them: kept answers that
    # mixed such neighbours up would show).
    for policy in _KEEPING:
        fresh = policy.routed(labels)
        first = policy.route(labels)
        assert first == fresh
        first.clear()
        assert policy.route(dict(labels)) == fresh
        assert policy.route(labels_of(**labels)) == fresh
        for name, values in _LABEL_VALUES.items():
            for value in values:
                changed = {**labels, name: value}
                assert policy.route(changed) == policy.routed(changed), changed
                assert policy.route(labels) == fresh


def test_routes_are_kept_for_so_many_label_sets_and_no_more() -> None:
    policy = parse_policy(HEAD + RECEIVERS + TREE)
    for number in range(_ROUTES_KEPT + 10):
        labels = labels_of(kind="escalation_alert", region=f"{number:06d}", level="city")
        assert [d.receiver.name for d in policy.route(labels)] == ["city"]
        assert len(policy._routes) <= _ROUTES_KEPT
