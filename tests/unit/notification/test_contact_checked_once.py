"""Each contact record is checked once per worker: the consumer group takes what the
directory's follower found of a record it has read, and checks only what it has not."""

from __future__ import annotations

import json

import pytest

from schemas import examples
from schemas.keys import PetitionerKey
from services.common.dlq import Rejected
from services.notification import contacts as contacts_module
from services.notification.contacts import ContactDirectory, check_contact

_CONTACT = examples.CONTACTS[0]
assert _CONTACT.value is not None
KEY = PetitionerKey(**_CONTACT.key).to_json_bytes()
VALUE = json.dumps(_CONTACT.value).encode()
OTHER_KEY = PetitionerKey(petitioner_ref="P" + "0" * 31).to_json_bytes()
BAD_RECORDS = [
    (b"not json", VALUE),
    (KEY, b'{"petitioner_ref": 1}'),
    (OTHER_KEY, VALUE),  # filed under another petitioner
]


def _detail(key: bytes, value: bytes | None) -> str:
    with pytest.raises(Rejected) as refused:
        check_contact(key, value)
    return refused.value.detail


def test_the_follower_s_finding_is_what_the_check_finds() -> None:
    directory = ContactDirectory()
    records = [(KEY, VALUE), *BAD_RECORDS, (KEY, None)]
    for offset, (key, value) in enumerate(records, start=10):
        directory.apply_record(2, offset, key, value)
    assert directory.checked(2, 10) is True
    for offset, (key, value) in enumerate(BAD_RECORDS, start=11):
        found = directory.checked(2, offset)
        assert isinstance(found, Rejected)
        assert found.detail == _detail(key, value)
        assert found.reason.value == "schema_violation"
    assert directory.checked(2, 14) is True  # a tombstone is valid
    # Not read by the follower (yet), or another partition: the group checks itself.
    assert directory.checked(2, 15) is False
    assert directory.checked(2, 9) is False
    assert directory.checked(1, 10) is False
    # The tombstone erased the petitioner; the bad records changed nothing.
    assert len(directory) == 0


def test_only_the_follower_s_last_run_without_a_gap_is_answered() -> None:
    directory = ContactDirectory()
    directory.apply_record(0, 0, *BAD_RECORDS[0])
    directory.apply_record(0, 1, KEY, VALUE)
    # Offset 2 was compacted away (or is a control record): a new run from 3.
    directory.apply_record(0, 3, KEY, VALUE)
    assert directory.checked(0, 0) is False  # the group checks it itself: still refused
    assert directory.checked(0, 2) is False
    assert directory.checked(0, 3) is True
    assert directory.get(_CONTACT.key["petitioner_ref"]) is not None


def test_the_refused_records_kept_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contacts_module, "MAX_REFUSED_KEPT", 3)
    directory = ContactDirectory()
    for offset in range(5):
        directory.apply_record(0, offset, *BAD_RECORDS[1])
    # The two oldest are forgotten, and the run starts after them: asked, the group checks.
    assert directory.checked(0, 0) is False
    assert directory.checked(0, 1) is False
    assert all(isinstance(directory.checked(0, offset), Rejected) for offset in (2, 3, 4))


def test_apply_still_logs_what_it_skips(caplog: pytest.LogCaptureFixture) -> None:
    directory = ContactDirectory()
    for key, value in BAD_RECORDS:
        assert directory.apply(key, value) is not None
    assert [record.getMessage() for record in caplog.records] == [
        "contact with an unreadable key skipped",
        "unreadable contact skipped",
        "contact under another petitioner's key skipped",
    ]
    assert directory.apply(KEY, VALUE) is None
    assert len(directory) == 1


class _Offset(int):
    """An offset that counts the order comparisons made of it."""

    compared = 0

    def __lt__(self, other: int) -> bool:
        _Offset.compared += 1
        return int(self) < int(other)

    def __gt__(self, other: int) -> bool:
        _Offset.compared += 1
        return int(self) > int(other)


def test_forgetting_a_refused_record_does_not_search_them_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A flood of unreadable records past the bound: each one forgets the oldest kept, in a
    # step, not by a search among all the kept ones on the worker's event loop.
    monkeypatch.setattr(contacts_module, "MAX_REFUSED_KEPT", 100)
    monkeypatch.setattr(_Offset, "compared", 0)
    directory = ContactDirectory()
    for offset in range(400):
        directory.apply_record(0, _Offset(offset), *BAD_RECORDS[1])
    assert _Offset.compared < 400  # a search: ~100 comparisons for each of 300 forgotten
    assert directory.checked(0, 299) is False
    assert all(isinstance(directory.checked(0, offset), Rejected) for offset in (300, 399))
