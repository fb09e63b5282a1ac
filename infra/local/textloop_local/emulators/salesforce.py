"""Salesforce REST API emulator (HTTPS): sObject read/create/update, a small SOQL subset and phone SOSL.

Supported SOQL: ``SELECT f1, Rel.f2 FROM Obj [WHERE a = 'x' AND b = true AND c IN ('p','q') AND d != null
AND SystemModstamp >= 2026-01-01T00:00:00Z] [ORDER BY f [ASC|DESC]] [LIMIT n]`` (``<``, ``<=``, ``>``, ``>=`` on
numbers, dateTime and date literals: ``CloseDate >= 2026-06-01``); results over ``query_page_size`` rows
come in batches behind ``nextRecordsUrl`` (``GET .../query/<locator>``), as Salesforce pages them. One level of relationship fields (``Contact.Phone``, ``Owner.Email``)
follows the matching ``<Rel>Id`` lookup. String equality is case-insensitive, as in SOQL.

Supported SOSL: ``FIND {term} IN PHONE FIELDS RETURNING Obj(f1, f2) [, Obj2(...)] [LIMIT n]``. Like Salesforce's
phone search it ignores formatting: the digits of the term match a phone field whose digits are the same,
with or without the country code (a number without one is read as a US number).

OAuth 2.0 (``POST /services/oauth2/token``): the JWT bearer grant — the assertion's RS256 signature checked
against ``certificate`` (the External Client App's), ``iss`` = ``consumer_key``, ``sub`` = ``username``,
``aud`` = this emulator's URL (its login URL), ``exp`` not past — and the client-credentials grant
(``consumer_key`` and ``consumer_secret``). Issued tokens expire after ``token_lifetime`` seconds, or at once
with ``expire_tokens()``; an expired or unknown token is answered 401 INVALID_SESSION_ID as Salesforce does.
``access_token`` (a static token, development) is accepted too unless it is None.
"""

from __future__ import annotations

import copy
import itertools
import re
import secrets
import ssl
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jwt
import phonenumbers
from cryptography import x509

from textloop_local.emulators import seed
from textloop_local.emulators.base import Emulator, Request, Response
from textloop_local.emulators.tls import ensure_certificates

_SYSTEM = (
    "Id",
    "IsDeleted",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
)

# sObject → (key prefix, fields besides the system fields, read-only fields)
_SCHEMA: dict[str, tuple[str, tuple[str, ...], frozenset[str]]] = {
    "User": (
        "005",
        (
            "Username",
            "FirstName",
            "LastName",
            "Name",
            "Email",
            "Phone",
            "MobilePhone",
            "Alias",
            "IsActive",
            "TimeZoneSidKey",
        ),
        frozenset({"Name"}),
    ),
    "Account": (
        "001",
        (
            "Name",
            "Type",
            "Industry",
            "Phone",
            "BillingCity",
            "BillingState",
            "OwnerId",
            "Seats_Used__c",  # usage, synced onto the account (a contract renewal's message reads it)
            "Seats_Purchased__c",
        ),
        frozenset(),
    ),
    "Contact": (
        "003",
        (
            "AccountId",
            "FirstName",
            "LastName",
            "Name",
            "Title",
            "Email",
            "Phone",
            "MobilePhone",
            "OwnerId",
            "SMS_Phone_Status__c",
            "SMS_Consent__c",
            "SMS_Time_Zone__c",
            "DoNotCall",
            "MailingState",
        ),
        frozenset({"Name"}),
    ),
    "Opportunity": (
        "006",
        (
            "AccountId",
            "Name",
            "StageName",
            "Amount",
            "Probability",
            "CloseDate",
            "Type",
            "LeadSource",
            "OwnerId",
            "IsClosed",
            "IsWon",
            "Contract_Signing_URL__c",
            "Seats_Used__c",
            "Seats_Purchased__c",
            "Tier__c",
            "LastStageChangeDate",  # set by Salesforce when StageName changes; null until then
        ),
        frozenset({"IsClosed", "IsWon", "LastStageChangeDate"}),
    ),
    "OpportunityContactRole": (
        "00K",
        ("OpportunityId", "ContactId", "Role", "IsPrimary"),
        frozenset(),
    ),
    "Contract": (
        "800",
        (
            "AccountId",
            "Name",
            "ContractNumber",
            "Status",
            "StatusCode",
            "StartDate",
            "ContractTerm",
            "EndDate",
            "OwnerId",
            "CustomerSignedId",
            "CustomerSignedDate",
            "CustomerSignedTitle",
            "CompanySignedId",
            "CompanySignedDate",
            "ActivatedById",
            "ActivatedDate",
            "OwnerExpirationNotice",
            "SpecialTerms",
            "Description",
        ),
        # EndDate is calculated (StartDate + ContractTerm months), ContractNumber an auto number,
        # StatusCode the category of Status
        frozenset({"ContractNumber", "StatusCode", "EndDate"}),
    ),
    "ContractContactRole": (
        "02a",
        ("ContractId", "ContactId", "Role", "IsPrimary"),
        frozenset(),
    ),
    "AccountContactRole": (
        "02Z",
        ("AccountId", "ContactId", "Role", "IsPrimary"),
        frozenset(),
    ),
    "Case": (
        "500",
        (
            "CaseNumber",
            "AccountId",
            "ContactId",
            "Subject",
            "Description",
            "Status",
            "Priority",
            "Origin",
            "OwnerId",
            "IsClosed",
            "Help_Article_URL__c",
        ),
        frozenset({"CaseNumber", "IsClosed"}),
    ),
    "Task": (
        "00T",
        (
            "WhoId",
            "WhatId",
            "OwnerId",
            "Subject",
            "Description",
            "Status",
            "Priority",
            "ActivityDate",
            "IsClosed",
            "TaskSubtype",
            "Textloop_Message_Sid__c",  # the Twilio SID an SMS Task logs (Textloop's idempotency key)
            "ReminderDateTime",
            "IsReminderSet",
            "CompletedDateTime",
        ),
        frozenset({"IsClosed", "CompletedDateTime"}),
    ),
}
_PREFIX_TO_SOBJECT = {prefix: name for name, (prefix, _, _) in _SCHEMA.items()}

# Lookup fields: the sObjects they may point to (None: any).
_REFERENCES: dict[str, tuple[str, ...] | None] = {
    "OwnerId": ("User",),
    "CreatedById": ("User",),
    "LastModifiedById": ("User",),
    "AccountId": ("Account",),
    "ContactId": ("Contact",),
    "OpportunityId": ("Opportunity",),
    "ContractId": ("Contract",),
    "CustomerSignedId": ("Contact",),
    "CompanySignedId": ("User",),
    "ActivatedById": ("User",),
    "WhoId": ("Contact",),
    "WhatId": None,
}

# Contract Status (the default values) → StatusCode, its category
_CONTRACT_STATUS_CODES = {"Draft": "Draft", "In Approval Process": "InApproval", "Activated": "Activated"}

_PICKLISTS: dict[tuple[str, str], frozenset[str]] = {
    ("Task", "Status"): frozenset(
        {"Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"}
    ),
    ("Task", "Priority"): frozenset({"High", "Normal", "Low"}),
    ("Task", "TaskSubtype"): frozenset({"Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"}),
    ("Contact", "SMS_Phone_Status__c"): frozenset({"wrong_person", "unreachable", "landline"}),
    ("Contact", "SMS_Consent__c"): frozenset({"opted_in", "opted_out", "unknown"}),
    ("Case", "Status"): frozenset({"New", "Working", "Escalated", "Closed"}),
    ("Contract", "Status"): frozenset(_CONTRACT_STATUS_CODES),
    ("Case", "Priority"): frozenset({"High", "Medium", "Low"}),
    ("Opportunity", "StageName"): frozenset(
        {
            "Prospecting",
            "Qualification",
            "Needs Analysis",
            "Value Proposition",
            "Id. Decision Makers",
            "Perception Analysis",
            "Proposal/Price Quote",
            "Negotiation/Review",
            "Closed Won",
            "Closed Lost",
        }
    ),
}
_MAX_LENGTH = {"Subject": 255, "Description": 32000, "Textloop_Message_Sid__c": 64}
COLLECTION_LIMIT = 200  # records per sObject Collections request
_DATE_FIELDS = frozenset(
    {"ActivityDate", "CloseDate", "StartDate", "EndDate", "CustomerSignedDate", "CompanySignedDate"}
)
_INTEGER_FIELDS = frozenset({"ContractTerm", "OwnerExpirationNotice"})
_DATETIME_FIELDS = frozenset({"ReminderDateTime", "CompletedDateTime"})
_BOOLEAN_FIELDS = frozenset({"IsReminderSet", "DoNotCall"})
_PHONE_FIELDS = ("Phone", "MobilePhone")  # the fields of type phone, searched by IN PHONE FIELDS
_SOSL_LIMIT = 2000
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class SalesforceError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or []

    def response(self) -> Response:
        error: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields:
            error["fields"] = self.fields
        return Response(self.status, [error])

    def as_record_error(self) -> dict[str, Any]:
        """The error as a collection's record result carries it (``statusCode``, not ``errorCode``)."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


def _form_value(form: dict[str, Any], name: str) -> str:
    value = form.get(name)
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value or "")


def salesforce_id(prefix: str, number: int) -> str:
    """An 18-character id: key prefix, pod, counter in base 62, and the case-safe checksum suffix."""
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    id15 = f"{prefix}5e0{digits.rjust(9, '0')}"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        suffix += alphabet[sum(1 << i for i, c in enumerate(chunk) if c.isupper())]
    return id15 + suffix


def _timestamp(moment: datetime | None = None) -> str:
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


class SalesforceEmulator(Emulator):
    name = "salesforce"
    scheme = "https"

    public_paths = frozenset({"/services/oauth2/token"})

    def __init__(
        self,
        workdir: Path,
        access_token: str | None = "local-sf-token",
        api_limit: int = 100_000,
        *,
        consumer_key: str = "local-sf-consumer-key",
        consumer_secret: str | None = None,
        username: str = "textloop-integration@acme.example",
        certificate: bytes | None = None,
        token_lifetime: float = 7200.0,
    ) -> None:
        super().__init__()
        self.access_token = access_token  # a static token accepted as is (None: only issued tokens)
        self.api_limit = api_limit
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret  # client credentials accepted when set
        self.username = username  # the integration user the JWT bearer grant may act as
        self.certificate = certificate  # PEM X.509 of the External Client App (JWT bearer when set)
        self.token_lifetime = token_lifetime  # seconds an issued token stays valid
        self.tokens_issued = 0
        self._tokens: dict[str, float] = {}  # issued token → monotonic expiry
        self._tls = ensure_certificates(Path(workdir))
        self.ca_bundle_path = self._tls.ca_bundle
        self._records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in _SCHEMA}
        self._counter = itertools.count(1)
        self.query_page_size = 2000  # rows per query batch, the rest behind nextRecordsUrl (a test lowers it)
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        for sobject, records in copy.deepcopy(seed.SALESFORCE).items():
            for record in records:
                self._store(sobject, record)
        # Setup data a describe or a Tooling query reads (``textloop doctor``): fields taken out of the
        # org's schema, and the permission set and change-event channel the install deploys.
        self.removed_fields: set[tuple[str, str]] = set()
        self.setup_records: dict[str, list[dict[str, Any]]] = copy.deepcopy(_SETUP_RECORDS)
        base = r"/services/data/v(?P<version>\d+\.\d)"
        self.route("GET", rf"{base}/sobjects/(?P<sobject>\w+)/describe/?", self._describe)
        self.route("GET", rf"{base}/tooling/query/?", self._tooling_query)
        self.route("GET", rf"{base}/sobjects/(?P<sobject>\w+)/(?P<id>\w+)", self._get)
        self.route("PATCH", rf"{base}/sobjects/(?P<sobject>\w+)/(?P<id>\w+)", self._patch)
        self.route("POST", rf"{base}/sobjects/(?P<sobject>\w+)/?", self._create)
        self.route("POST", rf"{base}/composite/sobjects/?", self._create_collection)
        self.route("GET", rf"{base}/query/?", self._query)
        self.route("GET", rf"{base}/query/(?P<locator>[\w-]+)", self._query_more)
        self.route("GET", rf"{base}/search/?", self._search)
        self.route("POST", r"/services/oauth2/token", self._token)

    # --- Emulator hooks ----------------------------------------------------------------

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self._tls.cert, self._tls.key)
        return context

    def authenticate(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        if self.access_token is not None and header == f"Bearer {self.access_token}":
            return None
        with self._lock:
            expires = self._tokens.get(header.removeprefix("Bearer "))
        if expires is not None and time.monotonic() < expires:
            return None
        return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid").response()

    def expire_tokens(self) -> None:
        """Every issued token expires now (a session timeout)."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def error(self, status: int, code: Any, message: str = "") -> Response:
        code = code or {403: "REQUEST_LIMIT_EXCEEDED", 404: "NOT_FOUND", 503: "SERVER_UNAVAILABLE"}.get(
            status, "UNKNOWN_EXCEPTION"
        )
        default = {
            "REQUEST_LIMIT_EXCEEDED": "TotalRequests Limit exceeded.",
            "NOT_FOUND": "The requested resource does not exist",
        }.get(code, "An unexpected error occurred. Please include this ErrorId if you contact support.")
        return SalesforceError(status, code, message or default).response()

    def handle(self, request: Request) -> Response:
        response = super().handle(request)
        with self._lock:
            used = len(self.requests)
        response.headers.setdefault("Sforce-Limit-Info", f"api-usage={used}/{self.api_limit}")
        return response

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                name: [copy.deepcopy(r) for r in records.values()] for name, records in self._records.items()
            }

    # --- what a user does in the UI ----------------------------------------------------

    def update_record(self, sobject: str, record_id: str, fields: dict[str, Any]) -> list[str]:
        """Edit a record like a user would; returns the names of the fields whose value changed."""
        with self._lock:
            record = self._find(sobject, record_id)
            if record is None:
                raise KeyError(f"{sobject} {record_id} does not exist")
            try:
                changed = self._write(sobject, record, fields)
            except SalesforceError as exc:
                raise ValueError(exc.message) from None
            return changed

    def create_record(self, sobject: str, fields: dict[str, Any]) -> str:
        """Create a record like a user would (validated as the API validates it); returns its id."""
        with self._lock:
            record: dict[str, Any] = {}
            try:
                self._write(sobject, record, fields)
            except SalesforceError as exc:
                raise ValueError(exc.message) from None
            return str(self._store(sobject, record)["Id"])

    def remove_field(self, sobject: str, field_name: str) -> None:
        """An admin deletes the field (or hides it from the integration user): describe no longer lists it."""
        with self._lock:
            self.removed_fields.add((sobject, self._field_name(sobject, field_name)))

    # --- endpoints ---------------------------------------------------------------------

    def _describe(self, request: Request) -> Response:
        """``GET /sobjects/{sObject}/describe``: the emulator's schema, in the shape of the REST API's answer."""
        sobject = request.params["sobject"]
        if sobject not in _SCHEMA:
            return self.error(
                404, "NOT_FOUND", f"The requested resource does not exist: sObject type '{sobject}'"
            )
        prefix, fields, read_only = _SCHEMA[sobject]
        described = [
            _describe_field(sobject, name, read_only)
            for name in (*_SYSTEM, *fields)
            if (sobject, name) not in self.removed_fields
        ]
        return Response(
            200,
            {
                "name": sobject,
                "label": sobject,
                "keyPrefix": prefix,
                "custom": False,
                "queryable": True,
                "createable": True,
                "updateable": True,
                "fields": described,
                "urls": {"describe": f"/services/data/v62.0/sobjects/{sobject}/describe"},
            },
        )

    def _tooling_query(self, request: Request) -> Response:
        """``GET /tooling/query?q=``: the SOQL subset over the setup objects (PermissionSet,
        PlatformEventChannel, PlatformEventChannelMember); plain fields only."""
        soql = request.arg("q")
        if not soql:
            return SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified").response()
        try:
            query = _parse_soql(soql)
            records = self.setup_records.get(query.sobject)
            if records is None:
                raise SalesforceError(
                    400, "INVALID_TYPE", f"sObject type '{query.sobject}' is not supported."
                )
            names = {n.lower(): n for r in records for n in r if n != "attributes"}
            for path in [*query.fields, *(f for f, _, _ in query.where)]:
                if path.lower() not in names and path.lower() != "id":
                    raise SalesforceError(
                        400, "INVALID_FIELD", f"No such column '{path}' on entity '{query.sobject}'."
                    )
            rows = [
                r
                for r in records
                if all(_test(r.get(names.get(f.lower(), f)), op, v) for f, op, v in query.where)
            ]
            if query.limit is not None:
                rows = rows[: query.limit]
            selected = [names.get(f.lower(), f) for f in query.fields]
            result = [
                {"attributes": copy.deepcopy(r["attributes"]), **{f: r.get(f) for f in selected}}
                for r in rows
            ]
        except SalesforceError as exc:
            return exc.response()
        return Response(200, {"size": len(result), "totalSize": len(result), "done": True, "records": result})

    def _token(self, request: Request) -> Response:
        form = request.body if isinstance(request.body, dict) else {}
        grant = _form_value(form, "grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            refused = self._check_assertion(_form_value(form, "assertion"))
        elif grant == "client_credentials":
            refused = (
                None
                if self.consumer_secret is not None
                and _form_value(form, "client_id") == self.consumer_key
                and _form_value(form, "client_secret") == self.consumer_secret
                else ("invalid_client", "invalid client credentials")
            )
        else:
            refused = ("unsupported_grant_type", "grant type not supported")
        if refused is not None:
            return Response(400, {"error": refused[0], "error_description": refused[1]})
        token = f"00D5e0000000LOC!{secrets.token_urlsafe(48)}"
        self._tokens[token] = time.monotonic() + self.token_lifetime
        self.tokens_issued += 1
        issued_at = str(int(time.time() * 1000))
        return Response(
            200,
            {
                "access_token": token,
                "signature": secrets.token_urlsafe(32),
                "scope": "api",
                "instance_url": self.url,
                "id": f"{self.url}/id/00D5e0000000LOCAL/{seed.SF_USER_DANA}",
                "token_type": "Bearer",
                "issued_at": issued_at,
            },
        )

    def _check_assertion(self, assertion: str) -> tuple[str, str] | None:
        """None when the JWT bearer assertion holds, else (error, error_description) as Salesforce words them."""
        if self.certificate is None:
            return ("invalid_grant", "invalid assertion")
        try:
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            return ("invalid_grant", "invalid assertion")
        if claims.get("iss") != self.consumer_key:
            return ("invalid_client_id", "client identifier invalid")
        public_key = x509.load_pem_x509_certificate(self.certificate).public_key()
        try:
            jwt.decode(
                assertion,
                public_key,  # type: ignore[arg-type]
                algorithms=["RS256"],
                audience=self.url,
                options={"require": ["iss", "sub", "aud", "exp"]},
            )
        except jwt.ExpiredSignatureError:
            return ("invalid_grant", "expired authorization code")
        except jwt.InvalidAudienceError:
            return ("invalid_grant", "audience is invalid")
        except jwt.PyJWTError:
            return ("invalid_grant", "invalid assertion")
        if claims.get("sub") != self.username:
            return ("invalid_grant", "user hasn't approved this consumer")
        return None

    def _get(self, request: Request) -> Response:
        sobject = request.params["sobject"]
        if sobject not in _SCHEMA:
            return self.error(
                404, "NOT_FOUND", f"The requested resource does not exist: sObject type '{sobject}'"
            )
        record = self._find(sobject, request.params["id"])
        if record is None:
            return self.error(404, "NOT_FOUND")
        wanted = request.args("fields")
        if not wanted:
            return Response(200, copy.deepcopy(record))
        try:
            names = [self._field_name(sobject, f) for f in wanted]
        except SalesforceError as exc:
            return exc.response()
        return Response(200, {"attributes": record["attributes"], **{n: record.get(n) for n in names}})

    def _create(self, request: Request) -> Response:
        sobject = request.params["sobject"]
        if sobject not in _SCHEMA:
            return SalesforceError(
                404, "NOT_FOUND", f"The requested resource does not exist: {sobject}"
            ).response()
        if request.malformed or not isinstance(request.body, dict):
            return SalesforceError(
                400, "JSON_PARSER_ERROR", "The request body is not a JSON object"
            ).response()
        if "Id" in request.body:
            return SalesforceError(
                400, "INVALID_FIELD_FOR_INSERT_UPDATE", "Unable to create/update fields: Id.", ["Id"]
            ).response()
        record: dict[str, Any] = {}
        try:
            self._write(sobject, record, request.body)
        except SalesforceError as exc:
            return exc.response()
        stored = self._store(sobject, record)
        return Response(201, {"id": stored["Id"], "success": True, "errors": []})

    def _create_collection(self, request: Request) -> Response:
        """``POST .../composite/sobjects`` (sObject Collections, create): up to 200 ``records``, each
        with ``attributes.type``; one result per record, in order. ``allOrNone`` false: each record
        succeeds or fails alone; true: one failure rolls every record back
        (``ALL_OR_NONE_OPERATION_ROLLED_BACK`` on the others)."""
        body = request.body
        records = body.get("records") if isinstance(body, dict) else None
        if request.malformed or not isinstance(records, list):
            return SalesforceError(400, "JSON_PARSER_ERROR", "The request body needs 'records'").response()
        if len(records) > COLLECTION_LIMIT:
            return SalesforceError(
                400, "EXCEEDED_ID_LIMIT", f"Exceeded max size limit of {COLLECTION_LIMIT}"
            ).response()
        planned: list[tuple[str, dict[str, Any]] | SalesforceError] = []
        for item in records:
            sobject = (item.get("attributes") or {}).get("type") if isinstance(item, dict) else None
            if not isinstance(item, dict) or sobject not in _SCHEMA:
                planned.append(SalesforceError(400, "INVALID_TYPE", "Each record needs its attributes.type"))
                continue
            values = {k: v for k, v in item.items() if k != "attributes"}
            record: dict[str, Any] = {}
            try:
                if "Id" in values:
                    raise SalesforceError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
                self._write(sobject, record, values)
            except SalesforceError as exc:
                planned.append(exc)
                continue
            planned.append((sobject, record))
        failed = any(isinstance(p, SalesforceError) for p in planned)
        results: list[dict[str, Any]] = []
        for plan in planned:
            if isinstance(plan, SalesforceError):
                results.append({"success": False, "errors": [plan.as_record_error()]})
            elif failed and body.get("allOrNone"):
                rolled = SalesforceError(400, "ALL_OR_NONE_OPERATION_ROLLED_BACK", "Record rolled back")
                results.append({"success": False, "errors": [rolled.as_record_error()]})
            else:
                stored = self._store(*plan)
                results.append({"id": stored["Id"], "success": True, "errors": []})
        return Response(200, results)

    def _patch(self, request: Request) -> Response:
        sobject = request.params["sobject"]
        record = self._find(sobject, request.params["id"]) if sobject in _SCHEMA else None
        if record is None:
            return self.error(404, "NOT_FOUND")
        if request.malformed or not isinstance(request.body, dict):
            return SalesforceError(
                400, "JSON_PARSER_ERROR", "The request body is not a JSON object"
            ).response()
        try:
            self._write(sobject, record, request.body)
        except SalesforceError as exc:
            return exc.response()
        return Response(204)

    def _query(self, request: Request) -> Response:
        soql = request.arg("q")
        if not soql:
            return SalesforceError(400, "MALFORMED_QUERY", "A query string has to be specified").response()
        try:
            records = self._run(_parse_soql(soql))
        except SalesforceError as exc:
            return exc.response()
        return self._page(records, request.params["version"])

    def _page(self, records: list[dict[str, Any]], version: str) -> Response:
        """One batch of a query's result (``query_page_size`` rows); the rest behind ``nextRecordsUrl``."""
        batch, rest = records[: self.query_page_size], records[self.query_page_size :]
        body: dict[str, Any] = {"totalSize": len(records), "done": not rest, "records": batch}
        if rest:
            locator = f"01gRM{next(self._counter):013d}-{self.query_page_size}"
            self._cursors[locator] = rest
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}"
        return Response(200, body)

    def _query_more(self, request: Request) -> Response:
        rest = self._cursors.pop(request.params["locator"], None)
        if rest is None:
            return SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator").response()
        return self._page(rest, request.params["version"])

    def _search(self, request: Request) -> Response:
        sosl = request.arg("q")
        if not sosl:
            return SalesforceError(400, "MALFORMED_SEARCH", "A search string has to be specified").response()
        try:
            search = _parse_sosl(sosl)
            records = self._run_search(search)
        except SalesforceError as exc:
            return exc.response()
        return Response(200, {"searchRecords": records})

    # --- storage -----------------------------------------------------------------------

    def _store(self, sobject: str, record: dict[str, Any]) -> dict[str, Any]:
        prefix, fields, _ = _SCHEMA[sobject]
        now = _timestamp()
        if "Id" not in record:
            record["Id"] = salesforce_id(prefix, 900_000 + next(self._counter))
        created = record.get("CreatedDate") or now
        stored: dict[str, Any] = {
            "attributes": {"type": sobject, "url": f"/services/data/v62.0/sobjects/{sobject}/{record['Id']}"},
            "Id": record["Id"],
            "IsDeleted": False,
            "CreatedDate": created,
            "CreatedById": seed.SF_USER_DANA,
            "LastModifiedDate": created,
            "LastModifiedById": seed.SF_USER_DANA,
            "SystemModstamp": created,
        }
        stored.update({f: record.get(f) for f in fields})
        if sobject == "Case" and not stored["CaseNumber"]:
            stored["CaseNumber"] = f"{1026 + len(self._records['Case']):08d}"
        if sobject == "Contract" and not stored["ContractNumber"]:
            stored["ContractNumber"] = f"{100 + len(self._records['Contract']):08d}"
        _derive(sobject, stored)
        self._records[sobject][stored["Id"][:15]] = stored
        return stored

    def _find(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        if len(record_id) not in (15, 18):
            return None
        return self._records.get(sobject, {}).get(record_id[:15])

    def _lookup(self, record_id: Any) -> dict[str, Any] | None:
        if not isinstance(record_id, str) or len(record_id) not in (15, 18):
            return None
        sobject = _PREFIX_TO_SOBJECT.get(record_id[:3])
        return self._find(sobject, record_id) if sobject else None

    def _field_name(self, sobject: str, name: str) -> str:
        _, fields, _ = _SCHEMA[sobject]
        for candidate in (*_SYSTEM, *fields):
            if candidate.lower() == name.lower():
                return candidate
        raise SalesforceError(
            400,
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{sobject}'. If you are "
            "attempting to use a custom field, be sure to append the '__c' after the custom field "
            "name.",
        )

    def _write(self, sobject: str, record: dict[str, Any], values: dict[str, Any]) -> list[str]:
        """Validate and apply *values* the way the API does; returns the changed field names."""
        _, _, read_only = _SCHEMA[sobject]
        clean: dict[str, Any] = {}
        for raw_name, value in values.items():
            name = self._field_name(sobject, raw_name)
            if name in _SYSTEM or name in read_only:
                raise SalesforceError(
                    400,
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Unable to create/update fields: {name}. Please check the security settings "
                    "of this field and verify that it is read/write for your profile or "
                    "permission set.",
                    [name],
                )
            self._check_value(sobject, name, value)
            clean[name] = value
        changed = [n for n, v in clean.items() if record.get(n) != v]
        record.update(clean)
        if changed and "Id" in record:
            now = _timestamp()
            record["LastModifiedDate"] = record["SystemModstamp"] = now
            if sobject == "Opportunity" and "StageName" in changed:
                record["LastStageChangeDate"] = now
            _derive(sobject, record)
        return changed

    def _check_value(self, sobject: str, name: str, value: Any) -> None:
        if value is None:
            return
        if name in _REFERENCES:
            target = self._lookup(value)
            if target is None:
                raise SalesforceError(
                    400, "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {name}", [name]
                )
            allowed = _REFERENCES[name]
            if allowed is not None and target["attributes"]["type"] not in allowed:
                raise SalesforceError(
                    400,
                    "FIELD_INTEGRITY_EXCEPTION",
                    f"{allowed[0]} ID: id value of incorrect type: {value}",
                    [name],
                )
        allowed_values = _PICKLISTS.get((sobject, name))
        if allowed_values is not None and value not in allowed_values:
            raise SalesforceError(
                400,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{name}: bad value for restricted picklist field: {value}",
                [name],
            )
        if name in _MAX_LENGTH and isinstance(value, str) and len(value) > _MAX_LENGTH[name]:
            raise SalesforceError(
                400,
                "STRING_TOO_LONG",
                f"{name}: data value too large: {value[:20]}... (max length={_MAX_LENGTH[name]})",
                [name],
            )
        if name in _BOOLEAN_FIELDS and not isinstance(value, bool):
            raise SalesforceError(
                400,
                "JSON_PARSER_ERROR",
                f"Cannot deserialize instance of boolean from VALUE_STRING value {value}",
                [name],
            )
        if name in _DATETIME_FIELDS:
            try:
                if "T" not in value:
                    raise ValueError(value)
                datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise SalesforceError(
                    400,
                    "JSON_PARSER_ERROR",
                    f"Cannot deserialize instance of datetime from VALUE_STRING value {value}",
                    [name],
                ) from None
        if name in _DATE_FIELDS:
            try:
                date.fromisoformat(value)
            except (TypeError, ValueError):
                raise SalesforceError(
                    400,
                    "JSON_PARSER_ERROR",
                    f"Cannot deserialize instance of date from VALUE_STRING value {value}",
                    [name],
                ) from None

    # --- SOQL --------------------------------------------------------------------------

    def _run(self, query: _Soql) -> list[dict[str, Any]]:
        if query.sobject not in _SCHEMA:
            raise SalesforceError(400, "INVALID_TYPE", f"sObject type '{query.sobject}' is not supported.")
        selected = [self._resolve_path(query.sobject, f) for f in query.fields]
        conditions = [
            (self._resolve_path(query.sobject, f), op, _Members(v) if op in ("IN", "NOT IN") else v)
            for f, op, v in query.where
        ]
        order = self._resolve_path(query.sobject, query.order_by[0]) if query.order_by else None
        rows = [
            r
            for r in self._records[query.sobject].values()
            if all(_test(self._value(r, p), op, v) for p, op, v in conditions)
        ]
        if order is not None:
            descending = query.order_by[1] if query.order_by else False
            present = [r for r in rows if self._value(r, order) is not None]
            missing = [r for r in rows if self._value(r, order) is None]
            present.sort(key=lambda r: _sort_key(self._value(r, order)), reverse=descending)
            rows = present + missing if descending else missing + present  # SOQL: NULLS FIRST on ASC
        if query.limit is not None:
            rows = rows[: query.limit]
        return [self._project(r, selected) for r in rows]

    # --- SOSL --------------------------------------------------------------------------

    def _run_search(self, search: _Sosl) -> list[dict[str, Any]]:
        wanted = _number_forms(search.term)
        results: list[dict[str, Any]] = []
        for sobject, fields in search.returning:
            if sobject not in _SCHEMA:
                raise SalesforceError(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
            selected = [self._resolve_path(sobject, f) for f in fields or ["Id"]]
            phone_fields = [f for f in _PHONE_FIELDS if f in _SCHEMA[sobject][1]]
            for record in self._records[sobject].values():
                if any(wanted & _number_forms(record.get(f)) for f in phone_fields):
                    results.append(self._project(record, selected))
        return results[: search.limit]

    def _resolve_path(self, sobject: str, path: str) -> tuple[str, ...]:
        parts = path.split(".")
        if len(parts) == 1:
            return (self._field_name(sobject, path),)
        if len(parts) != 2:
            raise SalesforceError(
                400, "INVALID_FIELD", f"Only one level of relationship is supported: {path}"
            )
        relationship, field_name = parts
        lookup = self._field_name(sobject, relationship + "Id")
        targets = _REFERENCES.get(lookup)
        if targets is None:  # polymorphic (WhatId): resolved per record
            return lookup, field_name
        return lookup, self._field_name(targets[0], field_name)

    def _value(self, record: dict[str, Any], path: tuple[str, ...]) -> Any:
        if len(path) == 1:
            return record.get(path[0])
        target = self._lookup(record.get(path[0]))
        return target.get(path[1]) if target else None

    def _project(self, record: dict[str, Any], paths: list[tuple[str, ...]]) -> dict[str, Any]:
        row: dict[str, Any] = {"attributes": record["attributes"]}
        for path in paths:
            if len(path) == 1:
                row[path[0]] = record.get(path[0])
                continue
            relationship = path[0][:-2]
            target = self._lookup(record.get(path[0]))
            if target is None:
                row[relationship] = None
                continue
            nested = row.get(relationship) or {"attributes": target["attributes"]}
            nested[path[1]] = target.get(path[1])
            row[relationship] = nested
        return copy.deepcopy(row)


_CHANNEL_ID = "0YL5e000000TxLpGAK"  # PlatformEventChannel Textloop_Changes__chn


def _setup_record(sobject: str, record_id: str, **fields: Any) -> dict[str, Any]:
    url = f"/services/data/v62.0/tooling/sobjects/{sobject}/{record_id}"
    return {"attributes": {"type": sobject, "url": url}, "Id": record_id, **fields}


# What infra/salesforce deploys, as the Tooling API shows it.
_SETUP_RECORDS: dict[str, list[dict[str, Any]]] = {
    "PermissionSet": [
        _setup_record(
            "PermissionSet",
            "0PS5e000000TxLpGAK",
            Name="Textloop_Integration",
            Label="Textloop Integration",
            IsOwnedByProfile=False,
            NamespacePrefix=None,
        )
    ],
    "PlatformEventChannel": [
        _setup_record(
            "PlatformEventChannel",
            _CHANNEL_ID,
            DeveloperName="Textloop_Changes",
            MasterLabel="Textloop changes",
            ChannelType="data",
        )
    ],
    "PlatformEventChannelMember": [
        _setup_record(
            "PlatformEventChannelMember",
            record_id,
            DeveloperName=f"Textloop_Changes_chn_{entity}",
            EventChannel=_CHANNEL_ID,
            SelectedEntity=entity,
        )
        for record_id, entity in (
            ("0v85e000000TxLpAAC", "OpportunityChangeEvent"),
            ("0v85e000000TxLqAAC", "CaseChangeEvent"),
        )
    ],
}


def _describe_field(sobject: str, name: str, read_only: frozenset[str]) -> dict[str, Any]:
    picklist = _PICKLISTS.get((sobject, name))
    if name == "Id":
        kind = "id"
    elif name in _REFERENCES:
        kind = "reference"
    elif picklist is not None:
        kind = "picklist"
    elif name in _BOOLEAN_FIELDS or name.startswith("Is"):
        kind = "boolean"
    elif name in _DATE_FIELDS:
        kind = "date"
    elif name in _DATETIME_FIELDS or name.endswith("Date"):
        kind = "datetime"
    elif name in _INTEGER_FIELDS:
        kind = "int"
    elif name in _PHONE_FIELDS:
        kind = "phone"
    elif name == "Email":
        kind = "email"
    elif name.endswith("URL__c"):
        kind = "url"
    else:
        kind = "string"
    return {
        "name": name,
        "label": name.removesuffix("__c").replace("_", " "),
        "type": kind,
        "custom": name.endswith("__c"),
        "updateable": name not in _SYSTEM and name not in read_only,
        "createable": name not in _SYSTEM and name not in read_only,
        "nillable": name not in _SYSTEM and kind != "boolean",
        "length": _MAX_LENGTH.get(name, 255) if kind in ("string", "url") else 0,
        "referenceTo": list(_REFERENCES.get(name) or ()) if kind == "reference" else [],
        "picklistValues": [
            {"value": v, "label": v, "active": True, "defaultValue": False} for v in sorted(picklist or ())
        ],
    }


def _derive(sobject: str, record: dict[str, Any]) -> None:
    if sobject in ("Contact", "User"):
        record["Name"] = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)
    elif sobject == "Task":
        record["IsClosed"] = record.get("Status") == "Completed"
        # CompletedDateTime (API 49.0+): the instant it was saved as Completed; null again when reopened
        completed = record.get("CompletedDateTime") or record.get("LastModifiedDate")
        record["CompletedDateTime"] = completed if record["IsClosed"] else None
    elif sobject == "Case":
        record["IsClosed"] = record.get("Status") == "Closed"
    elif sobject == "Opportunity":
        record["IsClosed"] = record.get("StageName") in ("Closed Won", "Closed Lost")
        record["IsWon"] = record.get("StageName") == "Closed Won"
    elif sobject == "Contract":
        record["StatusCode"] = _CONTRACT_STATUS_CODES.get(str(record.get("Status") or "Draft"), "Draft")
        start, term = record.get("StartDate"), record.get("ContractTerm")
        end = seed.contract_end(date.fromisoformat(str(start)), int(term)) if start and term else None
        record["EndDate"] = end.isoformat() if end else None


def _number_forms(value: Any) -> set[str]:
    """The digits a phone search compares: as typed, and the national number without the country code."""
    digits = re.sub(r"\D", "", value) if isinstance(value, str) else ""
    if not digits:
        return set()
    try:
        parsed = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return {digits}
    return {digits, phonenumbers.national_significant_number(parsed)}


def _normalize(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    return value


def _equal(stored: Any, literal: Any) -> bool:
    if isinstance(stored, str) and isinstance(literal, str) and len(literal) == 15 and len(stored) == 18:
        stored = stored[:15]  # SOQL accepts 15-character ids where 18 are stored
    if isinstance(stored, bool) or isinstance(literal, bool):
        return stored is literal
    return bool(_normalize(stored) == _normalize(literal))


class _Members:
    """The values of an ``IN (...)`` list, tested as ``_equal`` tests one: a set lookup for strings (an
    ``Id IN`` over 200 ids against 10,000 rows stays cheap), each value in turn for the others."""

    def __init__(self, values: list[Any]) -> None:
        self.values = values
        self.strings = {v.casefold() for v in values if isinstance(v, str)}
        self.others = [v for v in values if not isinstance(v, str)]

    def __contains__(self, stored: Any) -> bool:
        if isinstance(stored, str) and self.strings:
            folded = stored.casefold()
            if folded in self.strings or (len(stored) == 18 and folded[:15] in self.strings):
                return True
        return any(_equal(stored, v) for v in self.others)


def _test(stored: Any, op: str, literal: Any) -> bool:
    if op == "IN":
        return stored in literal if isinstance(literal, _Members) else any(_equal(stored, v) for v in literal)
    if op == "NOT IN":
        return (
            stored not in literal
            if isinstance(literal, _Members)
            else not any(_equal(stored, v) for v in literal)
        )
    if op == "=":
        return _equal(stored, literal)
    if op in _ORDERED:
        if stored is None:
            return False
        if isinstance(literal, datetime):  # a dateTime literal: the stored value is an ISO timestamp
            stored = datetime.fromisoformat(str(stored))
        elif isinstance(literal, date):  # a date literal (CloseDate >= 2026-06-01): a stored YYYY-MM-DD
            stored = date.fromisoformat(str(stored)[:10])
        return bool(_ORDERED[op](stored, literal))
    return not _equal(stored, literal)  # != and <>


_ORDERED: dict[str, Any] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _sort_key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


# --- the SOQL subset parser --------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')"
    r"|(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))"
    r"|(?P<date>\d{4}-\d{2}-\d{2})"
    r"|(?P<number>-?\d+(?:\.\d+)?)|(?P<op>!=|<>|<=|>=|=|<|>|,|\(|\))|(?P<word>[A-Za-z_][\w.]*))"
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


class _Soql:
    def __init__(self) -> None:
        self.fields: list[str] = []
        self.sobject = ""
        self.where: list[tuple[str, str, Any]] = []
        self.order_by: tuple[str, bool] | None = None
        self.limit: int | None = None


def _tokens(soql: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    soql = soql.strip()
    while position < len(soql):
        match = _TOKEN.match(soql, position)
        if not match or match.end() == position:
            raise _malformed(soql, f"unexpected token at position {position}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _malformed(soql: str, why: str) -> SalesforceError:
    return SalesforceError(400, "MALFORMED_QUERY", f"\n{soql}\n{why}")


def _parse_soql(soql: str) -> _Soql:
    tokens = _tokens(soql)
    query = _Soql()
    position = 0

    def peek_word() -> str:
        return tokens[position][1].upper() if position < len(tokens) and tokens[position][0] == "word" else ""

    def take(kind: str, value: str | None = None) -> str:
        nonlocal position
        if position >= len(tokens):
            raise _malformed(soql, "unexpected end of query")
        token_kind, token = tokens[position]
        if token_kind != kind or (value is not None and token.upper() != value):
            raise _malformed(soql, f"unexpected token: '{token}'")
        position += 1
        return token

    def literal() -> Any:
        nonlocal position
        if position >= len(tokens):
            raise _malformed(soql, "unexpected end of query")
        kind, token = tokens[position]
        position += 1
        if kind == "string":
            return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), token[1:-1])
        if kind == "number":
            return float(token) if "." in token else int(token)
        if kind == "datetime":
            return datetime.fromisoformat(token)
        if kind == "date":
            return date.fromisoformat(token)
        if kind == "word" and token.lower() in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[token.lower()]
        raise _malformed(soql, f"unexpected token: '{token}'")

    take("word", "SELECT")
    query.fields.append(take("word"))
    while position < len(tokens) and tokens[position] == ("op", ","):
        position += 1
        query.fields.append(take("word"))
    take("word", "FROM")
    query.sobject = take("word")
    if peek_word() == "WHERE":
        position += 1
        while True:
            field_name = take("word")
            if peek_word() in ("IN", "NOT"):
                operator = "NOT IN" if peek_word() == "NOT" else "IN"
                position += 2 if operator == "NOT IN" else 1
                take("op", "(")
                values = [literal()]
                while position < len(tokens) and tokens[position] == ("op", ","):
                    position += 1
                    values.append(literal())
                take("op", ")")
                query.where.append((field_name, operator, values))
            else:
                operator = take("op")
                if operator not in ("=", "!=", "<>", "<", "<=", ">", ">="):
                    raise _malformed(soql, f"unsupported operator: {operator}")
                query.where.append((field_name, operator, literal()))
            if peek_word() != "AND":
                break
            position += 1
    if peek_word() == "ORDER":
        position += 1
        take("word", "BY")
        order_field = take("word")
        descending = peek_word() == "DESC"
        if peek_word() in ("ASC", "DESC"):
            position += 1
        query.order_by = (order_field, descending)
    if peek_word() == "LIMIT":
        position += 1
        query.limit = int(take("number"))
    if position != len(tokens):
        raise _malformed(soql, f"unexpected token: '{tokens[position][1]}'")
    return query


# --- the SOSL subset parser --------------------------------------------------------------

_SOSL = re.compile(
    r"^\s*FIND\s*\{(?P<term>(?:[^{}\\]|\\.)*)\}\s*IN\s+PHONE\s+FIELDS\s+RETURNING\s+"
    r"(?P<returning>\w+\s*(?:\([^()]*\))?(?:\s*,\s*\w+\s*(?:\([^()]*\))?)*)"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE,
)
_RETURNING = re.compile(r"(?P<sobject>\w+)\s*(?:\((?P<fields>[^()]*)\))?")


class _Sosl:
    def __init__(self, term: str, returning: list[tuple[str, list[str]]], limit: int) -> None:
        self.term, self.returning, self.limit = term, returning, limit


def _parse_sosl(sosl: str) -> _Sosl:
    match = _SOSL.match(sosl)
    if not match:
        raise SalesforceError(
            400,
            "MALFORMED_SEARCH",
            f"\n{sosl}\nthe emulator supports FIND {{term}} IN PHONE FIELDS RETURNING Obj(fields) [LIMIT n]",
        )
    term = re.sub(r"\\(.)", r"\1", match["term"]).strip()
    if len(term) < 2:
        raise SalesforceError(
            400, "MALFORMED_SEARCH", "search term must be longer than one character: " + term
        )
    returning = [
        (m["sobject"], [f.strip() for f in (m["fields"] or "").split(",") if f.strip()])
        for m in _RETURNING.finditer(match["returning"])
    ]
    return _Sosl(term, returning, min(int(match["limit"] or _SOSL_LIMIT), _SOSL_LIMIT))
