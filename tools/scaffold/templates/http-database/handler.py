"""scaffold-template: answers GET /scaffold-template.

Written by npm run new:function: the logic lives in plain functions, handler() is the thin Lambda adapter.
"""

from __future__ import annotations

from typing import Any

import pg8000.native

from platform_db import ReusedConnection
from platform_http import BadRequest, json_response
from platform_log import bind_invocation, get_logger

CONNECT_TIMEOUT_SECONDS = 2
log = get_logger("scaffold-template")

# The execution environment's connection, kept between invocations.
db = ReusedConnection("scaffold-template", CONNECT_TIMEOUT_SECONDS, log)


def database_state(connection: pg8000.native.Connection) -> dict[str, Any]:
    """A starter read through the role's own grant (platform_migrations.FUNCTION_ROLE_GRANTS): replace it with the function's work."""
    ((now, user, version),) = connection.run("SELECT clock_timestamp()::text, current_user, (SELECT max(version) FROM schema_migrations)")
    return {"databaseTime": str(now), "databaseUser": str(user), "schemaVersion": version}


def answer(event: Any) -> dict[str, Any]:
    """The response body for an API Gateway proxy event."""
    if not isinstance(event, dict):
        raise BadRequest("expected an API Gateway proxy event object")
    return {"function": "scaffold-template", **db.run(database_state)}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        body = answer(event)
    except BadRequest as exc:
        log.info("bad request", extra={"fields": {"error": str(exc)}})
        return json_response(400, {"message": str(exc)})
    log.info("answered")
    return json_response(200, body)
