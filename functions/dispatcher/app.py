"""TriggerQueue consumer: each message is one CRM change; failures are reported per message."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from textloop import bootstrap
from textloop.domain.errors import Skip
from textloop.observability import failures_reported, logger, metrics, observe
from textloop.schemas import parse_queue_body

dispatch = bootstrap.dispatcher()  # settings and rules validated at cold start
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    logger.append_keys(correlation_id=f"sqs:{record.message_id}")  # its own key until parsed
    try:
        events = parse_queue_body(record.body)
    except Skip as problem:  # malformed, unknown or refused at intake: an auditable "skipped"
        key = str(problem.details.get("event_key") or f"sqs:{record.message_id}")
        logger.append_keys(correlation_id=key)
        observe(dispatch.skip(key, problem))
        return
    for event in events:  # a Retryable error fails this message only; SQS redelivers it, then the DLQ
        logger.append_keys(correlation_id=event.event_key)
        with failures_reported("dispatch"):
            observe(dispatch(event))


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
