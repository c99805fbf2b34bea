"""The notification policy: the shipped file, the routing tree and line-precise errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from services.common.rulefile import RuleFileError
from services.common.settings import SettingsError
from services.notification.app import build
from services.notification.labels import Matcher, labels_of
from services.notification.policy import DEFAULT_POLICY_PATH, load_policy, parse_policy
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
