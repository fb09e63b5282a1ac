"""ConsentQueue consumer: consent changes the inbound webhook could not write to the ledger at once
(the table was failing) are applied here, idempotently on their evidence (the MessageSid)."""

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from textloop import bootstrap
from textloop.observability import failures_reported, logger, metrics
from textloop.service_layer.inbound import parse_consent_change

ledger = bootstrap.consent_ledger()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    logger.append_keys(correlation_id=f"sqs:{record.message_id}")  # its own key until parsed
    with failures_reported("consent change"):  # retried, then dead-lettered (alarmed): never dropped
        change = parse_consent_change(record.body)
        logger.append_keys(correlation_id=change.evidence)
        moved = ledger.record(change)  # the reply itself was queued to the router, which updates the CRM
        metrics.add_metric(name="ConsentRecoveredFromQueue", unit=MetricUnit.Count, value=1)
        logger.info("consent change applied", extra={"status": str(change.status), "moved": moved})


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
