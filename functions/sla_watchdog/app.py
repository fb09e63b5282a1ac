"""Every few minutes: escalate, once, each reply task still open after its SLA."""

from aws_lambda_powertools.metrics import MetricUnit

from textloop import bootstrap
from textloop.observability import logger, metrics

watchdog = bootstrap.sla_watchdog()


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict, context: object) -> dict:
    handled = watchdog()
    escalated = sum(1 for h in handled if h["outcome"] == "escalated")
    metrics.add_metric(name="SlaEscalated", unit=MetricUnit.Count, value=escalated)
    logger.info("sla watchdog", extra={"checked": len(handled), "escalated": escalated})
    return {"checked": len(handled), "escalated": escalated}
