"""Generated petitions are realistic and deterministic; accounting finds imbalances."""

from __future__ import annotations

import json
from collections import Counter

from schemas.petitions import Channel
from services.cli.accounting import Tally, count_letter
from services.cli.generate import generate
from services.common.dlq import Rejected
from services.common.submitted import parse


def test_generation_is_deterministic_and_covers_every_channel() -> None:
    first = generate(600, seed=7)
    assert first.lines == generate(600, seed=7).lines
    channels: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    rejected = 0
    for line in first.lines:
        try:
            petition = parse(line)
        except Rejected:
            rejected += 1
            continue
        channels[petition.channel.value] += 1
        languages[petition.language.value] += 1
    assert set(channels) == {channel.value for channel in Channel}
    assert languages["zh"] > 0
    assert languages["en"] > 0
    assert rejected == first.invalid
    assert first.planted_repeats > 0
    assert first.retries > 0


def test_planted_repeats_are_the_same_text_under_a_new_submission() -> None:
    batch = generate(400, seed=3)
    documents = [json.loads(line) for line in batch.lines if line.startswith(b'{"sub') and
                 b"-r" in line.split(b",")[0]]  # fmt: skip
    assert documents
    originals = {json.loads(line)["content"] for line in batch.lines
                 if line.startswith(b"{") and b"-r" not in line.split(b",")[0]
                 and line.endswith(b"}")}  # fmt: skip
    assert all(document["content"] in originals for document in documents)


def test_the_tally_reports_every_identity_that_does_not_hold() -> None:
    tally = Tally(submitted=10, registered=7, duplicate_submissions=1)
    tally.rejected["invalid_json"] = 1
    tally.verdicts.update({"new": 5, "repeat": 1})
    tally.delivered["receipt"] = 6
    tally.receipts.update(f"NT-receipt-{i}" for i in range(6))
    problems = tally.problems()
    assert any("submitted 10" in problem for problem in problems)
    assert any("deduplicated 6 != registered 7" in problem for problem in problems)
    assert not any("receipts" in problem for problem in problems)
    # A receipt reported failed, then delivered by a redo, is still one receipt.
    tally.failed["receipt"] = 1
    tally.receipts.add("NT-receipt-5")
    assert not any("receipts" in problem for problem in tally.problems())


def test_an_agency_update_intake_could_not_relay_is_no_rejected_petition() -> None:
    tally = Tally(submitted=2, registered=1)
    petitions, updates = "t1.petitions.submitted", "t1.cases.updates.submitted"
    count_letter(tally, {"stage": "intake", "reason": "invalid_json", "source_topic": petitions},
                 petitions)  # fmt: skip
    count_letter(tally, {"stage": "intake", "reason": "too_large", "source_topic": updates},
                 petitions)  # fmt: skip
    count_letter(tally, {"stage": "escalation", "reason": "invalid_transition",
                         "source_topic": "t1.cases.updates"}, petitions)  # fmt: skip
    assert tally.rejected == {"invalid_json": 1}
    assert tally.rejected_downstream == {
        "intake (agency updates)/too_large": 1, "escalation/invalid_transition": 1
    }
    assert not any("submitted" in problem for problem in tally.problems())
