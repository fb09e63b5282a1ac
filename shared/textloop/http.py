"""The HTTP edge: API Gateway HTTP API (payload v2) requests, and the one place where
exceptions become HTTP answers."""

from __future__ import annotations

import base64
import functools
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
    errors.PayloadTooLarge: 413,
    errors.BadRequest: 400,
    errors.NotFound: 404,
    errors.Retryable: 503,  # the sender (HubSpot, Twilio) retries
}

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

# Request body limits per route, in bytes of the decoded body, checked before anything parses it.
# API Gateway alone would accept 10 MB (and Lambda 6 MB); these follow what each sender documents.
#
# Twilio's webhooks are application/x-www-form-urlencoded: a message Body is at most 1,600 characters
# (up to 4 bytes each in UTF-8, then up to 3 bytes per byte percent-encoded: 19,200 bytes at worst),
# an MMS carries at most 10 media (MediaUrlN and MediaContentTypeN, ~200 bytes each) and the other
# fixed parameters (sids, numbers, geo fields, status, error code, price...) add under 2 KB.
# A status callback is smaller still. 64 KiB is three times the worst case.
TWILIO_FORM_MAX_BYTES = 64 * 1024
# HubSpot sends at most 100 events per webhook request. An event's envelope (ids, portal, timestamps,
# subscription type, property name, change source) is about 400 bytes of JSON; its propertyValue is
# the changed value of a watched property (a stage, a date, an enumeration: short). Even at 10 KB per
# value a full batch is about 1 MB: 1 MiB is the limit, and anything past it is not HubSpot's batch.
HUBSPOT_BATCH_MAX_BYTES = 1024 * 1024
# GET|HEAD /l/{code}: a redirect reads no body at all.
NO_BODY = 0


def body_size(event: Mapping[str, Any]) -> int:
    """The decoded size of a payload v2 event's body, without decoding it (0 if it has none)."""
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        return 0  # not a payload v2 body: HttpRequest.from_apigw_v2 refuses it (400)
    if event.get("isBase64Encoded"):
        return len(raw) * 3 // 4 - raw[-2:].count("=")
    return len(raw.encode("utf-8", "surrogatepass"))


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
            method, path, query = context["http"]["method"], event["rawPath"], event.get("rawQueryString", "")
            if not all(isinstance(v, str) for v in (raw, method, path, query)):
                raise TypeError("body, method, rawPath and rawQueryString must be strings")
            body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8")
            return cls(
                method=method.upper(),
                path=path,
                query=query,
                headers={k.lower(): v for k, v in (event.get("headers") or {}).items()},
                body=body,
                host=context.get("domainName", ""),
                stage=context.get("stage", "$default"),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
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


_PAGES = {404: "Link not found", 400: "Bad request", 413: "Request too large", 503: "Try again shortly"}
_PAGE_TEXT = {
    404: "This link is unknown or has expired.",
    400: "This request could not be understood.",
    413: "This request carries more than this address accepts.",
    503: "We could not open this link just now. Please try again in a moment.",
}


def page(status: int) -> dict[str, Any]:
    """A plain HTML page for a person's browser (no script, no external resources)."""
    import html  # on use: html.entities is a cold start's 4 ms, and a page is the rare answer

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
    on_unexpected: Callable[[Exception], None], *, max_body_bytes: int, html_pages: bool = False
) -> Callable[[Handler], Handler]:
    """Decorator: a body over ``max_body_bytes`` → 413 before the handler runs; domain errors → their
    status with a JSON reason (``html_pages``: a plain HTML page, for routes a person's browser opens);
    anything else → 500 (logged)."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapper(event: dict[str, Any], context: Any) -> dict[str, Any]:
            try:
                size = body_size(event) if isinstance(event, Mapping) else 0
                if size > max_body_bytes:
                    raise errors.PayloadTooLarge(
                        f"request body is {size} bytes; this route accepts at most {max_body_bytes}"
                    )
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
