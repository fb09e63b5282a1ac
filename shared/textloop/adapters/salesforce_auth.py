"""Salesforce access tokens for the REST API: OAuth 2.0 JWT bearer, client credentials, or a static token.

* ``jwt_bearer`` (recommended; an External Client App with a certificate): an RS256 assertion signed with the
  private key — ``iss`` the consumer key, ``sub`` the integration user's username, ``aud`` the login URL,
  ``exp`` three minutes ahead — posted to ``<login_url>/services/oauth2/token``.
* ``client_credentials`` (the app's run-as user): consumer key and secret posted to the My Domain token
  endpoint (``<instance_url or login_url>/services/oauth2/token``).
* ``access_token``: a static session token (development only: nothing renews it but a new secret).

Salesforce does not say when a session ends, so a token is kept until the API answers 401
(INVALID_SESSION_ID): then the credentials are read again and one new token is obtained (``renew``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import jwt
import requests

from textloop.config import Renewable

TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a URL path, not a secret
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_SECONDS = 180  # Salesforce accepts an assertion whose exp is at most 3 minutes ahead
DEFAULT_LOGIN_URL = "https://login.salesforce.com"
AuthKind = Literal["jwt_bearer", "client_credentials", "access_token"]
_REQUIRED: dict[str, tuple[str, ...]] = {
    "jwt_bearer": ("username", "consumer_key", "private_key"),
    "client_credentials": ("consumer_key", "consumer_secret"),
    "access_token": ("access_token",),
}


@dataclass(frozen=True, slots=True)
class SalesforceCredentials:
    """The Salesforce secret (JSON keys; ``SALESFORCE_<KEY>`` locally)."""

    auth: AuthKind
    login_url: str = DEFAULT_LOGIN_URL
    instance_url: str = ""
    username: str = ""
    consumer_key: str = ""
    consumer_secret: str = ""
    private_key: str = ""  # PEM
    access_token: str = ""

    @classmethod
    def from_secret(cls, values: Mapping[str, str]) -> SalesforceCredentials:
        auth = values.get("auth") or (
            "jwt_bearer"
            if values.get("private_key")
            else "client_credentials"
            if values.get("consumer_secret")
            else "access_token"
        )
        if auth not in _REQUIRED:
            raise ValueError(f"Salesforce secret: auth must be one of {', '.join(_REQUIRED)}, not {auth!r}")
        missing = [key for key in _REQUIRED[auth] if not values.get(key)]
        if missing:
            raise ValueError(f"Salesforce secret ({auth}) lacks {', '.join(missing)}")
        return cls(
            auth=cast(AuthKind, auth),
            login_url=(values.get("login_url") or DEFAULT_LOGIN_URL).rstrip("/"),
            instance_url=(values.get("instance_url") or "").rstrip("/"),
            username=values.get("username", ""),
            consumer_key=values.get("consumer_key", ""),
            consumer_secret=values.get("consumer_secret", ""),
            private_key=values.get("private_key", ""),
            access_token=values.get("access_token", ""),
        )


@dataclass(frozen=True, slots=True)
class SalesforceToken:
    access_token: str
    instance_url: str


class SalesforceLoginFailed(Exception):
    """The token endpoint refused (400/401: the credentials are wrong) or failed (429/5xx)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"Salesforce token endpoint answered {status} {error}: {description}")
        self.status, self.error, self.description = status, error, description

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500


class SalesforceAuth:
    """A Salesforce access token, obtained on first use and renewed once per 401 (thread-safe)."""

    def __init__(
        self,
        credentials: Renewable[SalesforceCredentials],
        session: requests.Session,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._session = session  # for the token endpoint only
        self._clock = clock
        self._lock = threading.Lock()
        self._token: SalesforceToken | None = None
        self._issued_for: SalesforceCredentials | None = None

    def token(self) -> SalesforceToken:
        credentials = self._credentials.get()
        with self._lock:
            if self._token is None or credentials is not self._issued_for:  # first use, or a new secret
                self._token, self._issued_for = self._obtain(credentials), credentials
            return self._token

    def renew(self, stale: str) -> SalesforceToken:
        """A token other than *stale* (which the API refused): reads the secret again, then asks for one."""
        with self._lock:
            if self._token is not None and self._token.access_token != stale:
                return self._token  # another thread renewed it meanwhile
        credentials = self._credentials.renew() or self._credentials.get()
        with self._lock:
            if self._token is not None and self._token.access_token != stale:
                return self._token
            self._token, self._issued_for = self._obtain(credentials), credentials
            return self._token

    def _obtain(self, credentials: SalesforceCredentials) -> SalesforceToken:
        if credentials.auth == "access_token":
            return SalesforceToken(credentials.access_token, credentials.instance_url)
        if credentials.auth == "jwt_bearer":
            claims = {
                "iss": credentials.consumer_key,
                "sub": credentials.username,
                "aud": credentials.login_url,
                "exp": int(self._clock()) + ASSERTION_SECONDS,
            }
            try:
                assertion = jwt.encode(claims, credentials.private_key, algorithm="RS256")
            except (ValueError, TypeError, jwt.PyJWTError) as exc:  # not a PEM RSA private key
                raise SalesforceLoginFailed(0, "invalid_private_key", type(exc).__name__) from None
            url = credentials.login_url
            form = {"grant_type": JWT_BEARER_GRANT, "assertion": assertion}
        else:
            url = credentials.instance_url or credentials.login_url
            form = {
                "grant_type": "client_credentials",
                "client_id": credentials.consumer_key,
                "client_secret": credentials.consumer_secret,
            }
        response = self._session.post(f"{url}{TOKEN_PATH}", data=form)
        body = _json(response)
        if response.status_code != 200 or not body.get("access_token"):
            raise SalesforceLoginFailed(
                response.status_code,
                str(body.get("error") or "no_access_token"),
                str(body.get("error_description") or ""),
            )
        return SalesforceToken(
            str(body["access_token"]), str(body.get("instance_url") or credentials.instance_url).rstrip("/")
        )


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
