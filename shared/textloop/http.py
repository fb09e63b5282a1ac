"""The HTTP edge: API Gateway HTTP API (payload v2) requests, and the one place where
exceptions become HTTP answers."""

from __future__ import annotations

import base64
import functools
import html
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from textloop.domain import errors

# Most specific first: the first class in an exception's MRO found here decides the status.
STATUS_BY_ERROR: Mapping[type[errors.TextloopError], int] = {
    errors.Forbidden: 403,
    errors.Unauthorized: 401,
    errors.BadRequest: 400,
    errors.NotFound: 404,
    errors.Retryable: 503,  # the sender (HubSpot, Twilio) retries
}

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str
    query: str
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    host: str
    stage: str

    @classmethod
    def from_apigw_v2(cls, event: Mapping[str, Any]) -> HttpRequest:
        try:
            context = event["requestContext"]
            raw = event.get("body") or ""
            body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8")
            return cls(
                method=context["http"]["method"].upper(),
                path=event["rawPath"],
                query=event.get("rawQueryString", ""),
                headers={k.lower(): v for k, v in (event.get("headers") or {}).items()},
                body=body,
                host=context.get("domainName", ""),
                stage=context.get("stage", "$default"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise errors.BadRequest(f"not an API Gateway HTTP API v2 event: {exc}") from None

    def public_url(self, base_override: str | None = None) -> str:
        """The URL the caller used, as webhook signatures need it (scheme, host, stage, query).

        Behind a custom domain with a base path, set PUBLIC_BASE_URL (e.g. https://sms.example.com/v1).
        """
        if base_override:
            base = base_override.rstrip("/")
        else:
            scheme = self.headers.get("x-forwarded-proto", "https")
            stage = (
                ""
                if self.stage in ("$default", "") or self.path.startswith(f"/{self.stage}/")
                else f"/{self.stage}"
            )
            base = f"{scheme}://{self.headers.get('host', self.host)}{stage}"
        return base + self.path + (f"?{self.query}" if self.query else "")

    def form(self) -> dict[str, str]:
        try:
            return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
        except UnicodeDecodeError:
            raise errors.BadRequest("form body is not UTF-8") from None


def response(
    status: int, body: str | dict[str, Any] = "", content_type: str = "application/json"
) -> dict[str, Any]:
    text = json.dumps(body) if isinstance(body, dict) else body
    return {"statusCode": status, "headers": {"content-type": content_type}, "body": text}


def redirect(location: str) -> dict[str, Any]:
    """302 to *location*, never cached (each fetch is counted) and without a Referer to the target."""
    return {
        "statusCode": 302,
        "headers": {
            "location": location,
            "cache-control": "no-store",
            "referrer-policy": "no-referrer",
            "content-type": "text/plain",
        },
        "body": "",
    }


_PAGES = {404: "Link not found", 400: "Bad request", 503: "Try again shortly"}
_PAGE_TEXT = {
    404: "This link is unknown or has expired.",
    400: "This request could not be understood.",
    503: "We could not open this link just now. Please try again in a moment.",
}


def page(status: int) -> dict[str, Any]:
    """A plain HTML page for a person's browser (no script, no external resources)."""
    title = html.escape(_PAGES.get(status, "Something went wrong"))
    text = html.escape(_PAGE_TEXT.get(status, "Please try again later."))
    body = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><h1>{title}</h1><p>{text}</p></body></html>"
    )
    return {
        "statusCode": status,
        "headers": {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"},
        "body": body,
    }


def api_errors(
    on_unexpected: Callable[[Exception], None], *, html_pages: bool = False
) -> Callable[[Handler], Handler]:
    """Decorator: domain errors → their status with a JSON reason (``html_pages``: a plain HTML page,
    for routes a person's browser opens); anything else → 500 (logged)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(event: dict[str, Any], context: Any) -> dict[str, Any]:
            try:
                return handler(event, context)
            except errors.TextloopError as exc:
                status = next((STATUS_BY_ERROR[c] for c in type(exc).__mro__ if c in STATUS_BY_ERROR), 500)
                if status >= 500:
                    on_unexpected(exc)
                if html_pages:
                    return page(status)
                return response(status, {"error": exc.reason, "message": str(exc)})
            except Exception as exc:  # the last line of defence: log it, answer 500, never crash
                on_unexpected(exc)
                return page(500) if html_pages else response(500, {"error": "internal_error"})

        return wrapper

    return decorate
