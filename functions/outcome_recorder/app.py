"""OutcomeQueue consumer: a CRM change that is an outcome (meeting booked, opportunity created, stage
advanced, closed won or lost), attributed to the latest message on its record or account; recorded once."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from textloop import bootstrap
from textloop.domain.errors import Skip
from textloop.observability import count_with_reason, failures_reported, logger, metrics, observe_pipeline
from textloop.service_layer.outcomes import parse_outcome_body

record_outcome = bootstrap.outcome_recorder()  # settings (the attribution window) validated at cold start
stages = bootstrap.outcome_stages()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    logger.append_keys(correlation_id=f"sqs:{record.message_id}")  # its own key until parsed
    try:
        signals = parse_outcome_body(record.body, stages)
    except Skip as problem:  # unreadable: logged and counted, never a crash loop
        logger.warning("outcome event skipped", extra={"reason": problem.reason, "error": str(problem)})
        count_with_reason("OutcomeSkipped", problem.reason)
        return
    for signal in signals:  # none: not an outcome (an amount edit, a deletion)
        logger.append_keys(correlation_id=signal.source_id)
        with failures_reported("outcome"):
            done = record_outcome(signal)
            observe_pipeline(done.outcome, done.new)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
