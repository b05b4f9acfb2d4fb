"""scaffold-template: answers GET /scaffold-template.

Written by npm run new:function: the logic lives in plain functions, handler() is the thin Lambda adapter.
"""

from __future__ import annotations

from typing import Any

from platform_http import BadRequest, json_response
from platform_log import bind_invocation, get_logger

log = get_logger("scaffold-template")


def answer(event: Any) -> dict[str, Any]:
    """The response body for an API Gateway proxy event."""
    if not isinstance(event, dict):
        raise BadRequest("expected an API Gateway proxy event object")
    return {"function": "scaffold-template"}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        body = answer(event)
    except BadRequest as exc:
        log.info("bad request", extra={"fields": {"error": str(exc)}})
        return json_response(400, {"message": str(exc)})
    log.info("answered")
    return json_response(200, body)
