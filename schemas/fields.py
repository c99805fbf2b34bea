"""The fields of petitions: the closed list every topic, rule file and dashboard keys on.

Intake's classifier chooses one (its rule file may not invent others), routing tables and
the notification policy match on them, the gateway lists them as Open311 services.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

#: The fields of DOMAIN.md "Typical fields"; the rules may not invent others, because
#: routing, ledgers and dashboards key on these codes.
FieldCode = Literal[
    "housing.demolition",
    "housing.property_management",
    "housing.quality",
    "housing.title_certificate",
    "housing.delayed_delivery",
    "housing.other",
    "land_rural",
    "labour_social_security",
    "medical",
    "education",
    "environment",
    "transport",
    "public_security",
    "civil_affairs",
    "urban_management",
    "litigation",
    "discipline",
]
FIELDS: Final[tuple[FieldCode, ...]] = get_args(FieldCode)
#: The field of a petition that no rule recognises.
UNCLASSIFIED: Final = "unclassified"
#: The field a case carries: one of the taxonomy, or unclassified.
CaseField = Literal[FieldCode, "unclassified"]
