"""CrmGateway for HubSpot through hubspot-api-client (CRM v3).

Reads: the deal or ticket with its contact associations, the first associated contact, the owner.
Contacts by phone: a CRM search on the searchable national numbers HubSpot calculates from ``phone`` and
``mobilephone`` (so formatting does not matter), checked again number by number.
Writes: the SMS as a Communication (channel SMS) associated to the contact and to the deal or ticket;
follow-ups as tasks; a flagged number as the contact's ``textloop_phone_status`` plus a completed task.
Vendor errors never leave this module. Authentication: each call carries the current token of a
``HubSpotAuth`` (hubspot_auth.py: a static token, or OAuth refreshed before expiry); a 401 renews it once
and the call is made once more.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import phonenumbers
import urllib3
from hubspot import HubSpot
from hubspot.crm.associations.v4 import ApiException as AssociationsApiException
from hubspot.crm.associations.v4 import (
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.contacts import BatchReadInputSimplePublicObjectId as ContactsBatchRead
from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest, SimplePublicObjectInput
from hubspot.crm.contacts import SimplePublicObjectId as ContactId
from hubspot.crm.deals import ApiException as DealsApiException
from hubspot.crm.deals import BatchReadInputSimplePublicObjectId as RecordsBatchRead
from hubspot.crm.deals import Filter as DealFilter
from hubspot.crm.deals import FilterGroup as DealFilterGroup
from hubspot.crm.deals import PublicObjectSearchRequest as DealSearchRequest
from hubspot.crm.deals import SimplePublicObjectId as RecordId
from hubspot.crm.objects.communications import (
    ApiException as CommunicationsApiException,
)
from hubspot.crm.objects.communications import (
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInputForCreate,
    PublicAssociationsForObject,
    PublicObjectId,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.objects.communications import Filter as CommunicationFilter
from hubspot.crm.objects.communications import FilterGroup as CommunicationFilterGroup
from hubspot.crm.objects.communications import PublicObjectSearchRequest as CommunicationSearchRequest
from hubspot.crm.objects.meetings import ApiException as MeetingsApiException
from hubspot.crm.objects.tasks import ApiException as TasksApiException
from hubspot.crm.objects.tasks import AssociationSpec as TaskAssociationSpec
from hubspot.crm.objects.tasks import Filter as TaskFilter
from hubspot.crm.objects.tasks import FilterGroup as TaskFilterGroup
from hubspot.crm.objects.tasks import PublicAssociationsForObject as TaskAssociation
from hubspot.crm.objects.tasks import PublicObjectId as TaskObjectId
from hubspot.crm.objects.tasks import PublicObjectSearchRequest as TaskSearchRequest
from hubspot.crm.objects.tasks import SimplePublicObjectInputForCreate as TaskInput
from hubspot.crm.owners import ApiException as OwnersApiException
from hubspot.crm.tickets import ApiException as TicketsApiException

from textloop.adapters.hubspot_auth import HubSpotAuth, HubSpotCredentials, HubSpotLoginFailed
from textloop.adapters.limits import retry_after_header
from textloop.adapters.prefetched import BATCH_LIMIT, PrefetchedContexts, bulk_reads, chunks
from textloop.config import Renewable
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
from textloop.domain.pipeline import MeetingLinks
from textloop.domain.ports import DueRenewal, LoggedSms, RenewalQuery

TIMEOUT = (3.05, 10.0)  # (connect, read) seconds
TEN_SECONDS = 10.0  # HubSpot's rolling burst window (TEN_SECONDLY_ROLLING), when a 429 does not name it
DAILY_LIMIT_RETRY_AFTER = 900.0  # seconds a message waits once the portal's daily limit is spent
# urllib3's default (the SDK's) sleeps a 429/503's Retry-After inside the Lambda and tries 3 times: the
# same connection retries, but a rate limit is answered at once (the queue message waits instead).
NO_SLEEP_ON_RETRY_AFTER = urllib3.util.Retry(total=3, respect_retry_after_header=False)
_CONTACT_PROPERTIES = ["firstname", "lastname", "mobilephone", "phone", "email"]
_CONTACT_PHONE_PROPERTIES = ("mobilephone", "phone")  # in order of preference
# The national numbers HubSpot calculates from phone and mobilephone, whatever their formatting.
_SEARCHABLE_PHONE_PROPERTIES = (
    "hs_searchable_calculated_mobile_number",
    "hs_searchable_calculated_phone_number",
)
_SEARCH_PAGE = 100
_SEARCH_INTERVAL = 0.2  # seconds between two search pages (HubSpot: 5 search requests/s)
PHONE_STATUS_PROPERTY = "textloop_phone_status"  # custom enumeration: wrong_person, unreachable, landline
SMS_SID_PROPERTY = "textloop_message_sid"  # custom communication + task property: the idempotency key
_LOG_BATCH = 100  # inputs per communications batch create, SIDs per search (HubSpot's limits)
# HUBSPOT_DEFINED association type ids, from a communication to ...
COMMUNICATION_TO_CONTACT = 81
COMMUNICATION_TO_DEAL = 85
COMMUNICATION_TO_TICKET = 83
_TO_RECORD = {"deal": COMMUNICATION_TO_DEAL, "ticket": COMMUNICATION_TO_TICKET}
# ... and from a task to ...
TASK_TO_CONTACT = 204
TASK_TO_DEAL = 216
TASK_TO_TICKET = 230
_TASK_TO_RECORD = {"deal": TASK_TO_DEAL, "ticket": TASK_TO_TICKET}
_MEETING_LINKS = ("deals", "contacts", "companies")  # a meeting's associations the outcomes are credited by
_PRIORITIES = {TaskPriority.HIGH: "HIGH", TaskPriority.NORMAL: "MEDIUM", TaskPriority.LOW: "LOW"}
_API_ERRORS = (
    AssociationsApiException,
    DealsApiException,
    TicketsApiException,
    ContactsApiException,
    OwnersApiException,
    CommunicationsApiException,
    TasksApiException,
    MeetingsApiException,
)


@dataclass(frozen=True, slots=True)
class ContactProperties:
    """The contact properties Textloop reads for consent and timing (settings)."""

    consent: str = "textloop_sms_consent"  # enumeration: opted_in, opted_out, unknown
    time_zone: str = "hs_timezone"  # HubSpot's own, values such as america_slash_new_york
    state: str = "state"
    role: str = "hs_buying_role"  # HubSpot's buying role (BUDGET_HOLDER, END_USER...): contact.role in rules

    @property
    def read(self) -> list[str]:
        own = (self.consent, self.time_zone, self.state, self.role)
        return [*_CONTACT_PROPERTIES, *(p for p in own if p)]


class HubSpotGateway:
    def __init__(
        self,
        client: HubSpot,
        timeout: tuple[float, float] = TIMEOUT,
        default_region: str = "US",
        contact_properties: ContactProperties | None = None,
        auth: HubSpotAuth | None = None,
    ) -> None:
        self._props = contact_properties or ContactProperties()
        self._prefetched = PrefetchedContexts()  # one dispatcher batch's contexts (``prefetch``)

        def api(sdk_api: Any) -> Any:
            return sdk_api if auth is None else _Authenticated(sdk_api, auth)

        # Each SDK API object owns a connection pool: build them once, reuse them for every call.
        self._records = {"deal": api(client.crm.deals.basic_api), "ticket": api(client.crm.tickets.basic_api)}
        self._contacts = api(client.crm.contacts.basic_api)
        self._contact_search = api(client.crm.contacts.search_api)
        self._record_search = {
            "deal": api(client.crm.deals.search_api),
            "ticket": api(client.crm.tickets.search_api),
        }
        self._associations = api(client.crm.associations.v4.basic_api)
        self._record_batches = {
            "deal": api(client.crm.deals.batch_api),
            "ticket": api(client.crm.tickets.batch_api),
        }
        self._contact_batches = api(client.crm.contacts.batch_api)
        self._association_batches = api(client.crm.associations.v4.batch_api)
        self._tasks = api(client.crm.objects.tasks.basic_api)
        self._task_search = api(client.crm.objects.tasks.search_api)  # keyed notes: consent, flags
        self._owners = api(client.crm.owners.owners_api)
        self._communications = api(client.crm.objects.communications.basic_api)
        self._communication_batch = api(client.crm.objects.communications.batch_api)
        self._communication_search = api(client.crm.objects.communications.search_api)
        self._meetings = api(client.crm.objects.meetings.basic_api)
        self._timeout = timeout
        self._default_region = default_region  # the country of a number typed without a country code

    @classmethod
    def connect(
        cls,
        access_token: str,
        base_url: str = "https://api.hubapi.com",
        timeout: tuple[float, float] = TIMEOUT,
        default_region: str = "US",
        contact_properties: ContactProperties | None = None,
    ) -> HubSpotGateway:
        client = HubSpot(access_token=access_token, host=base_url.rstrip("/"), retry=NO_SLEEP_ON_RETRY_AFTER)
        return cls(client, timeout, default_region, contact_properties)

    @classmethod
    def with_credentials(
        cls,
        credentials: Renewable[HubSpotCredentials],
        base_url: str = "https://api.hubapi.com",
        timeout: tuple[float, float] = TIMEOUT,
        default_region: str = "US",
        contact_properties: ContactProperties | None = None,
        auth: HubSpotAuth | None = None,
    ) -> HubSpotGateway:
        """Tokens from *credentials* (the secret: a static token, or OAuth with a refresh token)."""
        auth = auth or HubSpotAuth(credentials, base_url, timeout=timeout)
        client = HubSpot(host=base_url.rstrip("/"), retry=NO_SLEEP_ON_RETRY_AFTER)
        return cls(client, timeout, default_region, contact_properties, auth)

    # --- CrmGateway --------------------------------------------------------------------

    def load_context(
        self, record: RecordRef, fields: Sequence[str], recipient_role: str | None = None
    ) -> MessageContext:
        prefetched = self._prefetched.take(record, fields, recipient_role)
        if prefetched is not None:
            return prefetched
        api = _record_api(self._records, record)
        with _translated(record):
            obj = api.get_by_id(
                record.record_id,
                properties=list(dict.fromkeys([*fields, "hubspot_owner_id"])),
                associations=["contacts", "companies"],
                _request_timeout=self._timeout,
            )
            properties: dict[str, Any] = obj.properties or {}
            # the contact with the wanted association label (a renewal's decision maker), else the first
            labelled = self._labelled_contact(record, recipient_role) if recipient_role else None
            contact_id = labelled or _first_contact(obj.associations)
            recipient = self._contact(contact_id) if contact_id else None
            owner_id = properties.get("hubspot_owner_id")
            owner = self._owner(owner_id) if owner_id else None
        return MessageContext(
            record=record,
            fields={name: properties.get(name) for name in fields},
            recipient=recipient,
            owner=owner,
            account_id=_first_company(obj.associations) or "",  # the outcomes' account
        )

    def prefetch(
        self, records: Sequence[RecordRef], fields: Sequence[str], recipient_role: str | None = None
    ) -> int:
        """Per object type and 100 ids: one batch read of the records (the fields and the owner id), two v4
        association batch reads (to contacts, with their labels, and to companies), one batch read of the
        recipients and the owners (one read, or the owners list when there are several)."""
        self._prefetched.begin()

        def object_type(record: RecordRef) -> str:
            _record_api(self._records, record)  # a deal or a ticket
            return record.object_type

        for kind, refs in bulk_reads(records, object_type, BATCH_LIMIT["hubspot"]):
            with _translated(f"hubspot:{kind}:prefetch({len(refs)})"):
                self._prefetch_chunk(kind, refs, fields, recipient_role)
        return len(self._prefetched)

    def _prefetch_chunk(
        self, object_type: str, refs: dict[str, RecordRef], fields: Sequence[str], role: str | None
    ) -> None:
        read = self._record_batches[object_type].read(
            RecordsBatchRead(
                inputs=[RecordId(id=i) for i in refs],
                properties=list(dict.fromkeys([*fields, "hubspot_owner_id"])),
                properties_with_history=[],
            ),
            _request_timeout=self._timeout,
        )
        found = {str(o.id): o for o in read.results or [] if str(o.id) in refs}  # the others: gone
        if not found:
            return
        contacts_of = self._associated(f"{object_type}s", "contacts", list(found))
        companies_of = self._associated(f"{object_type}s", "companies", list(found))
        chosen: dict[str, str | None] = {}
        for record_id in found:
            links, complete = contacts_of.get(record_id, ([], True))
            labelled = _labelled(links, role) if role else None
            if role and labelled is None and not complete:
                continue  # the label may be on a later page: this record is read on its own
            chosen[record_id] = labelled or (str(links[0].to_object_id) if links else None)
        people = self._contacts_by_id([c for c in chosen.values() if c])
        owners = self._owners_by_id(
            [str((found[i].properties or {}).get("hubspot_owner_id") or "") for i in chosen]
        )
        for record_id, contact_id in chosen.items():
            if contact_id and contact_id not in people:
                continue  # deleted since it was associated, or not read: read on its own
            properties: dict[str, Any] = found[record_id].properties or {}
            companies, _ = companies_of.get(record_id, ([], True))
            context = MessageContext(
                record=refs[record_id],
                fields={name: properties.get(name) for name in fields},
                recipient=people[contact_id] if contact_id else None,
                owner=owners.get(str(properties.get("hubspot_owner_id") or "")),
                account_id=str(companies[0].to_object_id) if companies else "",
            )
            self._prefetched.put(context, fields, role)

    def _associated(self, from_type: str, to_type: str, ids: list[str]) -> dict[str, tuple[list[Any], bool]]:
        """v4 association batch read: record id → (its associations, whether that is all of them). A record
        without any is in the answer's errors (207), not in its results."""
        answer = self._association_batches.get_page(
            from_type,
            to_type,
            BatchInputPublicFetchAssociationsBatchRequest(
                inputs=[PublicFetchAssociationsBatchRequest(id=i) for i in ids]
            ),
            _request_timeout=self._timeout,
        )
        return {
            str(result._from.id): (
                list(result.to or []),
                result.paging is None or result.paging.next is None,
            )
            for result in answer.results or []
        }

    def _contacts_by_id(self, ids: list[str]) -> dict[str, Person]:
        """One batch read of up to 100 contacts (the dispatcher's batch never holds more records)."""
        people: dict[str, Person] = {}
        for chunk in chunks(ids, BATCH_LIMIT["hubspot"]):
            read = self._contact_batches.read(
                ContactsBatchRead(
                    inputs=[ContactId(id=i) for i in chunk],
                    properties=self._props.read,
                    properties_with_history=[],
                ),
                _request_timeout=self._timeout,
            )
            people |= {str(c.id): self._person(c) for c in read.results or []}
        return people

    def _owners_by_id(self, ids: list[str]) -> dict[str, Person]:
        """The owners among *ids*: one read for one owner, else the active owners' list (HubSpot has no
        owners batch read). An owner not found (deactivated) is not in the answer: no owner."""
        wanted = {i for i in ids if i.isdigit()}
        if len(wanted) <= 1:
            return {i: p for i in wanted if (p := self._owner(i)) is not None}
        owners: dict[str, Person] = {}
        after: str | None = None
        while True:
            page = self._owners.get_page(
                limit=500, after=after, archived=False, _request_timeout=self._timeout
            )
            owners |= {str(o.id): _owner_person(o) for o in page.results or [] if str(o.id) in wanted}
            following = page.paging.next if page.paging is not None else None
            if following is None or not following.after or wanted <= owners.keys():
                return owners
            after = following.after

    def log_sms(self, activity: SmsActivity) -> str:
        logged = self.log_sms_many([activity])[0]
        if logged.error is not None:
            raise logged.error
        return logged.activity_id

    def log_sms_many(self, activities: Sequence[SmsActivity]) -> list[LoggedSms]:
        """Per 100 activities: one communications search for those already carrying their SIDs
        (``SMS_SID_PROPERTY``, operator IN), then one batch create of the others. HubSpot refuses a
        whole batch for one invalid input (a deal deleted since): then each is created alone, so only
        that one fails."""
        inputs = [_sms_communication(a) for a in activities]  # a malformed activity is a bug: ValueError
        results: list[LoggedSms] = []
        for start in range(0, len(inputs), _LOG_BATCH):
            chunk = activities[start : start + _LOG_BATCH]
            results += self._log_chunk(chunk, inputs[start : start + _LOG_BATCH])
        return results

    def _log_chunk(self, activities: Sequence[SmsActivity], inputs: list[Any]) -> list[LoggedSms]:
        label = f"hubspot:communication:sms({len(inputs)})"
        try:
            with _translated(label):
                found = self._logged_communications(activities)
        except TextloopError as exc:
            return [LoggedSms(a.log_key, error=exc) for a in activities]
        missing = list({a.log_key: i for i, a in enumerate(activities) if a.log_key not in found}.values())
        created: dict[str, LoggedSms] = {}
        if len(missing) > 1:
            try:
                with _translated(label):
                    answer = self._communication_batch.create(
                        BatchInputSimplePublicObjectBatchInputForCreate(inputs=[inputs[i] for i in missing]),
                        _request_timeout=self._timeout,
                    )
                by_sid = {
                    str((r.properties or {}).get(SMS_SID_PROPERTY) or ""): str(r.id) for r in answer.results
                }
                created = {
                    activities[i].log_key: LoggedSms(activities[i].log_key, by_sid[activities[i].log_key])
                    for i in missing
                    if activities[i].log_key in by_sid
                }
            except CrmUnavailable as exc:
                created = {
                    activities[i].log_key: LoggedSms(activities[i].log_key, error=exc) for i in missing
                }
            except TextloopError:
                pass  # refused as a whole for one input: each is created alone below
        for index in missing:
            if activities[index].log_key not in created:
                created[activities[index].log_key] = self._create_one(activities[index], inputs[index])
        return [
            LoggedSms(a.log_key, found[a.log_key], existing=True)
            if a.log_key in found
            else created[a.log_key]
            for a in activities
        ]

    def _create_one(self, activity: SmsActivity, communication: Any) -> LoggedSms:
        try:
            with _translated(activity.record or f"hubspot:contact:{activity.contact_id}"):
                created = self._communications.create(
                    SimplePublicObjectInputForCreate(
                        properties=communication.properties, associations=communication.associations
                    ),
                    _request_timeout=self._timeout,
                )
        except TextloopError as exc:
            return LoggedSms(activity.log_key, error=exc)
        return LoggedSms(activity.log_key, str(created.id))

    def _logged_communications(self, activities: Sequence[SmsActivity]) -> dict[str, str]:
        """The communications already logged for these SIDs (SID → id): one search (IN, every page)."""
        sids = sorted({a.log_key for a in activities if a.log_key})
        if not sids:
            return {}
        request = CommunicationSearchRequest(
            filter_groups=[
                CommunicationFilterGroup(
                    filters=[CommunicationFilter(property_name=SMS_SID_PROPERTY, operator="IN", values=sids)]
                )
            ],
            properties=[SMS_SID_PROPERTY],
            limit=_LOG_BATCH,
        )
        wanted = {sid.casefold(): sid for sid in sids}  # HubSpot's search compares text case-insensitively
        found: dict[str, str] = {}
        while True:
            page = self._communication_search.do_search(
                public_object_search_request=request, _request_timeout=self._timeout
            )
            for obj in page.results or []:
                sid = wanted.get(str((obj.properties or {}).get(SMS_SID_PROPERTY) or "").casefold())
                if sid is not None:
                    found.setdefault(sid, str(obj.id))
            following = page.paging.next if page.paging is not None else None
            if following is None or not following.after:
                return found
            request.after = following.after

    def find_contacts(self, phone: str) -> list[Person]:
        try:
            parsed = phonenumbers.parse(phone)
        except phonenumbers.NumberParseException:
            return []  # an alphanumeric sender or a short code: no contact has it
        national = phonenumbers.national_significant_number(parsed)
        request = PublicObjectSearchRequest(
            filter_groups=[  # groups are ORed: either number
                FilterGroup(filters=[Filter(property_name=name, operator="EQ", value=national)])
                for name in _SEARCHABLE_PHONE_PROPERTIES
            ],
            properties=[*_CONTACT_PROPERTIES, "hubspot_owner_id"],
            limit=_SEARCH_PAGE,
        )
        people: list[Person] = []
        with _translated(f"hubspot:contact:phone={mask(phone)}"):
            while True:
                page = self._contact_search.do_search(request, _request_timeout=self._timeout)
                people += [
                    p for c in page.results if (p := _contact_with_number(c, phone, self._default_region))
                ]
                if page.paging is None or page.paging.next is None:
                    return people
                request.after = page.paging.next.after

    def create_task(self, task: OwnerTask) -> str:
        if task.crm != "hubspot":
            raise ValueError(f"not a HubSpot task: {task.crm}")
        properties = {
            "hs_task_subject": task.subject,
            "hs_task_body": task.body,
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": _PRIORITIES[task.priority],
            "hs_task_type": "TODO",
            "hs_timestamp": _timestamp(task.due),
            "hs_task_reminders": str(int((task.reminder or task.due).timestamp() * 1000)),
        }
        if task.owner_id:
            properties["hubspot_owner_id"] = task.owner_id
        associations = []
        if task.contact_id:
            associations.append(_task_association(task.contact_id, TASK_TO_CONTACT))
        if task.record is not None:
            if task.record.crm != "hubspot" or task.record.object_type not in _TASK_TO_RECORD:
                raise ValueError(f"not a HubSpot deal or ticket: {task.record}")
            associations.append(
                _task_association(task.record.record_id, _TASK_TO_RECORD[task.record.object_type])
            )
        with _translated(task.record or f"hubspot:contact:{task.contact_id}"):
            if task.key:
                found = self._task_with_key(task.key)
                if found is not None:
                    return found
                properties[SMS_SID_PROPERTY] = task.key
            created = self._tasks.create(
                TaskInput(properties=properties, associations=associations), _request_timeout=self._timeout
            )
        return str(created.id)

    def task_state(self, task_id: str) -> TaskState:
        with _translated(f"hubspot:task:{task_id}"):
            task = self._tasks.get_by_id(
                task_id, properties=list(_TASK_STATE_PROPERTIES), _request_timeout=self._timeout
            )
        properties = task.properties or {}
        if properties.get("hs_task_status") != "COMPLETED":
            return TaskState(open=True)
        # hs_task_completion_date when the portal has it; else the last change, which completed it
        completed = properties.get("hs_task_completion_date") or properties.get("hs_lastmodifieddate")
        return TaskState(open=False, completed_at=_instant(completed))

    def flag_phone(self, contact_id: str, status: PhoneStatus, note: str, key: str | None = None) -> None:
        with _translated(f"hubspot:contact:{contact_id}"):
            self._contacts.update(
                contact_id,
                SimplePublicObjectInput(properties={PHONE_STATUS_PROPERTY: status.value}),
                _request_timeout=self._timeout,
            )
            self._note_once(contact_id, f"SMS: number flagged {status.value}", note, key)

    def record_consent(
        self, contact_id: str, status: ConsentStatus, note: str, key: str | None = None
    ) -> None:
        with _translated(f"hubspot:contact:{contact_id}"):
            self._contacts.update(
                contact_id,
                SimplePublicObjectInput(properties={self._props.consent: status.value}),
                _request_timeout=self._timeout,
            )
            self._note_once(contact_id, f"SMS consent: {status.value}", mask_in_text(note), key)

    def _task_with_key(self, key: str) -> str | None:
        """The task carrying *key* (``SMS_SID_PROPERTY`` on tasks, searched like the SMS log's
        communications), if one was made."""
        request = TaskSearchRequest(
            filter_groups=[
                TaskFilterGroup(
                    filters=[TaskFilter(property_name=SMS_SID_PROPERTY, operator="EQ", value=key)]
                )
            ],
            properties=[SMS_SID_PROPERTY],
            limit=1,
        )
        page = self._task_search.do_search(
            public_object_search_request=request, _request_timeout=self._timeout
        )
        return str(page.results[0].id) if page.results else None

    def _note_once(self, contact_id: str, subject: str, note: str, key: str | None) -> None:
        """The completed task noting *subject* on the contact; with a *key*, only when no task carries
        it yet (``SMS_SID_PROPERTY`` on tasks, searched like the SMS log's communications)."""
        properties = {
            "hs_task_subject": subject,
            "hs_task_body": note,
            "hs_task_status": "COMPLETED",
            "hs_task_type": "TODO",
            "hs_timestamp": _timestamp(datetime.now(UTC)),
        }
        if key:
            if self._task_with_key(key) is not None:
                return
            properties[SMS_SID_PROPERTY] = key
        self._tasks.create(
            TaskInput(properties=properties, associations=[_task_association(contact_id, TASK_TO_CONTACT)]),
            _request_timeout=self._timeout,
        )

    # --- RenewalSearch -----------------------------------------------------------------

    def due_renewals(self, query: RenewalQuery) -> Iterator[DueRenewal]:
        """One CRM search, paged with ``after``; at most one page request per ``_SEARCH_INTERVAL``
        (the search endpoints' own rate limit is a few requests per second per portal)."""
        search = _object_api(self._record_search, query.object_type)
        request = DealSearchRequest(
            filter_groups=[
                DealFilterGroup(
                    filters=[
                        DealFilter(property_name=query.field, operator="IN", values=list(query.equals)),
                        DealFilter(
                            property_name=query.date_field, operator="GTE", value=_day_ms(query.start)
                        ),
                        DealFilter(property_name=query.date_field, operator="LTE", value=_day_ms(query.end)),
                    ]
                )
            ],
            properties=[query.date_field],
            sorts=[query.date_field],
            limit=_SEARCH_PAGE,
        )
        with _translated(f"hubspot:{query.object_type}:renewals"):
            while True:
                page = search.do_search(public_object_search_request=request, _request_timeout=self._timeout)
                for obj in page.results or []:
                    renewal_date = _date((obj.properties or {}).get(query.date_field))
                    if renewal_date is not None:
                        yield DueRenewal(str(obj.id), renewal_date)
                following = page.paging.next if page.paging is not None else None
                if following is None or not following.after:
                    return
                request.after = following.after
                time.sleep(_SEARCH_INTERVAL)

    # --- helpers -----------------------------------------------------------------------

    # --- MeetingReader (the outcome recorder) -----------------------------------------------

    def meeting_links(self, meeting_id: str) -> MeetingLinks:
        """The meeting's deals, contacts and companies (CRM v3 read with its associations)."""
        with _translated(f"hubspot:meeting:{meeting_id}"):
            meeting = self._meetings.get_by_id(
                meeting_id,
                associations=list(_MEETING_LINKS),
                _request_timeout=self._timeout,
            )
        found = meeting.associations or {}
        ids = {
            name: tuple(dict.fromkeys(str(a.id) for a in found[name].results)) if found.get(name) else ()
            for name in _MEETING_LINKS
        }
        return MeetingLinks(deals=ids["deals"], contacts=ids["contacts"], companies=ids["companies"])

    def _labelled_contact(self, record: RecordRef, label: str) -> str | None:
        """The first contact associated to the record with *label* (v4 associations), None if none is."""
        page = self._associations.get_page(
            f"{record.object_type}s", record.record_id, "contacts", limit=500, _request_timeout=self._timeout
        )
        wanted = label.casefold()
        for result in page.results or []:
            if any((t.label or "").casefold() == wanted for t in result.association_types or []):
                return str(result.to_object_id)
        return None

    def _contact(self, contact_id: str) -> Person | None:
        try:
            contact = self._contacts.get_by_id(
                contact_id, properties=self._props.read, _request_timeout=self._timeout
            )
        except ContactsApiException as exc:
            if exc.status == 404:  # an association to a contact deleted since: no recipient
                return None
            raise
        return self._person(contact)

    def _person(self, contact: Any) -> Person:
        values: dict[str, Any] = contact.properties or {}
        return Person(
            crm_id=str(contact.id),
            first_name=values.get("firstname") or "",
            last_name=values.get("lastname") or "",
            phone=values.get("mobilephone") or values.get("phone") or "",
            email=values.get("email") or "",
            sms_consent=str(values.get(self._props.consent) or ""),
            time_zone=iana_zone(str(values.get(self._props.time_zone) or ""))
            if self._props.time_zone
            else "",
            state=str(values.get(self._props.state) or ""),
            role=str(values.get(self._props.role) or "") if self._props.role else "",
        )

    def _owner(self, owner_id: str) -> Person | None:
        if not owner_id.isdigit():
            return None
        try:
            owner = self._owners.get_by_id(int(owner_id), _request_timeout=self._timeout)
        except OwnersApiException as exc:
            if exc.status == 404:  # a deactivated owner: the message goes out without one
                return None
            raise
        return _owner_person(owner)


def _owner_person(owner: Any) -> Person:
    return Person(
        crm_id=str(owner.id),
        first_name=owner.first_name or "",
        last_name=owner.last_name or "",
        email=owner.email or "",
    )


def _labelled(links: list[Any], label: str | None) -> str | None:
    """The first associated id with the association label *label* (case ignored), None if none has it."""
    wanted = (label or "").casefold()
    for link in links:
        if any((t.label or "").casefold() == wanted for t in link.association_types or []):
            return str(link.to_object_id)
    return None


def _sms_communication(activity: SmsActivity) -> Any:
    """The SMS communication logging one SMS (batch create input), keyed by its Twilio SID."""
    if activity.record is None and not activity.contact_id:
        raise ValueError("an SMS activity needs a record or a contact")
    if not activity.log_key:
        raise ValueError("an SMS activity needs its Twilio SID (or its own key): it is logged once by it")
    body = f"{activity.body}\n\n{activity.direction.capitalize()} SMS · Twilio SID {activity.sid}"
    properties = {
        "hs_communication_channel_type": "SMS",
        "hs_communication_logged_from": "CRM",
        "hs_communication_body": body,
        "hs_timestamp": _timestamp(activity.at),
    }
    if activity.log_key:
        properties[SMS_SID_PROPERTY] = activity.log_key
    if activity.owner_id:
        properties["hubspot_owner_id"] = activity.owner_id
    associations = []
    if activity.contact_id:
        associations.append(_association(activity.contact_id, COMMUNICATION_TO_CONTACT))
    if activity.record is not None:
        type_id = _record_type_id(activity.record)
        associations.append(_association(activity.record.record_id, type_id))
    return SimplePublicObjectBatchInputForCreate(properties=properties, associations=associations)


def _day_ms(day: date) -> str:
    """A date as HubSpot filters date properties: midnight UTC in epoch milliseconds."""
    return str(int(datetime.combine(day, datetime.min.time(), UTC).timestamp() * 1000))


_TASK_STATE_PROPERTIES = ("hs_task_status", "hs_task_completion_date", "hs_lastmodifieddate")


def _instant(value: Any) -> datetime | None:
    """A datetime property's value (an ISO timestamp or epoch milliseconds) in UTC; None when blank
    or unreadable."""
    text = str(value or "").strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    """A date property's value (``2026-06-01``, an ISO timestamp or epoch milliseconds) as a date."""
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC).date()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def iana_zone(value: str) -> str:
    """HubSpot's ``hs_timezone`` (``america_slash_port_hyphen_au_hyphen_prince``) as the IANA name
    (``America/Port-au-Prince``), matched against the zones this runtime knows; a value that is no
    zone is passed on as it is (the send-time policy ignores what does not load)."""
    spelled = value.replace("_slash_", "/").replace("_hyphen_", "-").strip()
    return _zones_by_lower_name().get(spelled.lower(), spelled)


@lru_cache(maxsize=1)
def _zones_by_lower_name() -> dict[str, str]:
    import zoneinfo

    return {name.lower(): name for name in zoneinfo.available_timezones()}


def _record_api(apis: dict[str, Any], record: RecordRef) -> Any:
    if record.crm != "hubspot" or record.object_type not in apis:
        raise ValueError(f"not a HubSpot deal or ticket: {record}")
    return apis[record.object_type]


def _object_api(apis: dict[str, Any], object_type: str) -> Any:
    if object_type not in apis:
        raise ValueError(f"not a HubSpot deal or ticket: {object_type}")
    return apis[object_type]


def _record_type_id(record: RecordRef) -> int:
    if record.crm != "hubspot" or record.object_type not in _TO_RECORD:
        raise ValueError(f"not a HubSpot deal or ticket: {record}")
    return _TO_RECORD[record.object_type]


def _association(object_id: str, type_id: int) -> Any:
    return PublicAssociationsForObject(
        to=PublicObjectId(id=object_id),
        types=[AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id)],
    )


def _task_association(object_id: str, type_id: int) -> Any:
    return TaskAssociation(
        to=TaskObjectId(id=object_id),
        types=[TaskAssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id)],
    )


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _contact_with_number(contact: Any, e164: str, region: str) -> Person | None:
    """The contact as a Person when one of its numbers really is *e164* (the search matched national digits,
    which another country may share), else None. ``phone`` is the matching number as typed."""
    values: dict[str, Any] = contact.properties or {}
    typed = next(
        (values[name] for name in _CONTACT_PHONE_PROPERTIES if same_number(values.get(name), e164, region)),
        "",
    )
    if not typed:
        return None
    return Person(
        crm_id=str(contact.id),
        first_name=values.get("firstname") or "",
        last_name=values.get("lastname") or "",
        phone=typed,
        email=values.get("email") or "",
        owner_id=values.get("hubspot_owner_id") or "",
    )


def _first_company(associations: dict[str, Any] | None) -> str | None:
    companies = (associations or {}).get("companies")
    results = companies.results if companies is not None else []
    return str(results[0].id) if results else None


def _first_contact(associations: dict[str, Any] | None) -> str | None:
    contacts = (associations or {}).get("contacts")
    results = contacts.results if contacts is not None else []
    return str(results[0].id) if results else None


class _Authenticated:
    """An SDK API object whose calls carry the current token; a 401 renews it and the call is made once more."""

    def __init__(self, api: Any, auth: HubSpotAuth) -> None:
        self._api = api
        self._auth = auth

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._api, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._call(method, args, kwargs)

        return call

    def _call(self, method: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        configuration = self._api.api_client.configuration
        token = configuration.access_token = self._auth.token()
        try:
            return method(*args, **kwargs)
        except _API_ERRORS as exc:
            if exc.status != 401:
                raise
            renewed = self._auth.renew(token)
            if renewed == token:
                raise
        configuration.access_token = renewed
        return method(*args, **kwargs)


@contextmanager
def _translated(record: RecordRef | str) -> Iterator[None]:
    """HubSpot and transport errors → domain errors (nothing vendor-specific escapes)."""
    try:
        yield
    except HubSpotLoginFailed as exc:
        details = {"record": str(record), "status": exc.status, "error": exc.error}
        if exc.retryable:
            raise CrmUnavailable(f"HubSpot token endpoint answered {exc.status}", **details) from None
        raise CrmAuthFailed(
            f"HubSpot refused Textloop's credentials ({exc.error}: {exc.message})", **details
        ) from None
    except _API_ERRORS as exc:
        status = int(exc.status or 0)
        if status == 404:
            raise RecordNotFound(
                f"{record} (or a record it links to) does not exist in HubSpot", record=str(record)
            ) from None
        if status == 429:  # a rate limit: wait for its window (the ten-second one, or the daily one)
            policy, wait = _rate_limited(exc)
            raise CrmUnavailable(
                f"HubSpot answered 429 ({policy})",
                record=str(record),
                status=status,
                policy=policy,
                retry_after=wait,
            ) from None
        if status in (0, 401) or status >= 500:
            raise CrmUnavailable(
                f"HubSpot answered {status or 'nothing'}", record=str(record), status=status
            ) from None
        raise CrmRejected(
            f"HubSpot refused the request ({status})", record=str(record), status=status
        ) from None
    except urllib3.exceptions.HTTPError as exc:
        raise CrmUnavailable(f"HubSpot unreachable: {type(exc).__name__}", record=str(record)) from None


def _rate_limited(exc: Any) -> tuple[str, float]:
    """HubSpot's 429: which limit (``policyName``: TEN_SECONDLY_ROLLING, SECONDLY, DAILY) and how long to
    wait — ``Retry-After`` when sent, else the window ``X-HubSpot-RateLimit-Interval-Milliseconds`` names
    (ten seconds by default); the daily limit waits ``DAILY_LIMIT_RETRY_AFTER``."""
    headers = {str(k).lower(): str(v) for k, v in dict(getattr(exc, "headers", None) or {}).items()}
    try:
        body = json.loads(getattr(exc, "body", None) or "{}")
    except (TypeError, ValueError):
        body = {}
    policy = str(body.get("policyName") or "") if isinstance(body, dict) else ""
    if policy == "DAILY" or headers.get("x-hubspot-ratelimit-daily-remaining") == "0":
        return policy or "DAILY", retry_after_header(headers, DAILY_LIMIT_RETRY_AFTER)
    try:
        window = int(headers.get("x-hubspot-ratelimit-interval-milliseconds", "")) / 1000
    except ValueError:
        window = TEN_SECONDS
    return policy or "TEN_SECONDLY_ROLLING", retry_after_header(headers, window)
