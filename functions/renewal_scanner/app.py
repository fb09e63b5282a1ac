"""Daily (EventBridge Scheduler): queue one trigger event per record entering a renewal window."""

from aws_lambda_powertools.metrics import MetricUnit

from textloop import bootstrap
from textloop.observability import logger, metrics

scan = bootstrap.renewal_scanner()  # settings and rules validated at cold start


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    report = scan()
    metrics.add_metric(name="RenewalsQueued", unit=MetricUnit.Count, value=report.queued)
    logger.info("renewal scan", extra=report.as_dict())
    return report.as_dict()
