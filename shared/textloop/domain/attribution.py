"""What a message is attributed to, decided once when it is sent: the trigger, the record's stage or
status at that moment, the account's tier and the contact's lifecycle stage where the CRM says, and the
recipient's cohort (the month the number was first texted). Pure: the dispatcher passes what it read.

The report (``textloop report``) groups every figure by these, so they are kept on the message record
as they were at send, never recomputed from the CRM's later state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Fetched fields (a rule's ``extra_fields``) read as the account tier and the lifecycle stage: the
# first name present wins. Case-insensitive on the field's last dotted part (``Account.Tier__c``).
TIER_FIELDS = ("tier__c", "account_tier__c", "tier", "account_tier", "customer_tier")
LIFECYCLE_FIELDS = ("lifecyclestage", "lifecycle_stage__c", "lifecycle_stage", "hs_lifecyclestage")


@dataclass(frozen=True, slots=True)
class Attribution:
    trigger: str  # "<field>=<value>" that made the rule fire (renewals: "<date field>=window:<days>")
    stage: str  # the rule's field on the record at send (stage, status, renewal type)
    tier: str = ""  # the account's tier, when a fetched field says
    lifecycle: str = ""  # the contact's or record's lifecycle stage, when a fetched field says


def attribute(
    rule_field: str, changed: Mapping[str, Any], fields: Mapping[str, Any], date_field: str = ""
) -> Attribution:
    """The attribution of one message from the rule's field, the change that triggered it and the
    record's fields as read at send. *date_field*: a renewal rule's date (its trigger is the window)."""
    stage = _text(fields.get(rule_field))
    if date_field and date_field in changed:
        trigger = f"{date_field}={_text(changed[date_field])}"
    elif rule_field in changed:
        trigger = f"{rule_field}={_text(changed[rule_field])}"
    else:  # a gap event re-read from the CRM, a deferred event: the value that confirmed the rule
        trigger = f"{rule_field}={stage}"
    return Attribution(trigger, stage, _first(fields, TIER_FIELDS), _first(fields, LIFECYCLE_FIELDS))


def cohort(first_contact: datetime) -> str:
    """The recipient's cohort: the month (UTC) the number was first texted, ``YYYY-MM``."""
    return f"{first_contact.year:04d}-{first_contact.month:02d}"


def _first(fields: Mapping[str, Any], names: tuple[str, ...]) -> str:
    by_name = {str(k).rsplit(".", 1)[-1].lower(): v for k, v in fields.items()}
    return next((_text(by_name[n]) for n in names if _text(by_name.get(n))), "")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()
