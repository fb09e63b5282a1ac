"""X-Twilio-Signature check with the twilio library's own RequestValidator (no REST client import)."""

from __future__ import annotations

from twilio.request_validator import RequestValidator

from textloop.domain.errors import Forbidden
from textloop.http import HttpRequest


class TwilioSignature:
    def __init__(self, auth_token: str) -> None:
        self._validator = RequestValidator(auth_token)

    def verify(self, url: str, params: dict[str, str], signature: str | None) -> None:
        """Raise Forbidden unless *signature* is Twilio's for this URL and form parameters."""
        if not signature:
            raise Forbidden("missing X-Twilio-Signature")
        if not self._validator.validate(url, params, signature):
            raise Forbidden("X-Twilio-Signature does not match")

    def verified_form(self, request: HttpRequest, public_base_url: str | None) -> dict[str, str]:
        """The form parameters of a Twilio webhook, once its signature holds for the public URL."""
        form = request.form()
        self.verify(request.public_url(public_base_url), form, request.headers.get("x-twilio-signature"))
        return form
