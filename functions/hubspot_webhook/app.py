"""POST /hubspot/webhooks: verify the v3 signature, queue the batch, answer at once."""

from aws_lambda_powertools.metrics import MetricUnit

from textloop import bootstrap
from textloop.http import HUBSPOT_BATCH_MAX_BYTES, HttpRequest, api_errors, response
from textloop.observability import logger, metrics
from textloop.service_layer.intake import accept_hubspot_batch, verify_hubspot_v3

settings = bootstrap.settings()  # validated at cold start
watched = bootstrap.hubspot_watchlist()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@api_errors(on_unexpected=logger.exception, max_body_bytes=HUBSPOT_BATCH_MAX_BYTES)
def handler(event: dict, context: object) -> dict:
    request = HttpRequest.from_apigw_v2(event)
    verify_hubspot_v3(
        client_secret=bootstrap.hubspot_client_secret(),
        method=request.method,
        uri=request.public_url(settings.public_base_url),
        body=request.body,
        signature=request.headers.get("x-hubspot-signature-v3"),
        timestamp=request.headers.get("x-hubspot-request-timestamp"),
        now_ms=bootstrap.now_ms(),
        tolerance_ms=settings.webhook_tolerance_seconds * 1000,
    )
    result = accept_hubspot_batch(
        request.body, watched, bootstrap.trigger_queue(), bootstrap.privacy_queue(), bootstrap.outcome_queue()
    )
    metrics.add_metric(name="WebhookEventsQueued", unit=MetricUnit.Count, value=result.queued)
    metrics.add_metric(name="WebhookEventsIgnored", unit=MetricUnit.Count, value=result.ignored)
    metrics.add_metric(name="WebhookEventsRefused", unit=MetricUnit.Count, value=len(result.refused))
    for refused in result.refused:  # its identity is queued: the dispatcher records the skip
        extra = {"event_key": refused.event_key, "bytes": refused.size}
        logger.warning("hubspot event too large to queue", extra=extra)
    logger.info("hubspot batch accepted", extra={"queued": result.queued, "ignored": result.ignored})
    return response(200, {"queued": result.queued, "ignored": result.ignored})
