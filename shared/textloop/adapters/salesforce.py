"""CrmGateway for Salesforce through simple-salesforce (REST API).

Reads: the record (sObject GET, all fields), then one SOQL on the record for its owner, account (and the
account fields a rule asks for as ``Account.<field>``) and, for a Case, its contact; for an Opportunity one
more SOQL for the OpportunityContactRole's contact (the wanted role, else the primary one); for a Contract
(renewal scans) the ContractContactRole in the wanted role, else the contact who signed it
(``CustomerSignedId``), else the account's primary contact (``AccountContactRole``).
Contacts by phone: one SOSL phone search (it ignores formatting), checked again number by number.
Writes: the SMS as a completed Task on the record; follow-ups as open Tasks with a reminder; a flagged number
as the Contact's ``SMS_Phone_Status__c`` plus a completed Task saying why. Vendor errors never leave this module.
Authentication: every request carries the current token of a ``SalesforceAuth`` (salesforce_auth.py); a 401
renews it once and the request is sent once more, so an expired session costs one token call, not the event.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import phonenumbers
import requests
from simple_salesforce import Salesforce
from simple_salesforce.api import SFType
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceResourceNotFound,
)
from simple_salesforce.format import format_soql

from textloop.adapters.limits import ApiUsage
from textloop.adapters.prefetched import BATCH_LIMIT, PrefetchedContexts, bulk_reads
from textloop.adapters.salesforce_auth import (
    SalesforceAuth,
    SalesforceCredentials,
    SalesforceLoginFailed,
)
from textloop.config import Fixed, Renewable
from textloop.domain.errors import (
    CrmAuthFailed,
    CrmRejected,
    CrmUnavailable,
    RecordNotFound,
    TextloopError,
)
from textloop.domain.model import (
    ConsentStatus,
    MessageContext,
    OwnerTask,
    Person,
    PhoneStatus,
    RecordRef,
    SmsActivity,
    TaskPriority,
    TaskState,
)
from textloop.domain.phone import mask, mask_in_text, same_number
from textloop.domain.ports import DueRenewal, LoggedSms, RenewalQuery

TIMEOUT = (3.05, 10.0)  # (connect, read) seconds
_SOBJECTS = {"opportunity": "Opportunity", "case": "Case", "contract": "Contract"}
_CONTACT_FIELDS = ("Id", "FirstName", "LastName", "MobilePhone", "Phone", "Email")
_CONTACT_PHONE_FIELDS = ("MobilePhone", "Phone")  # in order of preference
_OWNER_FIELDS = ("Id", "FirstName", "LastName", "Email", "Phone")
_SUBJECT_MAX = 255
_DESCRIPTION_MAX = 32_000
REQUEST_LIMIT_RETRY_AFTER = 900.0  # seconds a message waits once the org's daily API limit is spent
_RETRYABLE_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW"})
_GONE_CODES = frozenset({"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"})  # a record it links to is gone
SMS_SID_FIELD = "Textloop_Message_Sid__c"  # custom Activity field: the SID or activity key (idempotency)
_COLLECTION_MAX = 200  # records per sObject Collections request (composite/sobjects)
_LOOKUP_MARGIN = timedelta(hours=1)  # the SID lookup's CreatedDate window opens this long before the SMS
_PRIORITIES = {TaskPriority.HIGH: "High", TaskPriority.NORMAL: "Normal", TaskPriority.LOW: "Low"}
PHONE_STATUS_FIELD = "SMS_Phone_Status__c"  # custom picklist on Contact: wrong_person, unreachable, landline
_SOSL_RESERVED = re.compile(r"""([?&|!{}\[\]()^~*:\\"'+-])""")


_UNAUTHORIZED = 401


class _Session(requests.Session):
    """A requests session with default timeouts, pinned to *ca_bundle* even when REQUESTS_CA_BUNDLE is set
    (requests lets that variable override ``Session.verify``). With *auth*, each request carries its current
    token, and a 401 renews the token and sends the request once more. With *usage*, every response's
    ``Sforce-Limit-Info`` is read, and above its share of the org's daily API limit a call waits
    (``CrmUnavailable`` with ``retry_after``: the dispatcher delays that message) instead of spending it."""

    def __init__(
        self,
        ca_bundle: str | None,
        timeout: tuple[float, float],
        auth: SalesforceAuth | None = None,
        usage: ApiUsage | None = None,
    ) -> None:
        super().__init__()
        self._ca_bundle = ca_bundle
        self._timeout = timeout
        self._auth = auth
        self.usage = usage

    def send(self, request: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = kwargs.get("timeout") or self._timeout
        if self._ca_bundle:
            kwargs["verify"] = self._ca_bundle
        if self._auth is None:
            return super().send(request, **kwargs)
        wait = self.usage.wait() if self.usage is not None else None
        if wait is not None and self.usage is not None:
            used = {"api_used": self.usage.used, "api_limit": self.usage.limit}
            raise CrmUnavailable("Salesforce API usage is above its share", retry_after=wait, **used)
        token = self._auth.token().access_token
        request.headers["Authorization"] = f"Bearer {token}"
        response = self._observed(super().send(request, **kwargs))
        if response.status_code != _UNAUTHORIZED:
            return response
        response.close()
        request.headers["Authorization"] = f"Bearer {self._auth.renew(token).access_token}"
        return self._observed(super().send(request, **kwargs))

    def _observed(self, response: Any) -> Any:
        if self.usage is not None:
            self.usage.observe(response.headers.get("Sforce-Limit-Info"))
        return response


@dataclass(frozen=True, slots=True)
class ContactFields:
    """The Contact fields Textloop reads for consent and timing (settings: they differ per org)."""

    consent: str = "SMS_Consent__c"  # picklist: opted_in, opted_out, unknown
    do_not_call: str = "DoNotCall"
    time_zone: str = ""  # a custom field holding an IANA zone, if the org keeps one
    state: str = "MailingState"

    @property
    def soql(self) -> tuple[str, ...]:
        extra = (self.consent, self.do_not_call, self.time_zone, self.state)
        return (*_CONTACT_FIELDS, *(f for f in extra if f))


class SalesforceGateway:
    def __init__(
        self, sf: Salesforce, default_region: str = "US", contact_fields: ContactFields | None = None
    ) -> None:
        self._sf = sf
        self._default_region = default_region  # the country of a number typed without a country code
        self._fields = contact_fields or ContactFields()
        self._prefetched = PrefetchedContexts()  # one dispatcher batch's contexts (``prefetch``)

    @classmethod
    def connect(
        cls,
        instance_url: str,
        access_token: str,
        api_version: str = "62.0",
        ca_bundle: str | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        default_region: str = "US",
        contact_fields: ContactFields | None = None,
    ) -> SalesforceGateway:
        """With a static token (development, tests)."""
        credentials = SalesforceCredentials(
            "access_token", instance_url=instance_url, access_token=access_token
        )
        auth = SalesforceAuth(Fixed(credentials), _Session(ca_bundle, timeout))
        return cls.authenticated(
            auth, instance_url, api_version, ca_bundle, timeout, default_region, contact_fields
        )

    @classmethod
    def with_credentials(
        cls,
        credentials: Renewable[SalesforceCredentials],
        instance_url: str | None = None,
        api_version: str = "62.0",
        ca_bundle: str | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        default_region: str = "US",
        contact_fields: ContactFields | None = None,
        api_usage: ApiUsage | None = None,
    ) -> SalesforceGateway:
        """Tokens obtained from *credentials* (the secret: JWT bearer, client credentials or a static token)."""
        auth = SalesforceAuth(credentials, _Session(ca_bundle, timeout))
        return cls.authenticated(
            auth, instance_url, api_version, ca_bundle, timeout, default_region, contact_fields, api_usage
        )

    @classmethod
    def authenticated(
        cls,
        auth: SalesforceAuth,
        instance_url: str | None = None,
        api_version: str = "62.0",
        ca_bundle: str | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        default_region: str = "US",
        contact_fields: ContactFields | None = None,
        api_usage: ApiUsage | None = None,
    ) -> SalesforceGateway:
        """Every request authenticated by *auth*; *instance_url* None: the one the token endpoint names.
        *api_usage*: the org's daily API usage, read from every response (None: a default ``ApiUsage``)."""
        if not instance_url:
            with _translated("salesforce:login"):
                instance_url = auth.token().instance_url
        session = _Session(ca_bundle, timeout, auth, api_usage or ApiUsage())
        # session_id is a placeholder: the session sets each request's Authorization header itself.
        sf = Salesforce(instance_url=instance_url, session_id="-", version=api_version, session=session)
        return cls(sf, default_region, contact_fields)

    # --- CrmGateway --------------------------------------------------------------------

    def load_context(
        self, record: RecordRef, fields: Sequence[str], recipient_role: str | None = None
    ) -> MessageContext:
        prefetched = self._prefetched.take(record, fields, recipient_role)
        if prefetched is not None:
            return prefetched
        sobject = _sobject_name(record)
        related_wanted = [f for f in fields if "." in f]  # Account.<field>: through the relationship
        with _translated(record):
            data = self._sobject(sobject).get(record.record_id)
            related_fields = [f"Owner.{f}" for f in _OWNER_FIELDS] + ["Account.Name", *related_wanted]
            if sobject == "Case":
                related_fields += [f"Contact.{f}" for f in self._fields.soql]
            if sobject == "Contract":
                related_fields += [f"CustomerSigned.{f}" for f in self._fields.soql]
            related = self._first(
                format_soql(
                    f"SELECT {', '.join(dict.fromkeys(related_fields))} FROM {sobject} WHERE Id = {{}}",
                    record.record_id,
                )
            )
            if sobject == "Opportunity":
                contact = self._opportunity_contact(record.record_id, recipient_role)
            elif sobject == "Contract":
                contact = self._contract_contact(record.record_id, data, related, recipient_role)
            else:
                contact = related.get("Contact") if related else None
        return self._context(record, fields, data, related, contact)

    def prefetch(
        self, records: Sequence[RecordRef], fields: Sequence[str], recipient_role: str | None = None
    ) -> int:
        """Per sObject type and 200 ids: one SOQL ``Id IN (...)`` for the records with their owner (User),
        account and, for a Case, its contact or, for a Contract, its signer; for an Opportunity one more for
        its contact roles; for a Contract one for the ContractContactRoles (with a role) and one for the
        primary AccountContactRoles of the accounts still without a recipient. Contacts come with their
        consent fields through the relationship: no per-contact read."""
        self._prefetched.begin()
        for sobject, refs in bulk_reads(records, _sobject_name, BATCH_LIMIT["salesforce"]):
            with _translated(f"salesforce:{sobject}:prefetch({len(refs)})"):
                self._prefetch_chunk(sobject, refs, fields, recipient_role)
        return len(self._prefetched)

    def _prefetch_chunk(
        self, sobject: str, refs: dict[str, RecordRef], fields: Sequence[str], role: str | None
    ) -> None:
        own = [f for f in fields if "." not in f]
        related_wanted = [f for f in fields if "." in f]
        select = ["Id", "AccountId", *own, *(f"Owner.{f}" for f in _OWNER_FIELDS), "Account.Name"]
        select += related_wanted
        if sobject == "Case":
            select += [f"Contact.{f}" for f in self._fields.soql]
        if sobject == "Contract":
            select += ["CustomerSignedId", *(f"CustomerSigned.{f}" for f in self._fields.soql)]
        by_id = {i[:15]: ref for i, ref in refs.items()}  # SOQL answers 18-character ids
        rows = {
            str(row["Id"])[:15]: row
            for row in self._all(
                format_soql(
                    f"SELECT {', '.join(dict.fromkeys(select))} FROM {sobject} WHERE Id IN {{ids}}",
                    ids=list(refs),
                )
            )
            if str(row.get("Id", ""))[:15] in by_id
        }
        contacts: dict[str, dict[str, Any] | None] = {}
        if sobject == "Opportunity":
            roles = self._roles("OpportunityContactRole", "OpportunityId", _ids(rows))
            for parent in rows:
                listed = roles.get(parent, [])
                found = (_in_role(listed, role) if role else None) or _primary(listed)
                contacts[parent] = _with_role(found)
        elif sobject == "Contract":
            roles = self._roles("ContractContactRole", "ContractId", _ids(rows)) if role else {}
            for parent, row in rows.items():
                found = _with_role(_in_role(roles.get(parent, []), role)) if role else None
                signed = row.get("CustomerSigned")
                contacts[parent] = found or (signed if signed and signed.get("Id") else None)
            accounts = {
                p: str(r["AccountId"]) for p, r in rows.items() if not contacts[p] and r.get("AccountId")
            }
            if accounts:
                primary = self._roles("AccountContactRole", "AccountId", list(set(accounts.values())), True)
                for parent, account in accounts.items():
                    contacts[parent] = _with_role(_primary(primary.get(account[:15], [])))
        else:
            contacts = {p: row.get("Contact") for p, row in rows.items()}
        for parent, row in rows.items():
            context = self._context(by_id[parent], fields, row, row, contacts.get(parent))
            self._prefetched.put(context, fields, role)

    def _roles(
        self, sobject: str, parent_field: str, parent_ids: list[str], primary_only: bool = False
    ) -> dict[str, list[dict[str, Any]]]:
        """The contact roles of many parents (15-character id → rows, as Salesforce returned them)."""
        contact = ", ".join(f"Contact.{f}" for f in self._fields.soql)
        soql = f"SELECT {parent_field}, Role, IsPrimary, {contact} FROM {sobject} WHERE {parent_field} IN {{ids}}"
        if primary_only:
            soql += " AND IsPrimary = true"
        found: dict[str, list[dict[str, Any]]] = {}
        for row in self._all(format_soql(soql, ids=parent_ids)):
            found.setdefault(str(row.get(parent_field) or "")[:15], []).append(row)
        return found

    def _all(self, soql: str) -> list[dict[str, Any]]:
        """Every row of a query (each further batch behind ``nextRecordsUrl`` is one more call)."""
        return cast(list[dict[str, Any]], self._sf.query_all(soql).get("records") or [])

    def _context(
        self,
        record: RecordRef,
        fields: Sequence[str],
        data: dict[str, Any],
        related: dict[str, Any] | None,
        contact: dict[str, Any] | None,
    ) -> MessageContext:
        owner = related.get("Owner") if related else None
        account = related.get("Account") if related else None
        values = {name: data.get(name) for name in fields if "." not in name}
        values |= {name: _related_value(related, name) for name in fields if "." in name}
        return MessageContext(
            record=record,
            fields={name: values.get(name) for name in fields},
            recipient=self._recipient(contact),
            owner=_person(owner, prefer_mobile=False),
            account_name=(account or {}).get("Name") or "",
            account_id=str(data.get("AccountId") or ""),  # Opportunity, Case, Contract: the outcomes' account
        )

    def log_sms(self, activity: SmsActivity) -> str:
        logged = self.log_sms_many([activity])[0]
        if logged.error is not None:
            raise logged.error
        return logged.activity_id

    def log_sms_many(self, activities: Sequence[SmsActivity]) -> list[LoggedSms]:
        """Per 200 activities: one SOQL for the Tasks already carrying their SIDs (``SMS_SID_FIELD``,
        within the indexed ``CreatedDate`` since the earliest SMS), then one sObject Collections create
        (``composite/sobjects``, allOrNone false) of the others; each record's error translated."""
        tasks = [_sms_task(a) for a in activities]  # a malformed activity is a bug: ValueError at once
        results: list[LoggedSms] = []
        for start in range(0, len(tasks), _COLLECTION_MAX):
            chunk = activities[start : start + _COLLECTION_MAX]
            results += self._log_chunk(chunk, tasks[start : start + _COLLECTION_MAX])
        return results

    def _log_chunk(self, activities: Sequence[SmsActivity], tasks: list[dict[str, Any]]) -> list[LoggedSms]:
        label = f"salesforce:task:sms({len(tasks)})"
        try:
            with _translated(label):
                found = self._logged_tasks(activities)
        except TextloopError as exc:
            return [LoggedSms(a.log_key, error=exc) for a in activities]
        missing = list({a.log_key: i for i, a in enumerate(activities) if a.log_key not in found}.values())
        created: dict[str, LoggedSms] = {}
        if missing:
            try:
                with _translated(label):
                    answers = self._sf.restful(
                        "composite/sobjects",
                        method="POST",
                        json={"allOrNone": False, "records": [tasks[i] for i in missing]},
                    )
            except TextloopError as exc:
                return [
                    LoggedSms(a.log_key, found[a.log_key], True)
                    if a.log_key in found
                    else LoggedSms(a.log_key, error=exc)
                    for a in activities
                ]
            if not isinstance(answers, list) or len(answers) != len(missing):
                unexpected = CrmUnavailable(
                    "Salesforce answered a collection with another count", record=label
                )
                answers = [{"success": False, "error": unexpected}] * len(missing)
            for index, answer in zip(missing, answers, strict=True):
                created[activities[index].log_key] = _collection_result(activities[index], answer)
        return [
            LoggedSms(a.log_key, found[a.log_key], existing=True)
            if a.log_key in found
            else created[a.log_key]
            for a in activities
        ]

    def _logged_tasks(self, activities: Sequence[SmsActivity]) -> dict[str, str]:
        """The Tasks already logged for these SIDs (SID → Task id): one SOQL, selective on CreatedDate."""
        sids = sorted({a.log_key for a in activities if a.log_key})
        if not sids:
            return {}
        since = min(a.at for a in activities).astimezone(UTC) - _LOOKUP_MARGIN
        soql = format_soql(
            f"SELECT Id, {SMS_SID_FIELD} FROM Task WHERE {SMS_SID_FIELD} IN {{sids}}"
            " AND CreatedDate >= {since:literal}",
            sids=sids,
            since=since.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        rows = self._sf.query_all(soql).get("records") or []
        wanted = {sid.casefold(): sid for sid in sids}  # SOQL compares text case-insensitively
        return {
            wanted[str(r[SMS_SID_FIELD]).casefold()]: str(r["Id"])
            for r in rows
            if str(r.get(SMS_SID_FIELD) or "").casefold() in wanted
        }

    def find_contacts(self, phone: str) -> list[Person]:
        try:
            parsed = phonenumbers.parse(phone)
        except phonenumbers.NumberParseException:
            return []  # an alphanumeric sender or a short code: no contact has it
        term = _sosl_escape(phonenumbers.national_significant_number(parsed))
        sosl = f"FIND {{{term}}} IN PHONE FIELDS RETURNING Contact({', '.join(_CONTACT_FIELDS)}, OwnerId)"
        with _translated(f"salesforce:contact:phone={mask(phone)}"):
            found = self._sf.search(sosl) or {}
        records = found.get("searchRecords") or []
        return [p for r in records if (p := _contact_with_number(r, phone, self._default_region))]

    def create_task(self, task: OwnerTask) -> str:
        if task.crm != "salesforce":
            raise ValueError(f"not a Salesforce task: {task.crm}")
        reminder = (task.reminder or task.due).astimezone(UTC)
        fields: dict[str, Any] = {
            "Subject": task.subject[:_SUBJECT_MAX],
            "Description": task.body[:_DESCRIPTION_MAX],
            "Status": "Not Started",
            "Priority": _PRIORITIES[task.priority],
            "ActivityDate": task.due.date().isoformat(),
            "ReminderDateTime": reminder.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "IsReminderSet": True,
        }
        if task.owner_id:
            fields["OwnerId"] = task.owner_id
        if task.contact_id:
            fields["WhoId"] = task.contact_id
        if task.record is not None:
            _sobject_name(task.record)
            fields["WhatId"] = task.record.record_id
        label = task.record or f"salesforce:contact:{task.contact_id}"
        with _translated(label):
            if task.key:
                found = self._task_with_key(task.key, task.contact_id)
                if found is not None:
                    return found
                fields[SMS_SID_FIELD] = task.key
            return self._create_task(fields, label)

    def task_state(self, task_id: str) -> TaskState:
        with _translated(f"salesforce:task:{task_id}"):
            task = self._sobject("Task").get(task_id)
        if not task.get("IsClosed"):
            return TaskState(open=True)
        # CompletedDateTime (API 49.0+): when the task was saved as Completed; null on older tasks
        return TaskState(open=False, completed_at=_instant(task.get("CompletedDateTime")))

    def flag_phone(self, contact_id: str, status: PhoneStatus, note: str, key: str | None = None) -> None:
        label = f"salesforce:contact:{contact_id}"
        with _translated(label):
            self._sobject("Contact").update(contact_id, {PHONE_STATUS_FIELD: status.value})
            self._note_once(contact_id, f"SMS: number flagged {status.value}", note, key, label)

    def record_consent(
        self, contact_id: str, status: ConsentStatus, note: str, key: str | None = None
    ) -> None:
        label = f"salesforce:contact:{contact_id}"
        with _translated(label):
            self._sobject("Contact").update(contact_id, {self._fields.consent: status.value})
            self._note_once(contact_id, f"SMS consent: {status.value}", mask_in_text(note), key, label)

    def _note_once(self, contact_id: str, subject: str, note: str, key: str | None, label: str) -> None:
        """The completed Task noting *subject* on the contact; with a *key*, only when no Task on the
        contact carries it yet (``SMS_SID_FIELD``, the SMS log's key field; WhoId keeps it selective)."""
        if key and self._task_with_key(key, contact_id) is not None:
            return
        fields: dict[str, Any] = {
            "Subject": subject,
            "Description": note[:_DESCRIPTION_MAX],
            "Status": "Completed",
            "Priority": "Normal",
            "ActivityDate": datetime.now(UTC).date().isoformat(),
            "WhoId": contact_id,
        }
        if key:
            fields[SMS_SID_FIELD] = key
        self._create_task(fields, label)

    def _task_with_key(self, key: str, who: str | None) -> str | None:
        """The Task carrying *key* (``SMS_SID_FIELD``, the SMS log's key field), if one was made; the
        contact (WhoId), when known, keeps the query selective."""
        where = f"{SMS_SID_FIELD} = {{key}}" + (" AND WhoId = {who}" if who else "")
        found = self._first(format_soql(f"SELECT Id FROM Task WHERE {where} LIMIT 1", key=key, who=who))
        return str(found["Id"]) if found is not None else None

    # --- RenewalSearch -----------------------------------------------------------------

    def due_renewals(self, query: RenewalQuery) -> Iterator[DueRenewal]:
        """One SOQL, every page (``query_all_iter`` follows ``nextRecordsUrl``)."""
        sobject = _SOBJECTS.get(query.object_type)
        if sobject is None:
            raise ValueError(f"not a Salesforce opportunity, case or contract: {query.object_type}")
        soql = format_soql(
            f"SELECT Id, {query.date_field} FROM {sobject} WHERE {query.field} IN {{values}}"
            f" AND {query.date_field} >= {{start}} AND {query.date_field} <= {{end}}"
            f" ORDER BY {query.date_field} ASC",
            values=list(query.equals),
            start=query.start,
            end=query.end,
        )
        with _translated(f"salesforce:{sobject}:renewals"):
            for row in self._sf.query_all_iter(soql):
                renewal_date = _date(row.get(query.date_field))
                if renewal_date is not None:
                    yield DueRenewal(str(row["Id"]), renewal_date)

    # --- helpers -----------------------------------------------------------------------

    def _opportunity_contact(self, opportunity_id: str, role: str | None) -> dict[str, Any] | None:
        """The contact in the wanted role (a renewal's decision maker), else the primary one."""
        found = self._role("OpportunityContactRole", "OpportunityId", opportunity_id, role) if role else None
        return _with_role(found or self._role("OpportunityContactRole", "OpportunityId", opportunity_id))

    def _contract_contact(
        self,
        contract_id: str,
        data: dict[str, Any],
        related: dict[str, Any] | None,
        role: str | None,
    ) -> dict[str, Any] | None:
        """The ContractContactRole in the wanted role, else the contact who signed the contract
        (``CustomerSignedId``), else the account's primary contact (its primary AccountContactRole)."""
        found = (
            _with_role(self._role("ContractContactRole", "ContractId", contract_id, role)) if role else None
        )
        signed = (related or {}).get("CustomerSigned")
        if found is None and signed and signed.get("Id"):
            found = signed
        if found is None and data.get("AccountId"):
            found = _with_role(self._role("AccountContactRole", "AccountId", str(data["AccountId"])))
        return found

    def _role(
        self, sobject: str, parent_field: str, parent_id: str, role: str | None = None
    ) -> dict[str, Any] | None:
        """The contact in *role* on the parent record (the primary one first when several are); with no
        *role*, the primary contact role."""
        contact = ", ".join(f"Contact.{f}" for f in self._fields.soql)
        head = f"SELECT Role, {contact} FROM {sobject} WHERE {parent_field} = {{}}"
        if role is None:
            return self._first(format_soql(f"{head} AND IsPrimary = true LIMIT 1", parent_id))
        return self._first(
            format_soql(f"{head} AND Role = {{}} ORDER BY IsPrimary DESC LIMIT 1", parent_id, role)
        )

    def _recipient(self, data: dict[str, Any] | None) -> Person | None:
        person = _person(data, prefer_mobile=True)
        if person is None or data is None:
            return None
        f = self._fields
        return replace(
            person,
            sms_consent=str(data.get(f.consent) or ""),
            do_not_contact=bool(data.get(f.do_not_call)),
            time_zone=str(data.get(f.time_zone) or "") if f.time_zone else "",
            state=str(data.get(f.state) or ""),
            role=str(data.get("Role") or ""),  # the contact role's (opportunity, contract, account)
        )

    def _sobject(self, name: str) -> SFType:
        return cast(SFType, getattr(self._sf, name))

    def _create_task(self, fields: dict[str, Any], label: RecordRef | str) -> str:
        created = self._sobject("Task").create(fields)
        if not created.get("success"):
            raise CrmRejected(
                "Salesforce did not create the Task",
                record=str(label),
                errors=mask_in_text(str(created.get("errors"))),
            )
        return str(created["id"])

    def _first(self, soql: str) -> dict[str, Any] | None:
        records = self._sf.query(soql).get("records") or []
        return cast(dict[str, Any], records[0]) if records else None


def _sms_task(activity: SmsActivity) -> dict[str, Any]:
    """The completed Task logging one SMS, keyed by its Twilio SID."""
    if activity.record is None and not activity.contact_id:
        raise ValueError("an SMS activity needs a record or a contact")
    if not activity.log_key:
        raise ValueError("an SMS activity needs its Twilio SID (or its own key): it is logged once by it")
    verb = "sent" if activity.direction == "outbound" else "received"
    subject = activity.subject or f"SMS {verb}: {activity.body[:40]}"
    description = f"{activity.body}\n\n{activity.direction.capitalize()} SMS · Twilio SID {activity.sid}"
    task: dict[str, Any] = {
        "attributes": {"type": "Task"},
        "Subject": subject[:_SUBJECT_MAX],
        "Description": description[-_DESCRIPTION_MAX:],
        "Status": "Completed",
        "Priority": "Normal",
        "ActivityDate": activity.at.date().isoformat(),
        SMS_SID_FIELD: activity.log_key or None,
    }
    if activity.record is not None:
        _sobject_name(activity.record)
        task["WhatId"] = activity.record.record_id
    if activity.contact_id:
        task["WhoId"] = activity.contact_id
    if activity.owner_id:
        task["OwnerId"] = activity.owner_id
    return task


def _collection_result(activity: SmsActivity, answer: dict[str, Any]) -> LoggedSms:
    """One record's answer in an sObject Collections response, its errors translated."""
    if answer.get("success"):
        return LoggedSms(activity.log_key, str(answer["id"]))
    if isinstance(answer.get("error"), TextloopError):
        return LoggedSms(activity.log_key, error=answer["error"])
    label = str(activity.record or f"salesforce:contact:{activity.contact_id}")
    problems = [e for e in answer.get("errors") or [] if isinstance(e, dict)]
    codes = [str(e.get("statusCode")) for e in problems]
    details: dict[str, Any] = {
        "record": label,
        "codes": codes,
        "errors": mask_in_text(str([e.get("message") for e in problems])),
    }
    error: TextloopError
    if _RETRYABLE_CODES.intersection(codes):
        error = CrmUnavailable(f"Salesforce could not log the SMS now ({', '.join(codes)})", **details)
    elif _GONE_CODES.intersection(codes):
        error = RecordNotFound(f"{label} (or a record the Task links to) no longer exists", **details)
    else:
        error = CrmRejected(f"Salesforce refused the SMS Task ({', '.join(codes)})", **details)
    return LoggedSms(activity.log_key, error=error)


def _sobject_name(record: RecordRef) -> str:
    if record.crm != "salesforce" or record.object_type not in _SOBJECTS:
        raise ValueError(f"not a Salesforce opportunity, case or contract: {record}")
    return _SOBJECTS[record.object_type]


def _in_role(rows: list[dict[str, Any]], role: str | None) -> dict[str, Any] | None:
    """The row in *role* (SOQL's ``=`` on a string ignores case), a primary one first."""
    wanted = (role or "").casefold()
    matching = [r for r in rows if str(r.get("Role") or "").casefold() == wanted]
    return next((r for r in matching if r.get("IsPrimary")), matching[0] if matching else None)


def _ids(rows: dict[str, dict[str, Any]]) -> list[str]:
    return [str(row["Id"]) for row in rows.values()]


def _primary(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((r for r in rows if r.get("IsPrimary")), None)


def _with_role(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A contact role row's contact, carrying the row's ``Role``."""
    if not row or not row.get("Contact"):
        return None
    return {**row["Contact"], "Role": row.get("Role")}


def _related_value(related: dict[str, Any] | None, path: str) -> Any:
    """``Account.Seats_Used__c`` read from a SOQL row's nested relationship object."""
    relationship, _, name = path.partition(".")
    parent = (related or {}).get(relationship)
    return parent.get(name) if isinstance(parent, dict) else None


def _person(data: dict[str, Any] | None, prefer_mobile: bool) -> Person | None:
    if not data or not data.get("Id"):
        return None
    phones = (data.get("MobilePhone"), data.get("Phone")) if prefer_mobile else (data.get("Phone"),)
    return Person(
        crm_id=str(data["Id"]),
        first_name=data.get("FirstName") or "",
        last_name=data.get("LastName") or "",
        phone=next((p for p in phones if p), ""),
        email=data.get("Email") or "",
    )


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _instant(value: Any) -> datetime | None:
    """A dateTime field's value (``2026-11-30T20:50:48.000+0000``) in UTC; None when null or unreadable."""
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sosl_escape(term: str) -> str:
    """A SOSL search term with its reserved characters escaped (a backslash before each)."""
    return _SOSL_RESERVED.sub(r"\\\1", term)


def _contact_with_number(record: dict[str, Any], e164: str, region: str) -> Person | None:
    """The contact as a Person when one of its numbers really is *e164* (the search matches digits, which
    another country may share), else None. ``phone`` is the matching number as typed."""
    typed = next((record[f] for f in _CONTACT_PHONE_FIELDS if same_number(record.get(f), e164, region)), "")
    if not typed:
        return None
    return Person(
        crm_id=str(record["Id"]),
        first_name=record.get("FirstName") or "",
        last_name=record.get("LastName") or "",
        phone=typed,
        email=record.get("Email") or "",
        owner_id=record.get("OwnerId") or "",
    )


def _error_codes(exc: SalesforceError) -> list[str]:
    content: object = exc.content  # annotated bytes, but simple-salesforce stores the parsed JSON
    if isinstance(content, list):
        return [str(e.get("errorCode")) for e in content if isinstance(e, dict)]
    return []


@contextmanager
def _translated(record: RecordRef | str) -> Iterator[None]:
    """Salesforce and transport errors → domain errors (nothing vendor-specific escapes)."""
    try:
        yield
    except SalesforceLoginFailed as exc:
        details = {"record": str(record), "status": exc.status, "error": exc.error}
        if exc.retryable:
            raise CrmUnavailable(f"Salesforce login answered {exc.status}", **details) from None
        raise CrmAuthFailed(
            f"Salesforce refused Textloop's credentials ({exc.error}: {exc.description})", **details
        ) from None
    except SalesforceResourceNotFound:
        raise RecordNotFound(f"{record} does not exist in Salesforce", record=str(record)) from None
    except SalesforceExpiredSession:
        raise CrmUnavailable(
            "Salesforce session expired or invalid", record=str(record), status=401
        ) from None
    except SalesforceError as exc:
        codes = _error_codes(exc)
        details = {"record": str(record), "status": exc.status, "codes": codes}
        if "REQUEST_LIMIT_EXCEEDED" in codes:  # the org's daily API limit is spent: wait, do not spin
            wait = REQUEST_LIMIT_RETRY_AFTER
            raise CrmUnavailable(f"Salesforce answered {exc.status}", retry_after=wait, **details) from None
        if exc.status >= 500 or exc.status == 429 or _RETRYABLE_CODES.intersection(codes):
            raise CrmUnavailable(f"Salesforce answered {exc.status}", **details) from None
        raise CrmRejected(
            f"Salesforce refused the request ({exc.status} {', '.join(codes)})", **details
        ) from None
    except requests.RequestException as exc:
        raise CrmUnavailable(f"Salesforce unreachable: {type(exc).__name__}", record=str(record)) from None
