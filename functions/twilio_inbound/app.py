"""POST /twilio/inbound: verify X-Twilio-Signature, honour consent keywords at once, queue the reply,
answer TwiML in milliseconds (Twilio gives up after 15 s)."""

from datetime import UTC, datetime

from aws_lambda_powertools.metrics import MetricUnit

from textloop import bootstrap
from textloop.domain.intent import classify
from textloop.http import TWILIO_FORM_MAX_BYTES, HttpRequest, api_errors, response
from textloop.observability import logger, metrics
from textloop.service_layer.inbound import InboundSms, accept_inbound, twiml

settings = bootstrap.settings()  # validated at cold start
program = bootstrap.program()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@api_errors(on_unexpected=logger.exception, max_body_bytes=TWILIO_FORM_MAX_BYTES)
def handler(event: dict, context: object) -> dict:
    form = bootstrap.twilio_signature().verified_form(
        HttpRequest.from_apigw_v2(event), settings.public_base_url
    )
    sms = InboundSms.from_form(form, datetime.now(UTC))
    answer = accept_inbound(
        sms,
        classify=classify,
        consent=bootstrap.consent_ledger(),
        consent_fallback=bootstrap.consent_queue(),
        queue=bootstrap.inbound_queue(),
        program=program,
        at=datetime.now(UTC),
    )
    metrics.add_metric(
        name="SmsReceived" if answer.queued else "SmsNotRouted", unit=MetricUnit.Count, value=1
    )
    log = logger.info if answer.queued else logger.error
    log("inbound sms accepted", extra={"sid": sms.sid, "from": sms.sender, "queued": answer.queued})
    return response(200, twiml(answer.reply), content_type="text/xml")
