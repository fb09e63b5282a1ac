"""HubSpot CRM v3 emulator (HTTP), shaped after HubSpot's published OpenAPI descriptions.

Objects (contacts, deals, tickets, communications, tasks, meetings) with read, create, update and search, owners,
and HUBSPOT_DEFINED associations kept in both directions. Contacts carry the calculated phone properties
HubSpot derives from ``phone`` and ``mobilephone`` (read-only, recomputed on every write): the E.164 number
(``hs_calculated_phone_number``, ``hs_calculated_mobile_number``; a number typed without a country code is
read in the portal's default country, US) and the searchable national number
(``hs_searchable_calculated_phone_number``, ``hs_searchable_calculated_mobile_number``).

OAuth: ``POST /oauth/v1/token`` with the refresh-token grant (``client_id``, ``client_secret``,
``refresh_token``) issues access tokens that expire after ``token_lifetime`` seconds (``expires_in``), or at
once with ``expire_tokens()``; an expired one is answered 401 EXPIRED_AUTHENTICATION as HubSpot does. The
static ``access_token`` (a private-app token) is accepted too unless it is None.
"""

from __future__ import annotations

import copy
import itertools
import re
import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from textloop_local.emulators import seed
from textloop_local.emulators.base import Emulator, Request, Response

# Accepted names for each object type (the API takes the plural name or the object type id).
_TYPE_NAMES = {
    "contacts": ("contacts", "contact", "0-1"),
    "deals": ("deals", "deal", "0-3"),
    "tickets": ("tickets", "ticket", "0-5"),
    "communications": ("communications", "communication", "0-18"),
    "tasks": ("tasks", "task", "0-27"),
    "meetings": ("meetings", "meeting", "0-47"),
}
_ALIASES = {alias: name for name, aliases in _TYPE_NAMES.items() for alias in aliases}
_SINGULAR = {name: aliases[1] for name, aliases in _TYPE_NAMES.items()}

# HUBSPOT_DEFINED (unlabeled) association type ids: (from type, to type) → type id.
ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("contacts", "deals"): 4,
    ("deals", "contacts"): 3,
    ("contacts", "tickets"): 15,
    ("tickets", "contacts"): 16,
    ("communications", "contacts"): 81,
    ("contacts", "communications"): 82,
    ("communications", "tickets"): 83,
    ("tickets", "communications"): 84,
    ("communications", "deals"): 85,
    ("deals", "communications"): 86,
    ("contacts", "tasks"): 203,
    ("tasks", "contacts"): 204,
    ("deals", "tasks"): 215,
    ("tasks", "deals"): 216,
    ("tickets", "tasks"): 229,
    ("tasks", "tickets"): 230,
    # meetings (HUBSPOT_DEFINED type ids of HubSpot's "Associate records" guide)
    ("meetings", "contacts"): 200,
    ("contacts", "meetings"): 199,
    ("meetings", "deals"): 212,
    ("deals", "meetings"): 211,
}
_BY_TYPE_ID = {type_id: pair for pair, type_id in ASSOCIATION_TYPES.items()}
# Object types a record may be associated with that the emulator does not model (no record is): a batch
# read of associations to them answers "none found" for every id, as for a record with none.
_UNMODELLED = "companies|company|0-2"
BATCH_READ_LIMIT = 100  # inputs per objects batch read (HubSpot's limit)
BATCH_CREATE_LIMIT = 100  # inputs per objects batch create (HubSpot's limit)
ASSOCIATIONS_BATCH_READ_LIMIT = 1000  # inputs per v4 associations batch read (HubSpot's limit)

_CREATED_PROPERTY = {"contacts": "createdate", "deals": "createdate", "tickets": "createdate"}
_MODIFIED_PROPERTY = {"contacts": "lastmodifieddate"}
_DEFAULT_PROPERTIES = {
    "contacts": ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    "deals": (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    "tickets": (
        "content",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
        "hs_pipeline",
        "hs_pipeline_stage",
        "hs_ticket_category",
        "hs_ticket_priority",
        "subject",
    ),
    "communications": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "tasks": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    "meetings": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}
_REQUIRED = {
    "communications": ("hs_communication_channel_type", "hs_communication_logged_from", "hs_timestamp"),
    "tasks": ("hs_timestamp",),
    "meetings": ("hs_timestamp",),
}
_OPTIONS = {
    ("communications", "hs_communication_channel_type"): (
        "SMS",
        "WHATS_APP",
        "LINKEDIN_MESSAGE",
        "PHYSICAL_MAIL",
        "CUSTOM_CHANNEL_CONVERSATION",
    ),
    ("communications", "hs_communication_logged_from"): ("CRM",),
    ("tasks", "hs_task_status"): ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
    ("tasks", "hs_task_priority"): ("NONE", "LOW", "MEDIUM", "HIGH"),
    ("contacts", "textloop_phone_status"): ("wrong_person", "unreachable", "landline"),
    ("contacts", "textloop_sms_consent"): ("opted_in", "opted_out", "unknown"),
    ("tasks", "hs_task_type"): (
        "TODO",
        "CALL",
        "EMAIL",
        "LINKED_IN",
        "MEETING",
        "LINKED_IN_CONNECT",
        "LINKED_IN_MESSAGE",
    ),
}
_TIMESTAMP_PROPERTIES = ("hs_timestamp",)
_EPOCH_MS_PROPERTIES = ("hs_task_reminders",)
# Contact phone property → (its calculated E.164 property, its searchable national-number property).
_CALCULATED_PHONES = {
    "phone": ("hs_calculated_phone_number", "hs_searchable_calculated_phone_number"),
    "mobilephone": ("hs_calculated_mobile_number", "hs_searchable_calculated_mobile_number"),
}
_DEFAULT_COUNTRY = "US"
_FIRST_ID = {
    "contacts": 76001,
    "deals": 20841139001,
    "tickets": 3178001,
    "communications": 45230000001,
    "tasks": 51870000001,
    "meetings": 61230000001,
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _task_completion(properties: dict[str, Any], now: str) -> None:
    """``hs_task_completion_date``: set when the task's status becomes COMPLETED, gone when reopened."""
    if properties.get("hs_task_status") == "COMPLETED":
        properties.setdefault("hs_task_completion_date", now)
    else:
        properties.pop("hs_task_completion_date", None)


def _valid_timestamp(value: str) -> bool:
    if value.isdigit():
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _as_property(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class HubSpotError(Exception):
    def __init__(self, status: int, category: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.category, self.message, self.extra = status, category, message, extra

    def response(self) -> Response:
        body = {
            "status": "error",
            "message": self.message,
            "correlationId": str(uuid.uuid4()),
            "category": self.category,
            **self.extra,
        }
        return Response(self.status, body)


class HubSpotEmulator(Emulator):
    name = "hubspot"

    public_paths = frozenset({"/oauth/v1/token"})

    def __init__(
        self,
        access_token: str | None = "local-hubspot-token",
        *,
        client_id: str = "local-hubspot-client-id",
        client_secret: str = "local-hubspot-client-secret",
        refresh_token: str | None = None,
        token_lifetime: float = 1800.0,
        objects: dict[str, list[dict[str, Any]]] | None = None,
        owners: list[dict[str, Any]] | None = None,
        id_offset: int = 0,
    ) -> None:
        """``objects``/``owners``: another portal's seed (default ``seed.HUBSPOT``); ``id_offset`` keeps the
        ids it creates apart from another instance's (two portals in one local stack)."""
        super().__init__()
        objects = seed.HUBSPOT if objects is None else objects
        self.access_token = access_token  # a static (private-app) token accepted as is (None: OAuth only)
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token  # the installation's refresh token (None: no OAuth)
        self.token_lifetime = token_lifetime  # seconds an issued access token lives (expires_in)
        self.tokens_issued = 0
        self._tokens: dict[str, float] = {}  # issued token → monotonic expiry
        self._objects: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in _TYPE_NAMES}
        self.labels: dict[tuple[str, str, str, str], str] = {}  # (type, id, to type, to id) → label
        owners = seed.HUBSPOT_OWNERS if owners is None else owners
        self._owners = {o["id"]: copy.deepcopy(o) for o in owners}
        for owner in self._owners.values():
            owner.setdefault("updatedAt", owner["createdAt"])
            owner.setdefault("archived", False)
        self._ids = {name: itertools.count(first + id_offset) for name, first in _FIRST_ID.items()}
        for object_type, copied in copy.deepcopy(objects).items():
            for obj in copied:
                self._store(object_type, obj["id"], obj["properties"], obj["createdAt"])
        for object_type, listed in objects.items():
            for obj in listed:
                for to_type, ids in obj.get("associations", {}).items():
                    for to_id in ids:
                        self._associate(object_type, obj["id"], to_type, to_id)
                # USER_DEFINED labels on some of them: {"contacts": {contact id: "Decision maker"}}
                for to_type, labelled in obj.get("association_labels", {}).items():
                    self.labels.update({(object_type, obj["id"], to_type, i): t for i, t in labelled.items()})
        # What ``textloop doctor`` reads: the scopes the installation granted, the property definitions
        # (a test may take one out) and the association labels.
        self.scopes: list[str] = list(SCOPES)
        self.properties: dict[str, dict[str, dict[str, Any]]] = _property_definitions()
        types = "|".join(_ALIASES)
        self.route("GET", rf"/crm/v3/properties/(?P<type>{types})/(?P<name>[^/]+)", self._property)
        self.route("GET", rf"/crm/v4/associations/(?P<from>{types})/(?P<to>{types})/labels", self._labels)
        self.route(
            "GET",
            rf"/crm/v4/objects/(?P<type>{types})/(?P<id>[^/]+)/associations/(?P<to>{types})",
            self._associations_v4,
        )
        self.route("GET", r"/oauth/v1/access-tokens/(?P<token>[^/]+)", self._token_info)
        self.route("GET", r"/crm/v3/owners/?", self._owners_list)
        self.route("GET", rf"/crm/v3/objects/(?P<type>{types})/(?P<id>[^/]+)", self._get)
        self.route("PATCH", rf"/crm/v3/objects/(?P<type>{types})/(?P<id>[^/]+)", self._patch)
        self.route("POST", rf"/crm/v3/objects/(?P<type>{types})/search", self._search)
        self.route("POST", rf"/crm/v3/objects/(?P<type>{types})/batch/create", self._batch_create)
        self.route("POST", rf"/crm/v3/objects/(?P<type>{types})/batch/read", self._batch_read)
        self.route(
            "POST",
            rf"/crm/v4/associations/(?P<from>{types})/(?P<to>{types}|{_UNMODELLED})/batch/read",
            self._associations_batch_read,
        )
        self.route("POST", rf"/crm/v3/objects/(?P<type>{types})", self._create)
        self.route("GET", r"/crm/v3/owners/(?P<id>[^/]+)", self._owner)
        self.route("POST", r"/oauth/v1/token", self._token)

    # --- Emulator hooks ----------------------------------------------------------------

    def authenticate(self, request: Request) -> Response | None:
        if request.path.startswith("/oauth/v1/access-tokens/"):  # the token in the path is the credential
            return None
        header = request.headers.get("authorization", "")
        if self.access_token is not None and header == f"Bearer {self.access_token}":
            return None
        with self._lock:
            expires = self._tokens.get(header.removeprefix("Bearer "))
        if expires is not None:
            late = time.monotonic() - expires
            if late < 0:
                return None
            return HubSpotError(
                401,
                "EXPIRED_AUTHENTICATION",
                f"The OAuth token used to make this call expired {int(late)} second(s) ago.",
            ).response()
        return HubSpotError(
            401,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
            "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        ).response()

    def expire_tokens(self) -> None:
        """Every issued access token expires now."""
        with self._lock:
            self._tokens = dict.fromkeys(self._tokens, time.monotonic())

    def _token(self, request: Request) -> Response:
        form = {k: v[-1] if isinstance(v, list) and v else v for k, v in (request.body or {}).items()}
        refused = None
        if form.get("grant_type") != "refresh_token":
            refused = ("BAD_GRANT_TYPE", "grant_type must be refresh_token")
        elif form.get("client_id") != self.client_id:
            refused = ("BAD_CLIENT_ID", "missing or unknown client id")
        elif form.get("client_secret") != self.client_secret:
            refused = ("BAD_CLIENT_SECRET", "missing or invalid client secret")
        elif self.refresh_token is None or form.get("refresh_token") != self.refresh_token:
            refused = ("BAD_REFRESH_TOKEN", "missing or unknown refresh token")
        if refused is not None:
            return Response(
                400, {"status": refused[0], "message": refused[1], "correlationId": str(uuid.uuid4())}
            )
        token = f"CL{secrets.token_urlsafe(48)}"
        self._tokens[token] = time.monotonic() + self.token_lifetime
        self.tokens_issued += 1
        return Response(
            200,
            {
                "token_type": "bearer",
                "refresh_token": self.refresh_token,
                "access_token": token,
                "expires_in": max(1, int(self.token_lifetime)),
            },
        )

    def error(self, status: int, code: Any, message: str = "") -> Response:
        if status == 429:
            return Response(
                429,
                {
                    "status": "error",
                    "message": message or "You have reached your ten_secondly_rolling limit.",
                    "errorType": "RATE_LIMIT",
                    "correlationId": str(uuid.uuid4()),
                    "policyName": "TEN_SECONDLY_ROLLING",
                },
                # what HubSpot sends with its burst limit (a fault may add Retry-After or change them)
                {
                    "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                    "X-HubSpot-RateLimit-Max": "100",
                    "X-HubSpot-RateLimit-Remaining": "0",
                },
            )
        category = code or {404: "OBJECT_NOT_FOUND", 400: "VALIDATION_ERROR"}.get(status, "INTERNAL_ERROR")
        return HubSpotError(status, category, message or "internal error").response()

    def state(self) -> dict[str, Any]:
        with self._lock:
            snapshot: dict[str, Any] = {
                t: [copy.deepcopy(o) for o in objs.values()] for t, objs in self._objects.items()
            }
            snapshot["owners"] = [copy.deepcopy(o) for o in self._owners.values()]
            return snapshot

    # --- what a user does in the UI ----------------------------------------------------

    def update_record(self, object_type: str, record_id: str, properties: dict[str, Any]) -> list[str]:
        """Edit a record like a user would; returns the names of the properties whose value changed."""
        with self._lock:
            obj = self._objects[_ALIASES[object_type]].get(record_id)
            if obj is None:
                raise KeyError(f"{object_type} {record_id} does not exist")
            return self._write(
                _ALIASES[object_type], obj, {k: _as_property(v) for k, v in properties.items()}
            )

    # --- endpoints ---------------------------------------------------------------------

    def creation_event(self, object_type: str, record_id: str, portal_id: int, app_id: int) -> dict[str, Any]:
        """The generic ``object.creation`` webhook event HubSpot sends when the object is created (the
        object type by its id, ``occurredAt`` its creation), for the caller to sign and post."""
        name = _ALIASES[object_type]
        with self._lock:
            created = self._objects[name][record_id]["createdAt"]
        return {
            "eventId": secrets.randbelow(4_000_000_000),
            "subscriptionId": 2_481_120,
            "portalId": portal_id,
            "appId": app_id,
            "occurredAt": int(datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp() * 1000),
            "subscriptionType": "object.creation",
            "attemptNumber": 0,
            "objectId": int(record_id),
            "objectTypeId": _TYPE_NAMES[name][2],
            "changeFlag": "CREATED",
            "changeSource": "CRM_UI",
            "sourceId": "userId:1234567",
        }

    def _get(self, request: Request) -> Response:
        object_type = _ALIASES[request.params["type"]]
        obj = self._objects[object_type].get(request.params["id"])
        if obj is None:
            return self._not_found(request.params["id"])
        return Response(
            200, self._render(object_type, obj, request.args("properties"), request.args("associations"))
        )

    def _create(self, request: Request) -> Response:
        object_type = _ALIASES[request.params["type"]]
        body = request.body
        if request.malformed or not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            return HubSpotError(
                400, "VALIDATION_ERROR", "Invalid input JSON: 'properties' is required"
            ).response()
        properties = {k: _as_property(v) for k, v in body["properties"].items()}
        try:
            self._validate(object_type, properties)
            links = self._association_inputs(object_type, body.get("associations") or [])
        except HubSpotError as exc:
            return exc.response()
        record_id = str(next(self._ids[object_type]))
        obj = self._store(object_type, record_id, properties, _now())
        for to_type, to_id in links:
            self._associate(object_type, record_id, to_type, to_id)
        return Response(201, self._render(object_type, obj, list(properties), []))

    def _batch_create(self, request: Request) -> Response:
        """``POST /crm/v3/objects/{objectType}/batch/create``: up to 100 ``inputs`` (properties and
        associations, as a single create takes them), validated first: one invalid input refuses the
        whole batch (400, nothing created); else 201 with every created object (``status`` COMPLETE)."""
        object_type = _ALIASES[request.params["type"]]
        inputs = _batch_inputs(request, BATCH_CREATE_LIMIT)
        if isinstance(inputs, Response):
            return inputs
        started, accepted = _now(), []
        for item in inputs:
            if not isinstance(item, dict) or not isinstance(item.get("properties"), dict):
                return HubSpotError(
                    400, "VALIDATION_ERROR", "Invalid input JSON: each input needs 'properties'"
                ).response()
            properties = {k: _as_property(v) for k, v in item["properties"].items()}
            try:
                self._validate(object_type, properties)
                accepted.append(
                    (properties, self._association_inputs(object_type, item.get("associations") or []))
                )
            except HubSpotError as exc:
                return exc.response()
        results = []
        for properties, links in accepted:
            record_id = str(next(self._ids[object_type]))
            obj = self._store(object_type, record_id, properties, _now())
            for to_type, to_id in links:
                self._associate(object_type, record_id, to_type, to_id)
            results.append(self._render(object_type, obj, list(properties), []))
        return Response(
            201, {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": _now()}
        )

    def _patch(self, request: Request) -> Response:
        object_type = _ALIASES[request.params["type"]]
        obj = self._objects[object_type].get(request.params["id"])
        if obj is None:
            return self._not_found(request.params["id"])
        body = request.body
        if request.malformed or not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            return HubSpotError(
                400, "VALIDATION_ERROR", "Invalid input JSON: 'properties' is required"
            ).response()
        properties = {k: _as_property(v) for k, v in body["properties"].items()}
        try:
            self._validate(object_type, properties, creating=False)
        except HubSpotError as exc:
            return exc.response()
        self._write(object_type, obj, properties)
        return Response(200, self._render(object_type, obj, list(properties), []))

    def _search(self, request: Request) -> Response:
        object_type = _ALIASES[request.params["type"]]
        body = request.body if isinstance(request.body, dict) else {}
        groups = body.get("filterGroups") or []
        if len(groups) > 5 or any(len(g.get("filters") or []) > 6 for g in groups):
            return HubSpotError(400, "VALIDATION_ERROR", "Too many filter groups or filters").response()
        try:
            matches = [
                o
                for o in self._objects[object_type].values()
                if not groups or any(_matches(o, g) for g in groups)
            ]
        except HubSpotError as exc:
            return exc.response()
        matches = _sorted(matches, body.get("sorts") or [])
        limit = min(int(body.get("limit") or 10), 200)
        start = int(body.get("after") or 0)
        page = matches[start : start + limit]
        result: dict[str, Any] = {
            "total": len(matches),
            "results": [
                self._render(object_type, o, body.get("properties") or [], [], search=True) for o in page
            ],
        }
        if start + limit < len(matches):
            result["paging"] = {"next": {"after": str(start + limit)}}
        return Response(200, result)

    def _owner(self, request: Request) -> Response:
        owner_id = request.params["id"]
        if request.arg("idProperty") == "userId":
            owner = next((o for o in self._owners.values() if str(o["userId"]) == owner_id), None)
        else:
            owner = self._owners.get(owner_id)
        if owner is None:
            return self._not_found(owner_id)
        return Response(200, copy.deepcopy(owner))

    def _property(self, request: Request) -> Response:
        """``GET /crm/v3/properties/{objectType}/{propertyName}``."""
        definition = self.properties[_ALIASES[request.params["type"]]].get(request.params["name"])
        if definition is None:
            return HubSpotError(
                404,
                "OBJECT_NOT_FOUND",
                f"Unable to find property {request.params['name']} for object type "
                f"{_ALIASES[request.params['type']]}",
            ).response()
        return Response(200, copy.deepcopy(definition))

    def _associations_v4(self, request: Request) -> Response:
        """``GET /crm/v4/objects/{type}/{id}/associations/{toType}``: each associated id with its types
        (the unlabeled HUBSPOT_DEFINED one, and a USER_DEFINED label when the seed gives one)."""
        object_type, to_type = _ALIASES[request.params["type"]], _ALIASES[request.params["to"]]
        obj = self._objects[object_type].get(request.params["id"])
        if obj is None:
            return self._not_found(request.params["id"])
        results = [
            self._association_v4(object_type, obj["id"], to_type, link)
            for link in obj["associations"].get(to_type, [])
        ]
        return Response(200, {"results": results})

    def _labels(self, request: Request) -> Response:
        """``GET /crm/v4/associations/{fromObjectType}/{toObjectType}/labels``."""
        pair = (_ALIASES[request.params["from"]], _ALIASES[request.params["to"]])
        type_id = ASSOCIATION_TYPES.get(pair)
        results = (
            [] if type_id is None else [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]
        )
        return Response(200, {"results": results})

    def _token_info(self, request: Request) -> Response:
        """``GET /oauth/v1/access-tokens/{token}``: an OAuth access token's metadata (404 for another)."""
        token = request.params["token"]
        with self._lock:
            expires = self._tokens.get(token)
        left = None if expires is None else expires - time.monotonic()
        if left is None or left <= 0:
            return HubSpotError(404, "OBJECT_NOT_FOUND", "Token not found or expired").response()
        return Response(
            200,
            {
                "token": token,
                "user": "textloop-admin@acme.example",
                "hub_domain": "acme.example",
                "scopes": list(self.scopes),
                "hub_id": int(seed.HS_PORTAL_ID),
                "app_id": 3012345,
                "expires_in": int(left),
                "user_id": 9001,
                "token_type": "access",
            },
        )

    def _owners_list(self, request: Request) -> Response:
        """``GET /crm/v3/owners/``: a page of owners (``limit`` up to 500, ``after`` from the previous page's
        ``paging.next.after``; ``archived=true`` lists the deactivated ones instead)."""
        limit = min(int(request.arg("limit") or 100), 500)
        archived = (request.arg("archived") or "false").lower() == "true"
        listed = [o for o in self._owners.values() if bool(o.get("archived")) == archived]
        start = int(request.arg("after") or 0)
        body: dict[str, Any] = {"results": [copy.deepcopy(o) for o in listed[start : start + limit]]}
        if start + limit < len(listed):
            after = str(start + limit)
            body["paging"] = {"next": {"after": after, "link": f"{self.url}/crm/v3/owners/?after={after}"}}
        return Response(200, body)

    def _batch_read(self, request: Request) -> Response:
        """``POST /crm/v3/objects/{objectType}/batch/read`` (objects-v3.json): up to 100 ``inputs`` by id,
        ``properties`` as a single read names them. 200 when every id was found, else 207 with an
        OBJECT_NOT_FOUND error listing the missing ids (the found ones still in ``results``)."""
        object_type = _ALIASES[request.params["type"]]
        inputs = _batch_inputs(request, BATCH_READ_LIMIT)
        if isinstance(inputs, Response):
            return inputs
        body = request.body if isinstance(request.body, dict) else {}
        if body.get("idProperty"):
            return HubSpotError(400, "VALIDATION_ERROR", "the emulator reads by record id only").response()
        ids = [str(i.get("id", "")) if isinstance(i, dict) else "" for i in inputs]
        started = _now()
        found = [self._objects[object_type][i] for i in dict.fromkeys(ids) if i in self._objects[object_type]]
        missing = [i for i in dict.fromkeys(ids) if i not in self._objects[object_type]]
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": [self._render(object_type, o, body.get("properties") or [], []) for o in found],
            "startedAt": started,
            "completedAt": _now(),
        }
        if not missing:
            return Response(200, answer)
        error = {
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": f"Could not get some {_SINGULAR[object_type].upper()} objects, they may be deleted or "
            "not exist. Check that ids are valid.",
            "context": {"ids": missing},
            "errors": [],
            "links": {},
        }
        return Response(207, {**answer, "numErrors": 1, "errors": [error]})

    def _associations_batch_read(self, request: Request) -> Response:
        """``POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read`` (associations-v4.json):
        per input id its associations with their types (labels included), as the single v4 read gives
        them. An id with none (or unknown) is not in ``results`` but in the errors of a 207, as HubSpot
        answers (``crm.associations.NO_ASSOCIATIONS_FOUND``)."""
        from_type = _ALIASES[request.params["from"]]
        to_type = _ALIASES.get(request.params["to"], request.params["to"])
        inputs = _batch_inputs(request, ASSOCIATIONS_BATCH_READ_LIMIT)
        if isinstance(inputs, Response):
            return inputs
        started = _now()
        results, none = [], []
        for from_id in dict.fromkeys(str(i.get("id", "")) if isinstance(i, dict) else "" for i in inputs):
            obj = self._objects[from_type].get(from_id)
            links = (obj or {}).get("associations", {}).get(to_type, [])
            if not links:
                none.append(from_id)
                continue
            results.append(
                {
                    "from": {"id": from_id},
                    "to": [self._association_v4(from_type, from_id, to_type, x) for x in links],
                }
            )
        answer: dict[str, Any] = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": started,
            "completedAt": _now(),
        }
        if not none:
            return Response(200, answer)
        errors = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "message": f"No {_SINGULAR.get(to_type, to_type)} is associated with "
                f"{_SINGULAR[from_type]} {from_id}.",
                "context": {"fromObjectId": [from_id]},
                "errors": [],
                "links": {},
            }
            for from_id in none
        ]
        return Response(207, {**answer, "numErrors": len(errors), "errors": errors})

    def _association_v4(
        self, from_type: str, from_id: str, to_type: str, link: dict[str, Any]
    ) -> dict[str, Any]:
        """One association as v4 gives it: the unlabeled HUBSPOT_DEFINED type, and the seed's label if any."""
        types = [{"category": "HUBSPOT_DEFINED", "typeId": link["associationTypeId"], "label": None}]
        label = self.labels.get((from_type, from_id, to_type, link["id"]))
        if label:
            types.append({"category": "USER_DEFINED", "typeId": 1001, "label": label})
        return {"toObjectId": int(link["id"]), "associationTypes": types}

    # --- storage and rendering -----------------------------------------------------------

    def _not_found(self, record_id: str) -> Response:
        return HubSpotError(
            404,
            "OBJECT_NOT_FOUND",
            "Object not found.  objectId are usually numeric.",
            context={"id": [record_id]},
        ).response()

    def _store(
        self, object_type: str, record_id: str, properties: dict[str, Any], created: str
    ) -> dict[str, Any]:
        created_property = _CREATED_PROPERTY.get(object_type, "hs_createdate")
        stored = {k: v for k, v in properties.items() if v is not None}
        stored.update(
            {
                "hs_object_id": record_id,
                created_property: created,
                _MODIFIED_PROPERTY.get(object_type, "hs_lastmodifieddate"): created,
            }
        )
        if object_type == "communications" or object_type == "tasks":
            stored.setdefault("hs_createdate", created)
        if object_type == "tasks":
            _task_completion(stored, created)
        if object_type == "contacts":
            _calculate_phones(stored)
        obj: dict[str, Any] = {
            "id": record_id,
            "properties": stored,
            "createdAt": created,
            "updatedAt": created,
            "archived": False,
            "associations": {},
        }
        self._objects[object_type][record_id] = obj
        return obj

    def _write(self, object_type: str, obj: dict[str, Any], properties: dict[str, str | None]) -> list[str]:
        current = obj["properties"]
        changed = [k for k, v in properties.items() if current.get(k) != v]
        for name in changed:
            if properties[name] is None:
                current.pop(name, None)
            else:
                current[name] = properties[name]
        if changed:
            now = _now()
            obj["updatedAt"] = now
            current["lastmodifieddate" if "lastmodifieddate" in current else "hs_lastmodifieddate"] = now
            if object_type == "contacts":
                _calculate_phones(current)
            if object_type == "tasks":
                _task_completion(current, now)
        return changed

    def _associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        for a_type, a_id, b_type, b_id in (
            (from_type, from_id, to_type, to_id),
            (to_type, to_id, from_type, from_id),
        ):
            links = self._objects[a_type][a_id]["associations"].setdefault(b_type, [])
            if not any(link["id"] == b_id for link in links):
                links.append(
                    {
                        "id": b_id,
                        "type": f"{_SINGULAR[a_type]}_to_{_SINGULAR[b_type]}",
                        "associationCategory": "HUBSPOT_DEFINED",
                        "associationTypeId": ASSOCIATION_TYPES[(a_type, b_type)],
                    }
                )

    def _validate(self, object_type: str, properties: dict[str, str | None], creating: bool = True) -> None:
        errors: list[dict[str, Any]] = [
            {"message": f"{name} is required", "code": "REQUIRED_FIELD", "context": {"propertyName": [name]}}
            for name in _REQUIRED.get(object_type, ())
            if creating and not properties.get(name)
        ]
        errors += [
            {
                "message": f"{name} is a read only property; its value cannot be set.",
                "code": "READ_ONLY_VALUE",
                "context": {"propertyName": [name]},
            }
            for name in properties
            if object_type == "contacts" and any(name in derived for derived in _CALCULATED_PHONES.values())
        ]
        for (type_name, name), options in _OPTIONS.items():
            value = properties.get(name)
            if type_name == object_type and value is not None and value not in options:
                errors.append(
                    {
                        "message": f"{value} was not one of the allowed options: {', '.join(options)}",
                        "code": "INVALID_OPTION",
                        "context": {"propertyName": [name]},
                    }
                )
        for name in _TIMESTAMP_PROPERTIES:
            value = properties.get(name)
            if value and not _valid_timestamp(value):
                errors.append(
                    {
                        "message": f"{value} is not a valid timestamp",
                        "code": "INVALID_DATE",
                        "context": {"propertyName": [name]},
                    }
                )
        for name in _EPOCH_MS_PROPERTIES:
            value = properties.get(name)
            if value and not value.isdigit():
                errors.append(
                    {
                        "message": f"{value} is not a valid number of milliseconds since the epoch",
                        "code": "INVALID_LONG",
                        "context": {"propertyName": [name]},
                    }
                )
        if errors:
            raise HubSpotError(
                400,
                "VALIDATION_ERROR",
                "Property values were not valid: " + "; ".join(e["message"] for e in errors),
                errors=errors,
            )

    def _association_inputs(self, object_type: str, inputs: list[Any]) -> list[tuple[str, str]]:
        links: list[tuple[str, str]] = []
        for item in inputs:
            to_id = str((item.get("to") or {}).get("id", "")) if isinstance(item, dict) else ""
            types = item.get("types") if isinstance(item, dict) else None
            if not to_id or not types:
                raise HubSpotError(400, "VALIDATION_ERROR", "associations need 'to.id' and 'types'")
            for spec in types:
                pair = _BY_TYPE_ID.get(spec.get("associationTypeId"))
                if (
                    spec.get("associationCategory") != "HUBSPOT_DEFINED"
                    or pair is None
                    or pair[0] != object_type
                ):
                    raise HubSpotError(
                        400,
                        "VALIDATION_ERROR",
                        f"{spec.get('associationCategory')} association type "
                        f"{spec.get('associationTypeId')} is not valid from {object_type}",
                    )
                if to_id not in self._objects[pair[1]]:
                    raise HubSpotError(
                        400,
                        "VALIDATION_ERROR",
                        f"No {_SINGULAR[pair[1]]} with ID {to_id} exists",
                        subCategory="INVALID_ID",
                    )
                links.append((pair[1], to_id))
        return links

    def _render(
        self,
        object_type: str,
        obj: dict[str, Any],
        properties: list[str],
        associations: list[str],
        search: bool = False,
    ) -> dict[str, Any]:
        stored = obj["properties"]
        if properties:
            always = (
                "hs_object_id",
                _CREATED_PROPERTY.get(object_type, "hs_createdate"),
                _MODIFIED_PROPERTY.get(object_type, "hs_lastmodifieddate"),
            )
            names = list(dict.fromkeys([*properties, *always]))
        else:
            names = list(_DEFAULT_PROPERTIES[object_type])
        rendered: dict[str, Any] = {
            "id": obj["id"],
            "properties": {n: stored.get(n) for n in names},
            "createdAt": obj["createdAt"],
            "updatedAt": obj["updatedAt"],
            "archived": obj["archived"],
        }
        wanted = [_ALIASES[a] for a in associations if a in _ALIASES]
        found = {
            to_type: {
                "results": [{"id": link["id"], "type": link["type"]} for link in obj["associations"][to_type]]
            }
            for to_type in dict.fromkeys(wanted)
            if obj["associations"].get(to_type) and not search
        }
        if found:
            rendered["associations"] = found
        return rendered


# The scopes the Textloop app requests (infra/hubspot/src/app/app-hsmeta.json), granted at install.
SCOPES = (
    "oauth",
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.deals.read",
    "tickets",
    "crm.objects.owners.read",
)


def _property_definitions() -> dict[str, dict[str, dict[str, Any]]]:
    """Every property the emulator knows per object type, as ``GET /crm/v3/properties`` describes it:
    the default ones, those the seed records carry, the enumerations and the calculated phone numbers."""
    names: dict[str, set[str]] = {t: set(_DEFAULT_PROPERTIES[t]) | {"hubspot_owner_id"} for t in _TYPE_NAMES}
    for object_type, objects in seed.HUBSPOT.items():
        for obj in objects:
            names[object_type].update(obj["properties"])
    for object_type, name in _OPTIONS:
        names[object_type].add(name)
    names["contacts"].update({"hs_timezone", "state", "phone", "mobilephone"})
    names["communications"].update({"hs_communication_body", "textloop_message_sid"})  # the SMS log's
    names["tasks"].add("textloop_message_sid")  # the key of a consent or flagged-number note
    names["contacts"].update(n for pair in _CALCULATED_PHONES.values() for n in pair)
    definitions: dict[str, dict[str, dict[str, Any]]] = {}
    for object_type, found in names.items():
        definitions[object_type] = {}
        for name in sorted(found):
            options = _OPTIONS.get((object_type, name), ())
            calculated = any(name in pair for pair in _CALCULATED_PHONES.values())
            definitions[object_type][name] = {
                "name": name,
                "label": name.replace("_", " ").capitalize(),
                "type": "enumeration" if options else "string",
                "fieldType": "select" if options else "text",
                "groupName": "contactinformation"
                if object_type == "contacts"
                else f"{_SINGULAR[object_type]}information",
                "options": [
                    {"label": o, "value": o, "displayOrder": i, "hidden": False}
                    for i, o in enumerate(options)
                ],
                "calculated": calculated,
                "hubspotDefined": not name.startswith("textloop_")
                and "_link" not in name
                and "_url" not in name,
                "hidden": False,
                "formField": False,
                "modificationMetadata": {
                    "archivable": True,
                    "readOnlyDefinition": False,
                    "readOnlyValue": calculated,
                },
                "createdAt": _NOW_SEED,
                "updatedAt": _NOW_SEED,
                "archived": False,
            }
    return definitions


_NOW_SEED = "2025-01-13T16:20:00.000Z"


def _calculate_phones(properties: dict[str, Any]) -> None:
    """Derive the calculated phone properties of a contact the way HubSpot does (read-only, never sent)."""
    for source, (calculated, searchable) in _CALCULATED_PHONES.items():
        properties.pop(calculated, None)
        properties.pop(searchable, None)
        raw = properties.get(source)
        if not raw:
            continue
        try:
            parsed = phonenumbers.parse(raw, _DEFAULT_COUNTRY)
        except phonenumbers.NumberParseException:
            digits = re.sub(r"\D", "", raw).lstrip("0")
            if digits:
                properties[searchable] = digits
            continue
        properties[calculated] = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        properties[searchable] = phonenumbers.national_significant_number(parsed)


_RANGE: dict[str, Callable[..., bool]] = {
    "GT": lambda v, b: v > b,
    "GTE": lambda v, b: v >= b,
    "LT": lambda v, b: v < b,
    "LTE": lambda v, b: v <= b,
    "BETWEEN": lambda v, low, high: low <= v <= high,
}


def _ordered(value: Any) -> float:
    """A filter or property value as a number: dates (ISO 8601 or epoch milliseconds) in milliseconds."""
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000
    except ValueError:
        raise HubSpotError(400, "VALIDATION_ERROR", f"{value!r} is neither a number nor a date") from None


def _matches(obj: dict[str, Any], group: dict[str, Any]) -> bool:
    properties = obj["properties"]
    for spec in group.get("filters") or []:
        name, operator = spec.get("propertyName"), spec.get("operator")
        value = properties.get(name) if name != "id" else obj["id"]
        actual = value.casefold() if isinstance(value, str) else value
        if operator == "EQ":
            ok = actual == str(spec.get("value", "")).casefold()
        elif operator == "NEQ":
            ok = actual != str(spec.get("value", "")).casefold()
        elif operator == "IN":
            ok = actual in {str(v).casefold() for v in spec.get("values") or []}
        elif operator == "NOT_IN":
            ok = actual not in {str(v).casefold() for v in spec.get("values") or []}
        elif operator in _RANGE:  # numbers, and dates as epoch milliseconds or ISO 8601
            bounds = (
                [spec.get("value"), spec.get("highValue")] if operator == "BETWEEN" else [spec.get("value")]
            )
            ok = value not in (None, "") and _RANGE[operator](_ordered(value), *map(_ordered, bounds))
        elif operator == "HAS_PROPERTY":
            ok = value not in (None, "")
        elif operator == "NOT_HAS_PROPERTY":
            ok = value in (None, "")
        else:
            raise HubSpotError(
                400, "VALIDATION_ERROR", f"operator {operator} is not supported by the emulator"
            )
        if not ok:
            return False
    return True


def _sorted(objects: list[dict[str, Any]], sorts: list[Any]) -> list[dict[str, Any]]:
    result = sorted(objects, key=lambda o: int(o["id"]) if o["id"].isdigit() else o["id"])
    for spec in reversed(sorts):
        name = spec.get("propertyName") if isinstance(spec, dict) else str(spec).lstrip("-")
        descending = (
            (spec.get("direction") == "DESCENDING") if isinstance(spec, dict) else str(spec).startswith("-")
        )
        result.sort(key=lambda o: o["properties"].get(name) or "", reverse=descending)
    return result


def _batch_inputs(request: Request, limit: int) -> list[Any] | Response:
    """A batch endpoint's ``inputs``, or HubSpot's 400 (missing, malformed, or over ``limit``)."""
    body = request.body if isinstance(request.body, dict) else None
    inputs = body.get("inputs") if body is not None else None
    if request.malformed or not isinstance(inputs, list):
        return HubSpotError(400, "VALIDATION_ERROR", "Invalid input JSON: 'inputs' is required").response()
    if len(inputs) > limit:
        return HubSpotError(400, "VALIDATION_ERROR", f"Batch input is limited to {limit} inputs").response()
    return inputs
