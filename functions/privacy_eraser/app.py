"""PrivacyQueue consumer: HubSpot deleted a contact for privacy (contact.privacyDeletion), so every
number Textloop holds for it is erased; an opt-out stays as a keyed hash. Never logs a number."""

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from textloop import bootstrap
from textloop.observability import failures_reported, logger, metrics
from textloop.service_layer.privacy import parse_privacy_envelope

privacy = bootstrap.privacy()  # settings validated at cold start
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    logger.append_keys(correlation_id=f"sqs:{record.message_id}")  # its own key until parsed
    with failures_reported("privacy deletion"):  # retried, then dead-lettered (alarmed): never dropped
        request = parse_privacy_envelope(record.body)
        logger.append_keys(correlation_id=f"{request.crm}:contact:{request.contact_id}")
        done = privacy.erase_contact(request.crm, request.contact_id, source=request.source)
        metrics.add_metric(name="NumbersErased", unit=MetricUnit.Count, value=done["numbers"])
        logger.info("privacy deletion done", extra={k: done[k] for k in ("numbers", "keys", "tombstones")})


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
