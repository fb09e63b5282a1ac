"""InboundQueue consumer: replies land on their CRM thread and become owner tasks with an SLA;
delivery failures flag the number on the contact."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from textloop import bootstrap
from textloop.observability import failures_reported, logger, metrics, observe
from textloop.service_layer.replies import CONSENT_SYNC, DELIVERY_FAILURE, LINK_CLICK, parse_envelope

router = bootstrap.reply_router()  # settings and routing validated at cold start
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    logger.append_keys(correlation_id=f"sqs:{record.message_id}")  # its own key until parsed
    with failures_reported("reply routing"):  # a malformed message is retried, then dead-lettered: kept
        message = parse_envelope(record.body)
        if message["type"] == DELIVERY_FAILURE:
            observe(router.delivery_failure(message))
            return
        if message["type"] == CONSENT_SYNC:
            observe(router.consent_sync(message))
            return
        if message["type"] == LINK_CLICK:
            observe(router.link_click(message))
            return
        logger.append_keys(correlation_id=message["sms"]["sid"])
        observe(router(message["sms"], message["classification"]))


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
