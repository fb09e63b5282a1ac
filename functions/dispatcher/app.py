"""TriggerQueue consumer: the batch dispatched at once (context read and SMS logged in bulk); each queue
message that must come back (retried, or sent with its CRM log pending) is reported as a batch item failure."""

from textloop import bootstrap
from textloop.adapters.limits import Redeliveries
from textloop.domain.errors import Skip
from textloop.observability import logger, metrics, observe
from textloop.schemas import parse_queue_body

dispatch = bootstrap.dispatcher()  # settings and rules validated at cold start


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    owners, events = [], []  # owners[i]: the SQS message id of events[i]
    for record in event.get("Records") or []:
        message_id = record["messageId"]
        logger.append_keys(correlation_id=f"sqs:{message_id}")  # its own key until parsed
        try:
            parsed = parse_queue_body(record["body"])
        except Skip as problem:  # malformed, unknown or refused at intake: an auditable "skipped"
            logger.append_keys(correlation_id=str(problem.details.get("event_key") or f"sqs:{message_id}"))
            observe(dispatch.skip(str(problem.details.get("event_key") or f"sqs:{message_id}"), problem))
            continue
        owners += [message_id] * len(parsed)
        events += parsed
    failed: dict[str, None] = {}
    later = Redeliveries(event.get("Records") or [])  # a vendor asked to wait: the message waits
    for message_id, result in zip(owners, dispatch.dispatch_many(events), strict=True):
        logger.append_keys(correlation_id=result.event_key)  # each line carries its own event's key
        observe(result)
        if result.redeliver:  # SQS brings the whole message back; its other events answer duplicate
            failed[message_id] = None
            later.note(message_id, result.details)
    queue = bootstrap.trigger_queue()
    failures = later.apply(queue.client, queue.queue_url, failed)  # a requeued copy acknowledges it
    logger.remove_keys(["correlation_id"])
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}
