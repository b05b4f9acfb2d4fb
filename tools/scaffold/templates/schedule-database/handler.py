"""scaffold-template: runs on its schedule.

Written by npm run new:function: the logic lives in plain functions, handler() is the thin Lambda adapter.
"""

from __future__ import annotations

from typing import Any

import pg8000.native

from platform_db import ReusedConnection
from platform_log import bind_invocation, get_logger

CONNECT_TIMEOUT_SECONDS = 2
log = get_logger("scaffold-template")

# The execution environment's connection, kept between invocations.
db = ReusedConnection("scaffold-template", CONNECT_TIMEOUT_SECONDS, log)


def database_state(connection: pg8000.native.Connection) -> dict[str, Any]:
    """A starter read through the role's own grant (platform_migrations.FUNCTION_ROLE_GRANTS): replace it with the function's work."""
    ((now, user, version),) = connection.run("SELECT clock_timestamp()::text, current_user, (SELECT max(version) FROM schema_migrations)")
    return {"databaseTime": str(now), "databaseUser": str(user), "schemaVersion": version}


class BadEvent(Exception):
    pass


def parse_event(event: Any) -> None:
    """Accepts the EventBridge scheduled event only; anything else is a misrouted invocation."""
    if not isinstance(event, dict) or event.get("detail-type") != "Scheduled Event" or event.get("source") != "aws.events":
        raise BadEvent('expected an EventBridge scheduled event (source "aws.events", detail-type "Scheduled Event")')


def run() -> dict[str, Any]:
    return {"function": "scaffold-template", **db.run(database_state)}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        parse_event(event)
    except BadEvent as exc:
        log.warning("not a scheduled event", extra={"fields": {"error": str(exc)}})
        return {"statusCode": 400, "message": str(exc)}
    result = run()
    log.info("ran", extra={"fields": result})
    return result
