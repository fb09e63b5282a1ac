"""A trivial handler for tests/integration/test_local_api_routes.py: echoes the v2 event it got."""

import base64
import json

COLD_STARTS = 0
COLD_STARTS += 1


def handler(event, context):
    mode = (event.get("queryStringParameters") or {}).get("mode", "echo")
    if mode == "shortcut":
        return {"shortcut": True, "path": event["rawPath"]}
    if mode == "string":
        return "just a string"
    if mode == "binary":
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/octet-stream"},
            "body": base64.b64encode(b"\x00\x01\xff").decode(),
            "isBase64Encoded": True,
        }
    if mode == "cookies":
        return {
            "statusCode": 201,
            "cookies": ["a=1; Path=/", "b=2"],
            "body": "ok",
            "headers": {"content-type": "text/plain"},
        }
    if mode == "raise":
        raise RuntimeError("boom")
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-cold-starts": str(COLD_STARTS)},
        "body": json.dumps(
            {
                "event": event,
                "context": {
                    "function_name": context.function_name,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "invoked_function_arn": context.invoked_function_arn,
                    "aws_request_id": context.aws_request_id,
                    "remaining": context.get_remaining_time_in_millis(),
                },
            }
        ),
    }
