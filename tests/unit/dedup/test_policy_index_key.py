"""A letter asking about a policy is indexed by it (``policies.lookup_keys``), so that a
stranger's letter on that policy, sharing no words or places with it, finds it."""

from __future__ import annotations

from types import SimpleNamespace

from services.dedup import policies
from services.dedup.areas import match_area
from services.dedup.config import DedupConfig
from services.dedup.features import extract_features
from services.dedup.index_keys import BARE_NAME, case_keys, index_key
from tests.unit.dedup.test_policy_questions import CITY, _facts


def test_a_policy_letter_is_indexed_by_its_policy() -> None:
    # The earlier letter is found by the policy a later one asks about, whatever else
    # either names (``policies.lookup_keys``): their texts share no band.
    facts = _facts(0, CITY, "灵活就业社保补贴怎么申请", "去年公司倒闭后我一直打零工，想问补贴。")
    features = extract_features(facts, DedupConfig())
    assert policies.lookup_keys(features.topic) == ("p.flex/subsidy",)
    record = SimpleNamespace(
        region_code=CITY,
        fingerprint="f",
        petitioner_refs=("pr_0",),
        places=(),
        topic=features.topic,
    )
    looked_up = index_key(BARE_NAME, match_area(CITY), "p.flex/subsidy")
    assert looked_up in case_keys(record, with_fingerprint=False)
