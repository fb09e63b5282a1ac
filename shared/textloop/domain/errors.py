"""Domain exceptions. Adapters translate vendor errors into these; handlers map them once.

Two families decide what happens to a queued event:

* ``Skip`` — permanent for this event: record an auditable "skipped: reason", acknowledge.
* ``Retryable`` — transient: let the queue redeliver; after ``maxReceiveCount`` it lands in the DLQ.
"""

from __future__ import annotations


class TextloopError(Exception):
    """Base of every domain error."""

    reason = "error"

    def __init__(self, message: str = "", **details: object) -> None:
        super().__init__(message or self.reason)
        self.details = details


# --- permanent: skip the event, record why -------------------------------------------------


class Skip(TextloopError):
    reason = "skipped"


class MalformedEvent(Skip):
    reason = "malformed_event"


class UnknownEvent(Skip):
    reason = "unknown_event"


class EventTooLarge(Skip):
    """An event too large for a queue message (SQS: 256 KiB): refused at intake, recorded here."""

    reason = "event_too_large"


class RecordNotFound(Skip):
    reason = "record_not_found"


class NoRecipient(Skip):
    reason = "no_recipient"


class InvalidPhone(Skip):
    reason = "invalid_phone"


class MissingMergeField(Skip):
    reason = "missing_merge_field"


class TemplateError(Skip):
    reason = "template_error"


class OptedOut(Skip):
    reason = "opted_out"


class CrmOptedOut(Skip):
    """The CRM says no: the contact's SMS consent field is opted out, or it is flagged do-not-call."""

    reason = "crm_opted_out"


class NoMarketingConsent(Skip):
    """A marketing message needs a recorded opt-in (consent ledger or the CRM's consent field)."""

    reason = "no_marketing_consent"


class NoSendWindow(Skip):
    """No instant within the policy's horizon satisfies every send-time rule for this recipient."""

    reason = "no_send_window"


class UnknownTenant(Skip):
    """The event's Salesforce org or HubSpot portal has no credentials in this deployment: skipped and
    recorded, never retried (a tenant added later gets its own events from then on)."""

    reason = "unknown_tenant"


class RecipientUnsubscribed(OptedOut):
    """The carrier or Twilio says the number unsubscribed (Twilio error 21610)."""

    reason = "opted_out"


class CrmRejected(Skip):
    """The CRM refused the request for good (validation rule, permission, bad field)."""

    reason = "crm_rejected"


class SendRejected(Skip):
    """The SMS provider refused this message for good (bad number, blocked, ...)."""

    reason = "send_rejected"


# --- transient: retry through the queue ----------------------------------------------------


class Retryable(TextloopError):
    """*retry_after*: seconds the provider asked us to wait (429 Retry-After, a rate window, an API
    limit nearly spent): the queue message is made invisible that long (``adapters.limits``) instead
    of coming straight back. Kept in ``details["retry_after"]`` too, so it survives as a result."""

    reason = "retryable"

    def __init__(self, message: str = "", **details: object) -> None:
        wait = details.pop("retry_after", None)
        self.retry_after: float | None = None
        if isinstance(wait, int | float | str) and wait != "":
            self.retry_after = round(max(0.0, float(wait)), 3)
            details["retry_after"] = self.retry_after
        super().__init__(message, **details)


class CrmUnavailable(Retryable):
    reason = "crm_unavailable"


class CrmAuthFailed(CrmUnavailable):
    """The CRM's token endpoint refused Textloop's credentials (bad key, certificate, client secret or
    refresh token): tried once per call, never in a loop; the event waits for the secret to be fixed
    (queue retries, then the alarmed dead-letter queue) instead of being dropped."""

    reason = "crm_auth_failed"


class SmsUnavailable(Retryable):
    reason = "sms_unavailable"


class StoreUnavailable(Retryable):
    reason = "store_unavailable"


class InProgress(Retryable):
    """Another worker holds the send slot and may still be working on it."""

    reason = "in_progress"


# --- HTTP edge -----------------------------------------------------------------------------


class Unauthorized(TextloopError):
    """A webhook whose signature is missing, wrong or too old."""

    reason = "unauthorized"


class Forbidden(Unauthorized):
    """Twilio's convention for a webhook that fails its signature check."""

    reason = "forbidden"


class BadRequest(TextloopError):
    reason = "bad_request"


class PayloadTooLarge(BadRequest):
    """A request body over its route's limit (413): refused before anything reads it."""

    reason = "payload_too_large"


class QueueRejected(TextloopError):
    """A queue refused a message for good (too large, malformed request): never retried as transient."""

    reason = "queue_rejected"


class NotFound(TextloopError):
    """Nothing here: an unknown or expired tracked link (404)."""

    reason = "not_found"
