"""SmsSender through the twilio SDK: send via a Messaging Service, find a message already sent.

Every call goes to ``base_url`` (the real API or the local emulator); vendor errors never leave this module.
Credentials: an API key and its secret when given (Twilio's recommendation), else the account's auth token.
A 401 reads the credentials again (``Renewable``) and, if they changed, the call is made once more.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import requests
from twilio.base.exceptions import (
    TwilioException,
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from textloop.config import Fixed, Renewable
from textloop.domain.errors import RecipientUnsubscribed, SendRejected, SmsUnavailable
from textloop.domain.model import OutboundSms, SentSms
from textloop.domain.phone import mask, mask_in_text

TIMEOUT = (3.05, 10.0)  # (connect, read) seconds
UNSUBSCRIBED = 21610
TOO_MANY_REQUESTS = 20429
_FIND_LIMIT = 200  # newest messages to one number scanned by find_sent
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
    http_client = TwilioHttpClient(timeout=timeout[1])
    http_client.timeout = timeout  # requests takes (connect, read); the constructor only checks a number
    if api_key and api_secret:
        client = Client(api_key, api_secret, account_sid, http_client=http_client, environment={})
    else:
        client = Client(account_sid, auth_token, http_client=http_client, environment={})
    # Messages live on the "api" domain; every URL it builds (pages included) starts with base_url.
    client.api.base_url = base_url.rstrip("/")
    return client


class TwilioSmsSender:
    def __init__(self, client: Client | Renewable[Client], messaging_service_sid: str) -> None:
        self._clients: Renewable[Client] = Fixed(client) if isinstance(client, Client) else client
        self._messaging_service_sid = messaging_service_sid

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
            raise _translated(exc, sms.to) from None
        except (TwilioException, requests.RequestException) as exc:
            raise SmsUnavailable(f"Twilio unreachable: {type(exc).__name__}", to=mask(sms.to)) from None
        return SentSms(sid=str(message.sid), status=str(message.status))

    def find_sent(self, to: str, since: datetime, body: str) -> SentSms | None:
        since = since.astimezone(UTC).replace(microsecond=0)  # Twilio dates have whole seconds
        # No DateSent filter: a message still queued in the Messaging Service has no date_sent and
        # would be left out. The newest messages to the number come first; creation time decides.
        try:
            messages = self._authenticated(
                lambda client: client.messages.list(to=to, limit=_FIND_LIMIT, page_size=_PAGE_SIZE)
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise SmsUnavailable(
                f"Twilio refused to list messages ({exc.status})", to=mask(to), code=exc.code
            ) from None
        except (TwilioException, requests.RequestException) as exc:
            raise SmsUnavailable(f"Twilio unreachable: {type(exc).__name__}", to=mask(to)) from None
        for message in messages:
            created = message.date_created
            if (
                " ".join(str(message.body or "").split()) == " ".join(body.split())
                and str(message.direction or "").startswith("outbound")
                and (created is None or created >= since)
            ):
                return SentSms(sid=str(message.sid), status=str(message.status))
        return None

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


def _translated(exc: TwilioRestException | TwilioServiceException, to: str) -> Exception:
    status, code = int(exc.status or 0), exc.code
    text = str(getattr(exc, "msg", None) or getattr(exc, "detail", None) or "")
    detail = mask_in_text(text.replace(to, mask(to)))  # Twilio's messages may quote the number
    details = {"to": mask(to), "status": status, "code": code, "twilio_message": detail}
    if code == UNSUBSCRIBED:
        return RecipientUnsubscribed("the recipient unsubscribed (Twilio 21610)", **details)
    # 401: credentials are wrong or rotated; retrying keeps the message until they are fixed.
    if status in (401, 429) or code == TOO_MANY_REQUESTS or status >= 500:
        return SmsUnavailable(f"Twilio answered {status} ({code})", **details)
    return SendRejected(f"Twilio rejected the message ({code})", **details)
