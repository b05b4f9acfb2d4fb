"""scaffold-template: consumes the event queue.

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


class BadMessage(Exception):
    pass


def process(body: str) -> dict[str, Any]:
    """One message's work; a message that cannot be handled raises, so only it is retried."""
    if not body:
        raise BadMessage("the message body is empty")
    return {"function": "scaffold-template", **db.run(database_state)}


def handler(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    """SQS batch with partial batch responses: only the failed messages return to the queue."""
    bind_invocation(context)
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        raise BadMessage("expected an SQS event with Records")
    failures: list[dict[str, str]] = []
    for record in records:
        message_id = str(record.get("messageId", "")) if isinstance(record, dict) else ""
        try:
            process(str(record.get("body", "")) if isinstance(record, dict) else "")
        except BadMessage as exc:
            log.warning("message failed", extra={"fields": {"messageId": message_id, "error": str(exc)}})
            failures.append({"itemIdentifier": message_id})
    return {"batchItemFailures": failures}
