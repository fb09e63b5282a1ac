"""Daily (EventBridge Scheduler): queue one trigger event per record entering a renewal window, for every
tenant of each CRM; a tenant whose CRM fails is reported (log, metric) and the others are scanned."""

from aws_lambda_powertools.metrics import MetricUnit

from textloop import bootstrap
from textloop.observability import logger, metrics

scan = bootstrap.renewal_scanner()  # settings and rules validated at cold start


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    report = scan()
    metrics.add_metric(name="RenewalsQueued", unit=MetricUnit.Count, value=report.queued)
    metrics.add_metric(name="RenewalTenantsFailed", unit=MetricUnit.Count, value=len(report.failed))
    for failure in report.failed:  # the next scan catches up: a record is due for the window it is in
        logger.warning("renewal scan failed for a tenant", extra=failure)
    logger.info("renewal scan", extra=report.as_dict())
    return report.as_dict()
