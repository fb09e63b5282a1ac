"""SmsSender through the twilio SDK: send via a Messaging Service, list what was sent to a number.

Every call goes to ``base_url`` (the real API or the local emulator); vendor errors never leave this module.
Credentials: an API key and its secret when given (Twilio's recommendation), else the account's auth token.
A 401 reads the credentials again (``Renewable``) and, if they changed, the call is made once more.

Backpressure: the twilio library retries nothing by itself (``TwilioHttpClient`` mounts no retrying
adapter unless ``max_retries`` is given, and never reads ``Retry-After``), and a retry inside a Lambda
would only bill the wait. So a 429 (Too Many Requests, 20429) or 21611 (the Messaging Service's queue
for the sender is full) becomes ``SmsUnavailable`` with ``retry_after`` (Twilio's ``Retry-After`` when
it sends one, else ``RETRY_AFTER_429`` / ``RETRY_AFTER_QUEUE_FULL``); the dispatcher turns it into a
per-message delay on the queue. Until then this sender refuses its next sends at once (``Throttle``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from textloop.adapters.limits import Throttle, retry_after_header
from textloop.config import Fixed, Renewable
from textloop.domain.errors import RecipientUnsubscribed, SendRejected, SmsUnavailable
from textloop.domain.model import OutboundSms, SentSms
from textloop.domain.phone import mask, mask_in_text
from textloop.domain.reconcile import ProviderMessage

TIMEOUT = (3.05, 10.0)  # (connect, read) seconds
UNSUBSCRIBED = 21610
TOO_MANY_REQUESTS = 20429
QUEUE_FULL = 21611  # "This 'From' number has exceeded the maximum number of queued messages"
RETRY_AFTER_429 = 1.0  # seconds, when a 429 names no Retry-After
RETRY_AFTER_QUEUE_FULL = 60.0  # seconds: the Messaging Service's queue drains at the senders' rate
_FIND_LIMIT = 200  # newest messages to one number scanned by recent()
_PAGE_SIZE = 50
_UNAUTHORIZED = 401
R = TypeVar("R")


def twilio_client(
    account_sid: str,
    auth_token: str | None = None,
    *,
    api_key: str | None = None,
    api_secret: str | None = None,
    base_url: str = "https://api.twilio.com",
    timeout: tuple[float, float] = TIMEOUT,
) -> Client:
    """A REST client for *account_sid*: with the API key and secret when both are given, else the auth token."""
    if not account_sid or (not (api_key and api_secret) and not auth_token):
        raise ValueError("Twilio needs account_sid, and api_key with api_secret or auth_token")
    # environment={}: TWILIO_EDGE / TWILIO_REGION would rewrite the host and bypass base_url.
    http_client = _HeadersKept(timeout=timeout[1])
    http_client.timeout = timeout  # requests takes (connect, read); the constructor only checks a number
    if api_key and api_secret:
        client = Client(api_key, api_secret, account_sid, http_client=http_client, environment={})
    else:
        client = Client(account_sid, auth_token, http_client=http_client, environment={})
    # Messages live on the "api" domain; every URL it builds (pages included) starts with base_url.
    client.api.base_url = base_url.rstrip("/")
    return client


class _HeadersKept(TwilioHttpClient):  # type: ignore[misc]  # an untyped SDK class
    """The library's client, keeping each thread's last response headers (``Retry-After``): its
    exceptions carry none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    def request(self, *args: Any, **kwargs: Any) -> Response:
        self._local.headers = {}
        response = super().request(*args, **kwargs)
        self._local.headers = dict(response.headers or {})
        return response

    @property
    def last_headers(self) -> dict[str, str]:
        return dict(getattr(self._local, "headers", None) or {})


class TwilioSmsSender:
    def __init__(
        self,
        client: Client | Renewable[Client],
        messaging_service_sid: str,
        throttle: Throttle | None = None,
    ) -> None:
        self._clients: Renewable[Client] = Fixed(client) if isinstance(client, Client) else client
        self._messaging_service_sid = messaging_service_sid
        self._throttle = throttle or Throttle()

    @classmethod
    def connect(
        cls,
        account_sid: str,
        auth_token: str | None,
        messaging_service_sid: str,
        base_url: str = "https://api.twilio.com",
        timeout: tuple[float, float] = TIMEOUT,
        api_key: str | None = None,
        api_secret: str | None = None,
    ) -> TwilioSmsSender:
        client = twilio_client(
            account_sid,
            auth_token,
            api_key=api_key,
            api_secret=api_secret,
            base_url=base_url,
            timeout=timeout,
        )
        return cls(client, messaging_service_sid)

    # --- SmsSender ---------------------------------------------------------------------

    def send(self, sms: OutboundSms) -> SentSms:
        wait = self._throttle.wait()
        if wait is not None:  # Twilio just said "too many": the rest of the batch waits too
            raise SmsUnavailable("Twilio is throttling sends", to=mask(sms.to), retry_after=wait)
        try:
            message = self._authenticated(
                lambda client: client.messages.create(
                    to=sms.to,
                    body=sms.body,
                    messaging_service_sid=self._messaging_service_sid,
                    status_callback=sms.status_callback,
                )
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            problem = _translated(exc, sms.to, self._last_headers())
            if isinstance(problem, SmsUnavailable) and problem.retry_after is not None:
                self._throttle.block(problem.retry_after)
            raise problem from None
        except (TwilioException, requests.RequestException) as exc:
            raise SmsUnavailable(f"Twilio unreachable: {type(exc).__name__}", to=mask(sms.to)) from None
        return SentSms(sid=str(message.sid), status=str(message.status))

    def recent(self, to: str, since: datetime) -> list[ProviderMessage]:
        """Outbound messages to *to* from our Messaging Service created at or after *since*, newest
        first. Filtered on what Twilio keeps as sent: To (in the query), MessagingServiceSid,
        direction and DateCreated — never on the body, which Twilio may store changed."""
        since = since.astimezone(UTC).replace(microsecond=0)  # Twilio dates have whole seconds
        # No DateSent filter: a message still queued in the Messaging Service has no date_sent and
        # would be left out. The newest messages to the number come first; creation time decides.
        try:
            messages = self._authenticated(
                lambda client: client.messages.list(to=to, limit=_FIND_LIMIT, page_size=_PAGE_SIZE)
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            wait = retry_after_header(self._last_headers(), RETRY_AFTER_429) if exc.status == 429 else None
            raise SmsUnavailable(
                f"Twilio refused to list messages ({exc.status})",
                to=mask(to),
                code=exc.code,
                retry_after=wait,
            ) from None
        except (TwilioException, requests.RequestException) as exc:
            raise SmsUnavailable(f"Twilio unreachable: {type(exc).__name__}", to=mask(to)) from None
        found: list[ProviderMessage] = []
        for message in messages:
            created = message.date_created
            if (
                str(message.direction or "").startswith("outbound")
                and str(message.messaging_service_sid or "") == self._messaging_service_sid
                and (created is None or created >= since)
            ):
                found.append(
                    ProviderMessage(str(message.sid), str(message.body or ""), created, str(message.status))
                )
        return found

    def _last_headers(self) -> dict[str, str]:
        http_client = getattr(self._clients.get(), "http_client", None)
        return http_client.last_headers if isinstance(http_client, _HeadersKept) else {}

    def _authenticated(self, call: Callable[[Client], R]) -> R:
        """*call* with the current client; on a 401, once more if the credentials changed since."""
        try:
            return call(self._clients.get())
        except TwilioRestException as exc:
            if exc.status != _UNAUTHORIZED:
                raise
            renewed = self._clients.renew()
            if renewed is None:
                raise
        return call(renewed)


def _translated(
    exc: TwilioRestException | TwilioServiceException, to: str, headers: dict[str, str] | None = None
) -> Exception:
    status, code = int(exc.status or 0), exc.code
    text = str(getattr(exc, "msg", None) or getattr(exc, "detail", None) or "")
    detail = mask_in_text(text.replace(to, mask(to)))  # Twilio's messages may quote the number
    details = {"to": mask(to), "status": status, "code": code, "twilio_message": detail}
    if code == UNSUBSCRIBED:
        return RecipientUnsubscribed("the recipient unsubscribed (Twilio 21610)", **details)
    if status == 429 or code == TOO_MANY_REQUESTS:
        wait = retry_after_header(headers, RETRY_AFTER_429)
        return SmsUnavailable(f"Twilio answered {status} ({code})", retry_after=wait, **details)
    if code == QUEUE_FULL:  # the sender's queue is full: it drains at its rate, try again later
        wait = retry_after_header(headers, RETRY_AFTER_QUEUE_FULL)
        return SmsUnavailable(f"Twilio's queue is full ({code})", retry_after=wait, **details)
    # 401: credentials are wrong or rotated; retrying keeps the message until they are fixed.
    if status == 401 or status >= 500:
        return SmsUnavailable(f"Twilio answered {status} ({code})", **details)
    return SendRejected(f"Twilio rejected the message ({code})", **details)
