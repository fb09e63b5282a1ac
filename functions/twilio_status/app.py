"""POST /twilio/status: verify X-Twilio-Signature, move the message's delivery status forward."""

from datetime import UTC, datetime

from textloop import bootstrap
from textloop.http import TWILIO_FORM_MAX_BYTES, HttpRequest, api_errors, response
from textloop.observability import logger, metrics
from textloop.service_layer.status import handle_status

settings = bootstrap.settings()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@api_errors(on_unexpected=logger.exception, max_body_bytes=TWILIO_FORM_MAX_BYTES)
def handler(event: dict, context: object) -> dict:
    request = HttpRequest.from_apigw_v2(event)  # signed with its query: ?slot=<send id>
    form = bootstrap.twilio_signature().verified_form(request, settings.public_base_url)
    moved = handle_status(
        form,
        bootstrap.message_status(),
        bootstrap.consent_ledger(),
        bootstrap.inbound_queue(),
        datetime.now(UTC),
        consent_fallback=bootstrap.consent_queue(),
        query=request.query,
        sends=bootstrap.message_status(),
    )
    logger.info(
        "twilio status",
        extra={"sid": form.get("MessageSid"), "status": form.get("MessageStatus"), "moved": moved},
    )
    return response(204, "", content_type="text/plain")
