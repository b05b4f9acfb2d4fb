"""scaffold-template: consumes the event queue.

Written by npm run new:function: the logic lives in plain functions, handler() is the thin Lambda adapter.
"""

from __future__ import annotations

from typing import Any

from platform_log import bind_invocation, get_logger

log = get_logger("scaffold-template")


class BadMessage(Exception):
    pass


def process(body: str) -> dict[str, Any]:
    """One message's work; a message that cannot be handled raises, so only it is retried."""
    if not body:
        raise BadMessage("the message body is empty")
    return {"function": "scaffold-template"}


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
