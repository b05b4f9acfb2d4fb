"""Consumes SQS batches of software update events into DynamoDB (latest state per device).

A conditional write keeps each device's newest event only: a redelivered duplicate or an event
older than the stored one is acknowledged without writing. Messages that cannot be processed are
returned as batch item failures (ReportBatchItemFailures), so SQS retries only those and, after
the queue's maxReceiveCount, moves them to the dead-letter queue; the rest of the batch is kept.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from platform_log import bind_invocation, get_logger

STATUSES = frozenset({"available", "downloading", "installing", "installed", "failed", "rolled-back"})
EVENT_FIELDS = frozenset({"eventId", "deviceId", "softwareVersion", "occurredAt", "status"})
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
VERSION_PATTERN = re.compile(r"^[A-Za-z0-9._+-]{1,64}$")

# The stored event wins over an incoming one that is older, or equally old with a smaller or equal
# eventId (a deterministic tie-break; an equal eventId is the same event delivered twice).
NEWER_THAN_STORED = "attribute_not_exists(deviceId) OR occurredAt < :occurredAt OR (occurredAt = :occurredAt AND eventId < :eventId)"


log = get_logger("software-event-update-handler")


class BadEvent(Exception):
    """The invocation is not an SQS batch."""


class InvalidMessage(Exception):
    """One message's body is not a valid software update event."""


@dataclass(frozen=True)
class QueueMessage:
    message_id: str
    body: str


@dataclass(frozen=True)
class SoftwareEvent:
    event_id: str
    device_id: str
    software_version: str
    occurred_at: str
    status: str


def parse_batch(event: Any) -> list[QueueMessage]:
    if not isinstance(event, dict) or not isinstance(event.get("Records"), list):
        raise BadEvent("expected an SQS event with a Records array")
    messages = []
    for index, record in enumerate(event["Records"]):
        if not isinstance(record, dict) or not isinstance(record.get("messageId"), str) or not record["messageId"]:
            raise BadEvent(f"Records[{index}] has no messageId")
        body = record.get("body")
        messages.append(QueueMessage(record["messageId"], body if isinstance(body, str) else ""))
    return messages


def message_ids(event: Any) -> list[str]:
    """The messageIds a malformed batch still carries, so they can be reported as failures."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        return []
    return [r["messageId"] for r in records if isinstance(r, dict) and isinstance(r.get("messageId"), str) and r["messageId"]]


def _normalise_time(value: Any) -> str:
    """UTC with fixed microsecond precision, so the stored strings sort in time order."""
    if not isinstance(value, str) or "T" not in value:
        raise InvalidMessage("occurredAt must be an ISO 8601 date-time with a time zone")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidMessage("occurredAt must be an ISO 8601 date-time with a time zone") from None
    if parsed.tzinfo is None:
        raise InvalidMessage("occurredAt must carry a time zone (e.g. Z)")
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_event(body: str) -> SoftwareEvent:
    try:
        data = json.loads(body)
    except ValueError:
        raise InvalidMessage("body is not JSON") from None
    if not isinstance(data, dict):
        raise InvalidMessage("body must be a JSON object")
    unexpected = sorted(set(data) - EVENT_FIELDS)
    if unexpected:
        raise InvalidMessage(f"unexpected field(s): {', '.join(unexpected)}")
    for name in ("eventId", "deviceId"):
        if not isinstance(data.get(name), str) or not IDENTIFIER_PATTERN.match(data[name]):
            raise InvalidMessage(f"{name} must be 1 to 128 letters, digits or ._:-")
    version = data.get("softwareVersion")
    if not isinstance(version, str) or not VERSION_PATTERN.match(version):
        raise InvalidMessage("softwareVersion must be 1 to 64 letters, digits or ._+-")
    status = data.get("status")
    if status not in STATUSES:
        raise InvalidMessage(f"status must be one of {', '.join(sorted(STATUSES))}")
    return SoftwareEvent(data["eventId"], data["deviceId"], version, _normalise_time(data.get("occurredAt")), status)


@functools.cache
def dynamodb_client() -> Any:
    return boto3.client("dynamodb")


def write_event(client: Any, table_name: str, event: SoftwareEvent, message_id: str) -> bool:
    """True when stored; False when the table already holds this or a newer event for the device."""
    try:
        client.put_item(
            TableName=table_name,
            Item={
                "deviceId": {"S": event.device_id},
                "eventId": {"S": event.event_id},
                "softwareVersion": {"S": event.software_version},
                "occurredAt": {"S": event.occurred_at},
                "status": {"S": event.status},
                "messageId": {"S": message_id},
            },
            ConditionExpression=NEWER_THAN_STORED,
            ExpressionAttributeValues={":occurredAt": {"S": event.occurred_at}, ":eventId": {"S": event.event_id}},
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise
    return True


def process_batch(client: Any, table_name: str, messages: list[QueueMessage]) -> list[str]:
    """The messageIds that failed; every other message is stored or knowingly skipped."""
    failed: list[str] = []
    for message in messages:
        fields: dict[str, Any] = {"messageId": message.message_id}
        try:
            event = parse_event(message.body)
            fields.update(deviceId=event.device_id, eventId=event.event_id, occurredAt=event.occurred_at)
            stored = write_event(client, table_name, event, message.message_id)
        except InvalidMessage as exc:
            log.error("invalid message", extra={"fields": {**fields, "reason": str(exc)}})
            failed.append(message.message_id)
            continue
        except (ClientError, BotoCoreError) as exc:
            log.error("could not store event", extra={"fields": {**fields, "reason": str(exc)}})
            failed.append(message.message_id)
            continue
        log.info("stored event" if stored else "skipped duplicate or older event", extra={"fields": fields})
    return failed


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        messages = parse_batch(event)
    except BadEvent as exc:
        # With ReportBatchItemFailures a reply without failures acknowledges the whole batch, so a
        # batch we cannot read is failed: by messageId where it has them, else by raising, which
        # retries the batch until the queue moves it to the dead-letter queue.
        failed = message_ids(event)
        log.error("rejected invocation", extra={"fields": {"reason": str(exc), "failed": len(failed)}})
        if not failed:
            raise
        return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
    table_name = os.environ.get("TABLE_NAME", "")
    if not table_name:
        log.error("TABLE_NAME is not set; failing the whole batch so no message is lost")
        return {"batchItemFailures": [{"itemIdentifier": m.message_id} for m in messages]}
    failed = process_batch(dynamodb_client(), table_name, messages)
    log.info("processed batch", extra={"fields": {"messages": len(messages), "failed": len(failed)}})
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
