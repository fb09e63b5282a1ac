"""Twilio Programmable Messaging emulator (HTTP): create and list Messages, signed status callbacks.

After a message is created, a background worker moves it to ``sent`` and then ``delivered`` (or
``undelivered`` for numbers in ``undeliverable``) and, when ``StatusCallback`` was given, posts each
status form-encoded and signed with ``X-Twilio-Signature`` like Twilio does. Callback failures are
recorded in ``callbacks``, never raised.
"""

from __future__ import annotations

import base64
import copy
import os
import queue
import secrets
import threading
import urllib.error
import urllib.request
import uuid
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

import phonenumbers
from twilio.request_validator import RequestValidator

from textloop.domain.segments import US_PRICE_PER_SEGMENT, count
from textloop_local.emulators import seed
from textloop_local.emulators.base import Emulator, Request, Response

API_VERSION = "2010-04-01"
_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    21211: "Invalid 'To' Phone Number",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21611: "This 'From' number has exceeded the maximum number of queued messages",
    21617: "The concatenated message body exceeds the 1600 character limit.",
}
_DELIVERY_ERRORS = {
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
}


def twilio_error(status: int, code: int, message: str = "") -> Response:
    return Response(
        status,
        {
            "code": code,
            "message": message or _MESSAGES.get(code, "Error"),
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def num_segments(body: str) -> int:
    """Twilio's count (GSM-7 160/153 with 2-unit extension characters, UCS-2 70/67): the domain's."""
    return max(count(body).segments, 1)  # a media-only message is billed as one


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _parse_day_or_time(value: str) -> datetime:
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class TwilioEmulator(Emulator):
    name = "twilio"

    def __init__(
        self,
        account_sid: str = seed.TWILIO_ACCOUNT_SID,
        auth_token: str = seed.TWILIO_AUTH_TOKEN,
        api_keys: dict[str, str] | None = None,
        sender: str = seed.TWILIO_SENDER,
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.api_keys = dict(api_keys or {})  # API key SID (SK...) → secret
        self.sender = sender  # the number a Messaging Service sends from
        self.unsubscribed: set[str] = set()  # E.164 numbers that replied STOP → 21610
        self.undeliverable: dict[str, int] = {}  # E.164 → delivery error code (30003, 30005, 30006)
        self.delivery_delay = 0.0  # seconds between status changes
        self.callbacks: list[dict[str, Any]] = []  # every status callback attempt
        self._messages: list[dict[str, Any]] = []
        self._callback_urls: dict[str, str] = {}
        self._work: queue.Queue[str | None] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._worker: threading.Thread | None = None
        # The account's Messaging Services (messaging.twilio.com/v1/Services). An unset incoming-message URL
        # reads as the local stack's own (``PUBLIC_BASE_URL`` of this process + /twilio/inbound): the stack
        # is where the emulated Twilio posts incoming messages.
        self.messaging_services: dict[str, dict[str, Any]] = {
            seed.TWILIO_MESSAGING_SERVICE_SID: _messaging_service(
                seed.TWILIO_MESSAGING_SERVICE_SID, account_sid, "Acme Cloud notifications"
            )
        }
        self.route("GET", r"/v1/Services/(?P<service>MG\w+)", self._fetch_service)
        self.route("POST", r"/v1/Services/(?P<service>MG\w+)", self._update_service)
        base = rf"/{API_VERSION}/Accounts/(?P<account>AC\w+)"
        self.route("POST", rf"{base}/Messages\.json", self._create)
        self.route("GET", rf"{base}/Messages\.json", self._list)
        self.route("GET", rf"{base}/Messages/(?P<sid>(SM|MM)\w+)\.json", self._fetch)

    # --- lifecycle ---------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().start(host, port)
        self._worker = threading.Thread(
            target=self._deliver_loop, name="twilio-emulator-delivery", daemon=True
        )
        self._worker.start()

    def stop(self) -> None:
        if self._worker is not None:
            self._work.put(None)
            self._worker.join(timeout=5)
            self._worker = None
        super().stop()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every status change and callback of the created messages was done."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    # --- Emulator hooks ----------------------------------------------------------------

    def authenticate(self, request: Request) -> Response | None:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
            except ValueError:
                user = password = ""
            known = {self.account_sid: self.auth_token, **self.api_keys}
            if user in known and secrets.compare_digest(known[user], password):
                return None
        response = twilio_error(401, 20003)
        response.body["detail"] = "Your AccountSid or AuthToken was incorrect."
        response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        return response

    def error(self, status: int, code: Any, message: str = "") -> Response:
        default = {404: 20404, 429: 20429}.get(status, 20500)
        return twilio_error(status, int(code or default), message)

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"messages": copy.deepcopy(self._messages)}

    # --- endpoints ---------------------------------------------------------------------

    def _fetch_service(self, request: Request) -> Response:
        """``GET /v1/Services/{sid}`` (messaging.twilio.com): the Messaging Service."""
        service = self.messaging_services.get(request.params["service"])
        if service is None:
            return twilio_error(404, 20404)
        rendered = copy.deepcopy(service)
        if rendered["inbound_request_url"] is None and os.environ.get("PUBLIC_BASE_URL"):
            rendered["inbound_request_url"] = os.environ["PUBLIC_BASE_URL"].rstrip("/") + "/twilio/inbound"
        return Response(200, rendered)

    def _update_service(self, request: Request) -> Response:
        """``POST /v1/Services/{sid}``: change the incoming-message settings (as in the Console)."""
        service = self.messaging_services.get(request.params["service"])
        if service is None:
            return twilio_error(404, 20404)
        form = request.body if isinstance(request.body, dict) else {}
        for param, key in (
            ("InboundRequestUrl", "inbound_request_url"),
            ("InboundMethod", "inbound_method"),
            ("FallbackUrl", "fallback_url"),
            ("StatusCallback", "status_callback"),
            ("FriendlyName", "friendly_name"),
        ):
            if param in form:
                service[key] = str((form[param] or [""])[-1]) or None
        if "UseInboundWebhookOnNumber" in form:
            service["use_inbound_webhook_on_number"] = (
                str(form["UseInboundWebhookOnNumber"][-1]).lower() == "true"
            )
        service["date_updated"] = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return self._fetch_service(request)

    def _create(self, request: Request) -> Response:
        if request.params["account"] != self.account_sid:
            return twilio_error(404, 20404)
        form = request.body if isinstance(request.body, dict) else {}

        def one(name: str) -> str:
            values = form.get(name) or [""]
            return str(values[-1])

        to, from_, service, body = one("To"), one("From"), one("MessagingServiceSid"), one("Body")
        media = list(form.get("MediaUrl") or [])
        if not to:
            return twilio_error(400, 21604)
        if not from_ and not service:
            return twilio_error(400, 21603)
        if not body and not media:
            return twilio_error(400, 21602)
        if not _is_e164(to):
            return twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if len(body) > 1600:
            return twilio_error(400, 21617)
        if to in self.unsubscribed:
            return twilio_error(400, 21610)
        now = datetime.now(UTC)
        sid = _sid("MM" if media else "SM")
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json"
        message = {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": format_datetime(now),
            "date_sent": None,
            "date_updated": format_datetime(now),
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_ or None,
            "messaging_service_sid": service or None,
            "num_media": str(len(media)),
            "num_segments": str(num_segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if service and not from_ else "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": to,
            "uri": uri,
        }
        self._messages.append(message)
        callback = one("StatusCallback")
        if callback:
            self._callback_urls[sid] = callback
        with self._idle:
            self._pending += 1
        self._work.put(sid)
        return Response(201, copy.deepcopy(message))

    def _fetch(self, request: Request) -> Response:
        message = next((m for m in self._messages if m["sid"] == request.params["sid"]), None)
        if request.params["account"] != self.account_sid or message is None:
            return twilio_error(404, 20404)
        return Response(200, copy.deepcopy(message))

    def _list(self, request: Request) -> Response:
        if request.params["account"] != self.account_sid:
            return twilio_error(404, 20404)
        try:
            matches = [m for m in reversed(self._messages) if self._listed(m, request)]
        except ValueError:
            return twilio_error(400, 20001, "Invalid DateSent filter")
        page_size = min(int(request.arg("PageSize") or 50), 1000)
        page = int(request.arg("Page") or 0)
        chunk = matches[page * page_size : (page + 1) * page_size]
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"
        filters = {
            k: request.arg(k) for k in ("To", "From", "DateSent", "DateSent<", "DateSent>") if request.arg(k)
        }

        def page_uri(number: int, token: str | None = None) -> str:
            query = {
                **filters,
                "PageSize": page_size,
                "Page": number,
                **({"PageToken": token} if token else {}),
            }
            return f"{path}?{urlencode(query)}"

        has_next = (page + 1) * page_size < len(matches)
        return Response(
            200,
            {
                "end": page * page_size + max(len(chunk) - 1, 0),
                "first_page_uri": page_uri(0),
                "next_page_uri": page_uri(page + 1, "PA" + chunk[-1]["sid"]) if has_next else None,
                "page": page,
                "page_size": page_size,
                "previous_page_uri": page_uri(page - 1) if page > 0 else None,
                "start": page * page_size,
                "uri": page_uri(page),
                "messages": copy.deepcopy(chunk),
            },
        )

    @staticmethod
    def _listed(message: dict[str, Any], request: Request) -> bool:
        if request.arg("To") and message["to"] != request.arg("To"):
            return False
        if request.arg("From") and message["from"] != request.arg("From"):
            return False
        # A message not sent yet has no date_sent; it is listed by its creation time (an assumption:
        # Twilio does not document how DateSent treats queued messages).
        moment = _rfc2822(message["date_sent"] or message["date_created"])
        after, before, on = request.arg("DateSent>"), request.arg("DateSent<"), request.arg("DateSent")
        if after and moment < _parse_day_or_time(after):
            return False
        if before and moment > _parse_day_or_time(before):
            return False
        return not (on and moment.date() != _parse_day_or_time(on).date())

    # --- delivery ----------------------------------------------------------------------

    def _deliver_loop(self) -> None:
        while True:
            sid = self._work.get()
            if sid is None:
                return
            try:
                self._progress(sid, "sent")
                self._progress(sid, "delivered")
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _progress(self, sid: str, status: str) -> None:
        if self.delivery_delay:
            threading.Event().wait(self.delivery_delay)
        with self._lock:
            message = next(m for m in self._messages if m["sid"] == sid)
            now = format_datetime(datetime.now(UTC))
            if status == "sent":
                message["from"] = message["from"] or self.sender
                message["date_sent"] = now
                message["price"] = f"-{US_PRICE_PER_SEGMENT * int(message['num_segments']):.5f}"
            elif message["to"] in self.undeliverable:
                status = "undelivered"
                message["error_code"] = self.undeliverable[message["to"]]
                message["error_message"] = _DELIVERY_ERRORS.get(message["error_code"], "Delivery failed")
            message["status"] = status
            message["date_updated"] = now
            params = {
                "ApiVersion": API_VERSION,
                "AccountSid": message["account_sid"],
                "MessageSid": sid,
                "SmsSid": sid,
                "MessageStatus": status,
                "SmsStatus": status,
                "From": message["from"],
                "To": message["to"],
            }
            if message["messaging_service_sid"]:
                params["MessagingServiceSid"] = message["messaging_service_sid"]
            if message["error_code"]:
                params["ErrorCode"] = str(message["error_code"])
            url = self._callback_urls.get(sid)
        if url:
            self._post_callback(url, params)

    def _post_callback(self, url: str, params: dict[str, str]) -> None:
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        request = urllib.request.Request(
            url,
            data=urlencode(params).encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "X-Twilio-Signature": signature,
                "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
                "User-Agent": "TwilioProxy/1.1",
            },
        )
        attempt: dict[str, Any] = {"url": url, "params": params, "status": None, "error": None}
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                attempt["status"] = response.status
        except urllib.error.HTTPError as exc:
            attempt["status"], attempt["error"] = exc.code, f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            attempt["error"] = type(exc).__name__
        with self._lock:
            self.callbacks.append(attempt)


def _messaging_service(sid: str, account_sid: str, name: str) -> dict[str, Any]:
    created = "2025-01-13T16:20:00Z"
    return {
        "sid": sid,
        "account_sid": account_sid,
        "friendly_name": name,
        "date_created": created,
        "date_updated": created,
        "inbound_request_url": None,
        "inbound_method": "POST",
        "fallback_url": None,
        "fallback_method": "POST",
        "status_callback": None,
        "sticky_sender": True,
        "mms_converter": True,
        "smart_encoding": True,
        "scan_message_content": "inherit",
        "fallback_to_long_code": True,
        "area_code_geomatch": True,
        "validity_period": 14400,
        "synchronous_validation": True,
        "usecase": "notifications",
        "us_app_to_person_registered": True,
        "use_inbound_webhook_on_number": False,
        "url": f"https://messaging.twilio.com/v1/Services/{sid}",
        "links": {"phone_numbers": f"https://messaging.twilio.com/v1/Services/{sid}/PhoneNumbers"},
    }


def _is_e164(number: str) -> bool:
    if not number.startswith("+"):
        return False
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return False


def _rfc2822(value: str) -> datetime:
    return datetime.strptime(value, "%a, %d %b %Y %H:%M:%S %z").astimezone(UTC)
