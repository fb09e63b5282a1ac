"""HubSpot access tokens: a static private-app (or project) token, or OAuth with a refresh token.

OAuth: ``POST <base_url>/oauth/v1/token`` (form: ``grant_type=refresh_token``, ``client_id``,
``client_secret``, ``refresh_token``) gives an access token that lives ``expires_in`` seconds (30 minutes):
it is refreshed shortly before it expires, and at once, once, when the API answers 401. A refresh token the
answer carries replaces the one in the secret for this container. A static token is only re-read from the
secret (it does not expire; a rotated one takes effect within the secret's cache age or after a 401).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from textloop.config import Renewable

TOKEN_PATH = "/oauth/v1/token"  # noqa: S105 - a URL path, not a secret
REFRESH_MARGIN_SECONDS = 60.0  # refresh this long before expiry (at most half the token's lifetime)
TIMEOUT = (3.05, 10.0)


@dataclass(frozen=True, slots=True)
class HubSpotCredentials:
    """The HubSpot secret (JSON keys; ``HUBSPOT_<KEY>`` locally)."""

    access_token: str = ""  # static token: private app or project
    client_id: str = ""
    client_secret: str = ""
    refresh_token: str = ""

    @property
    def oauth(self) -> bool:
        return bool(self.refresh_token)

    @classmethod
    def from_secret(cls, values: Mapping[str, str]) -> HubSpotCredentials:
        oauth = bool(values.get("refresh_token"))
        required = ("client_id", "client_secret", "refresh_token") if oauth else ("access_token",)
        missing = [key for key in required if not values.get(key)]
        if missing:
            raise ValueError(f"HubSpot secret lacks {', '.join(missing)}")
        return cls(
            access_token="" if oauth else values["access_token"],
            client_id=values.get("client_id", ""),
            client_secret=values.get("client_secret", ""),
            refresh_token=values.get("refresh_token", ""),
        )


class HubSpotLoginFailed(Exception):
    """The token endpoint refused the refresh (400: bad client or refresh token) or failed (429/5xx)."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(f"HubSpot token endpoint answered {status} {error}: {message}")
        self.status, self.error, self.message = status, error, message

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    refresh_at: float  # clock time after which it is refreshed before use
    refresh_token: str  # the one to use next


class HubSpotAuth:
    """The current HubSpot access token (thread-safe): refreshed before expiry and once per 401."""

    def __init__(
        self,
        credentials: Renewable[HubSpotCredentials],
        base_url: str = "https://api.hubapi.com",
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        timeout: tuple[float, float] = TIMEOUT,
    ) -> None:
        self._credentials = credentials
        self._token_url = base_url.rstrip("/") + TOKEN_PATH
        self._session = session or requests.Session()
        self._clock = clock
        self._timeout = timeout
        self._lock = threading.Lock()
        self._token: _Token | None = None
        self._issued_for: HubSpotCredentials | None = None

    def token(self) -> str:
        credentials = self._credentials.get()
        if not credentials.oauth:
            return credentials.access_token
        with self._lock:
            if (
                self._token is None
                or credentials is not self._issued_for
                or self._clock() >= self._token.refresh_at
            ):
                self._token = self._refresh(credentials, self._token)
                self._issued_for = credentials
            return self._token.value

    def renew(self, stale: str) -> str:
        """A token other than *stale* (which the API refused): reads the secret again, then refreshes."""
        credentials = self._credentials.renew() or self._credentials.get()
        if not credentials.oauth:
            return credentials.access_token
        with self._lock:
            if self._token is not None and self._token.value != stale and credentials is self._issued_for:
                return self._token.value  # another thread refreshed it meanwhile
            self._token = self._refresh(credentials, self._token if credentials is self._issued_for else None)
            self._issued_for = credentials
            return self._token.value

    def _refresh(self, credentials: HubSpotCredentials, current: _Token | None) -> _Token:
        form = {
            "grant_type": "refresh_token",
            "client_id": credentials.client_id,
            "client_secret": credentials.client_secret,
            "refresh_token": current.refresh_token if current else credentials.refresh_token,
        }
        started = self._clock()
        response = self._session.post(self._token_url, data=form, timeout=self._timeout)
        body = _json(response)
        access = body.get("access_token") or body.get("accessToken")
        if response.status_code != 200 or not access:
            error = body.get("status") or body.get("category") or body.get("error") or "no_access_token"
            raise HubSpotLoginFailed(response.status_code, str(error), str(body.get("message") or ""))
        lifetime = float(body.get("expires_in") or body.get("expiresIn") or 1800)
        return _Token(
            value=str(access),
            refresh_at=started + lifetime - min(REFRESH_MARGIN_SECONDS, lifetime / 2),
            refresh_token=str(body.get("refresh_token") or body.get("refreshToken") or form["refresh_token"]),
        )


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
