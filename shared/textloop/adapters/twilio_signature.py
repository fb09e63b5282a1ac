"""X-Twilio-Signature check with the twilio library's own RequestValidator (no REST client import).

During an auth token rotation both tokens sign validly: Twilio signs with its primary token, which becomes
the secondary one's value once promoted, so a signature valid under either token passes. When none holds,
the tokens are read again (``Renewable``, rate-limited) and checked once more if they changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from twilio.request_validator import RequestValidator

from textloop.config import Fixed, Renewable
from textloop.domain.errors import Forbidden
from textloop.http import HttpRequest


class TwilioSignature:
    def __init__(
        self, auth_token: str | Renewable[Sequence[str]], secondary_token: str | None = None
    ) -> None:
        if isinstance(auth_token, str):
            tokens = (auth_token, secondary_token) if secondary_token else (auth_token,)
            self._tokens: Renewable[Sequence[str]] = Fixed(tokens)
        else:
            self._tokens = auth_token

    def verify(self, url: str, params: dict[str, str], signature: str | None) -> None:
        """Raise Forbidden unless *signature* is Twilio's for this URL and form parameters."""
        if not signature:
            raise Forbidden("missing X-Twilio-Signature")
        if _valid(self._tokens.get(), url, params, signature):
            return
        renewed = self._tokens.renew()
        if renewed is None or not _valid(renewed, url, params, signature):
            raise Forbidden("X-Twilio-Signature does not match")

    def verified_form(self, request: HttpRequest, public_base_url: str | None) -> dict[str, str]:
        """The form parameters of a Twilio webhook, once its signature holds for the public URL."""
        form = request.form()
        self.verify(request.public_url(public_base_url), form, request.headers.get("x-twilio-signature"))
        return form


def _valid(tokens: Sequence[str], url: str, params: dict[str, str], signature: str) -> bool:
    return any(RequestValidator(token).validate(url, params, signature) for token in tokens if token)
