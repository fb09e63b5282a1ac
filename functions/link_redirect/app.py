"""GET|HEAD /l/{code}: 302 to the tracked link's target; the fetch is recorded as a click or a preview.
An unknown or expired code answers a plain HTML 404 page."""

from textloop import bootstrap
from textloop.http import NO_BODY, HttpRequest, api_errors, redirect
from textloop.observability import logger, metrics

follow = bootstrap.link_follower()  # settings validated at cold start


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
@api_errors(on_unexpected=logger.exception, max_body_bytes=NO_BODY, html_pages=True)
def handler(event: dict, context: object) -> dict:
    request = HttpRequest.from_apigw_v2(event)
    code = request.path.rstrip("/").rsplit("/", 1)[-1]
    followed = follow(code, request.method, request.headers.get("user-agent", ""))
    click = followed.click
    logger.info(
        "link followed",
        extra={
            "code": code,
            "kind": click.kind if click else "unrecorded",
            "reason": click.reason if click else followed.problem,
            "sid": click.sid if click else "",
        },
    )
    return redirect(followed.target)
