"""Example payloads of every topic, as JSON objects. The contract tests validate them."""

from __future__ import annotations

from typing import Any

from schemas.base import Example


def _ex(key: dict[str, Any], value: dict[str, Any] | None, summary: str) -> Example:
    return Example(key=key, value=value, summary=summary)


MINIMAL_PETITION: dict[str, Any] = {
    "submission_id": "portal-000123",
    "channel": "online",
    "received_at": "2026-11-20T10:00:00+08:00",
    "petitioner": {"name": "张三", "phone": "13800138000"},
    "region_code": "610302",
    "title": "购房多年无法办理产权证",
    "content": "本人于2018年在渭滨区某小区购房，开发商至今未办理产权证，多次催促无果。",
}
HOTLINE_PETITION: dict[str, Any] = {
    "submission_id": "12345-20261120-0042",
    "channel": "hotline",
    "received_at": "2026-11-20T09:12:30+08:00",
    "petitioner": {"name": "Li Wei", "phone": "+86 139 0000 1111"},
    "region_code": "110105",
    "title": "Unpaid wages at a construction site",
    "content": "The caller reports that the contractor has not paid 30 workers for 4 months.",
    "hotline_call": {"call_id": "C-884421", "duration_seconds": 312, "operator_id": "op-17"},
    "language": "en",
}
VISIT_PETITION: dict[str, Any] = {
    "submission_id": "desk-610302-2026-0007",
    "channel": "visit",
    "received_at": "2026-11-20T14:30:00+08:00",
    "petitioner": {"name": "王五", "id_number": "11010519491231002X", "address": "渭滨区清姜路1号"},
    "region_code": "610302",
    "title": "小区地下室长期积水",
    "content": "清姜路某小区地下室长期积水，物业不处理，居民多次反映。",
    "group_size": 12,
    "representatives": [{"name": "王五"}, {"name": "赵六"}],
    "accused": "某物业服务有限公司",
}

_REF = "pr_3f9a1c0e5b7d2a4c8e6f1a3b5c7d9e0f"
_AGENCY = {
    "code": "610302-housing",
    "name": "渭滨区住房和城乡建设局",
    "level": "county",
    "region_code": "610302",
    "rule": "field:housing/county",
}

SUBMITTED = (
    _ex({"submission_id": "portal-000123"}, MINIMAL_PETITION, "The minimal online petition"),
    _ex({"submission_id": HOTLINE_PETITION["submission_id"]}, HOTLINE_PETITION, "A hotline call"),
    _ex({"submission_id": VISIT_PETITION["submission_id"]}, VISIT_PETITION, "A group visit"),
)
REJECTED = (
    _ex(
        {"submission_id": "portal-000124"},
        {
            "stage": "intake",
            "reason": "missing_field",
            "detail": "region_code: Field required",
            "source_topic": "petitions.submitted",
            "source_partition": 2,
            "source_offset": 1187,
            "original_key_b64": "eyJzdWJtaXNzaW9uX2lkIjoicG9ydGFsLTAwMDEyNCJ9",
            "original_value_b64": "eyJzdWJtaXNzaW9uX2lkIjoicG9ydGFsLTAwMDEyNCJ9",
            "submission_id": "portal-000124",
            "rejected_at": "2026-11-20T10:00:01+08:00",
        },
        "A petition without a region code",
    ),
)
REGISTERED = (
    _ex(
        {"region_code": "610300"},
        {
            "case_id": "XF-7K2M9Q4T8W1Z",
            "submission_id": "portal-000123",
            "channel": "online",
            "received_at": "2026-11-20T10:00:00+08:00",
            "registered_at": "2026-11-20T10:00:00.120000+08:00",
            "petitioner_ref": _REF,
            "petitioner": {"name_masked": "张*", "phone_masked": "138****8000"},
            "region_code": "610302",
            "title": "购房多年无法办理产权证",
            "content": "本人于2018年在渭滨区某小区购房，开发商至今未办理产权证，多次催促无果。",
            "normalised_text": "购房多年无法办理产权证 本人于2018年在渭滨区某小区购房...",
            "kind": "complaint",
            "field": "housing.title_certificate",
            "agency": _AGENCY,
        },
        "A registered online petition",
    ),
)
DEDUPLICATED = (
    _ex(
        {"case_id": "XF-7K2M9Q4T8W1Z"},
        {
            "case_id": "XF-7K2M9Q4T8W1Z",
            "case": REGISTERED[0].value,
            "verdict": "repeat",
            "reason": "near_repeat",
            "matter_id": "MT-XF-2B8D6F0H3J5L",
            "first_case_id": "XF-2B8D6F0H3J5L",
            "open_case_id": "XF-2B8D6F0H3J5L",
            "repeat_count": 2,
            "matter_petitions": 3,
            "matter_petitioners": 1,
            "matter_state": "open",
            "score": 0.91,
            "decided_at": "2026-11-20T10:00:00.300000+08:00",
        },
        "The third petition of one person about one matter, reworded",
    ),
)
UPDATES = (
    _ex(
        {"case_id": "XF-7K2M9Q4T8W1Z"},
        {
            "schema_version": 2,
            "update_id": "610302-xfj-000412",
            "case_id": "XF-7K2M9Q4T8W1Z",
            "kind": "transferred",
            "occurred_at": "2026-11-21T09:30:00+08:00",
            "agency_code": "610302-xfj",
            "to_agency": {
                "code": "610302-housing",
                "name": "渭滨区住房和城乡建设局",
                "level": "county",
                "region_code": "610302",
                "rule": "transferred_by:610302-xfj",
            },
        },
        "The petition bureau transfers the case to the competent body (Art. 22)",
    ),
    _ex(
        {"case_id": "XF-7K2M9Q4T8W1Z"},
        {
            "update_id": "610302-housing-000981",
            "case_id": "XF-7K2M9Q4T8W1Z",
            "kind": "accepted",
            "occurred_at": "2026-11-25T16:00:00+08:00",
            "agency_code": "610302-housing",
        },
        "The competent body accepts the case (Art. 23)",
    ),
)
#: What an agency system publishes itself: the reason in clear, a phone number written in it.
UPDATES_SUBMITTED = (
    _ex(
        {"case_id": "XF-7K2M9Q4T8W1Z"},
        {
            "update_id": "610302-housing-000982",
            "case_id": "XF-7K2M9Q4T8W1Z",
            "kind": "replied",
            "occurred_at": "2026-12-02T10:00:00+08:00",
            "agency_code": "610302-housing",
            "reason": "已约谈开发商，产权证将于12月底前办理；经办人电话13912345678。",
        },
        "An agency system replies (Art. 32); intake masks the number before cases.updates",
    ),
)
ESCALATED = (
    _ex(
        {"case_id": "XF-7K2M9Q4T8W1Z"},
        {
            "escalation_id": "ESC-XF-7K2M9Q4T8W1Z-leadership_package",
            "case_id": "XF-7K2M9Q4T8W1Z",
            "matter_id": "MT-XF-2B8D6F0H3J5L",
            "reason": "leadership_package",
            "rule": "leadership_package: repeat_count>=3",
            "target_level": "city",
            "due_at": "2026-12-21T00:00:00+08:00",
            "escalated_at": "2026-11-20T10:00:00.400000+08:00",
            "region_code": "610302",
            "detail": "raised a fourth time (repeat count 3): a named leader takes the case",
        },
        "A leadership package case",
    ),
)
INBOX = (
    _ex(
        {"case_id": "XF-7K2M9Q4T8W1Z"},
        {
            "case_id": "XF-7K2M9Q4T8W1Z",
            "matter_id": "MT-XF-2B8D6F0H3J5L",
            "received_at": "2026-11-20T10:00:00+08:00",
            "region_code": "610302",
            "kind": "complaint",
            "field": "housing.title_certificate",
            "title": "购房多年无法办理产权证",
            "verdict": "new",
            "repeat_count": 0,
            "petitioner": {"name_masked": "张*", "phone_masked": "138****8000"},
        },
        "A case in the housing bureau's inbox",
    ),
)
CONTACTS = (
    _ex(
        {"petitioner_ref": _REF},
        {
            "petitioner_ref": _REF,
            "name": "张三",
            "phone_e164": "+8613800138000",
            "language": "zh",
            "updated_at": "2026-11-20T10:00:00.120000+08:00",
        },
        "A petitioner's clear contact details",
    ),
    _ex({"petitioner_ref": _REF}, None, "A tombstone: the details are erased"),
)
DELIVERED = (
    _ex(
        {"notification_id": "NT-receipt-XF-7K2M9Q4T8W1Z-petitioner"},
        {
            "notification_id": "NT-receipt-XF-7K2M9Q4T8W1Z-petitioner",
            "kind": "receipt",
            "channel": "record",
            "recipient_role": "petitioner",
            "recipient": _REF,
            "case_id": "XF-7K2M9Q4T8W1Z",
            "subject": "信访事项受理回执 XF-7K2M9Q4T8W1Z",
            "delivered_at": "2026-11-20T10:00:00.500000+08:00",
        },
        "A receipt delivered to the petitioner",
    ),
)
FAILED = (
    _ex(
        {"notification_id": "NT-receipt-XF-7K2M9Q4T8W1Z-petitioner"},
        {
            "notification_id": "NT-receipt-XF-7K2M9Q4T8W1Z-petitioner",
            "kind": "receipt",
            "channel": "email",
            "recipient_role": "petitioner",
            "recipient": _REF,
            "case_id": "XF-7K2M9Q4T8W1Z",
            "reason": "retries_exhausted",
            "detail": "421 service not available, 6 attempts",
            "attempts": 6,
            "failed_at": "2026-11-20T10:05:00+08:00",
        },
        "A receipt that could not be delivered",
    ),
)
