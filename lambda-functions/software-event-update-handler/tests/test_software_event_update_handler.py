import json
import uuid
from types import ModuleType
from typing import Any

import boto3
import pytest

from testing.lambda_runtime import FakeContext, load_handler
from testing.servers import NodeServer

CONTEXT = FakeContext("software-event-update-handler")


@pytest.fixture
def handler(events_table: str, dynalite: NodeServer, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynalite.endpoint_url)
    monkeypatch.setenv("TABLE_NAME", events_table)
    return load_handler("software-event-update-handler")


@pytest.fixture
def table(events_table: str, dynalite: NodeServer) -> Any:
    return boto3.resource("dynamodb", endpoint_url=dynalite.endpoint_url).Table(events_table)


@pytest.fixture
def device_id() -> str:
    return f"device-{uuid.uuid4().hex[:8]}"


def software_event(
    device_id: str, version: str, occurred_at: str, event_id: str | None = None, status: str = "installed"
) -> dict[str, Any]:
    return {
        "eventId": event_id or uuid.uuid4().hex,
        "deviceId": device_id,
        "softwareVersion": version,
        "occurredAt": occurred_at,
        "status": status,
    }


def sqs_batch(*bodies: object) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"msg-{index}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "eventSource": "aws:sqs",
                "attributes": {"ApproximateReceiveCount": "1"},
            }
            for index, body in enumerate(bodies)
        ]
    }


def test_event_is_stored_as_the_devices_latest_state(handler: ModuleType, table: Any, device_id: str) -> None:
    result = handler.handler(sqs_batch(software_event(device_id, "2.1.0", "2026-03-01T10:00:00+01:00", "e-1")), CONTEXT)

    assert result == {"batchItemFailures": []}
    item = table.get_item(Key={"deviceId": device_id})["Item"]
    assert item["softwareVersion"] == "2.1.0"
    assert item["occurredAt"] == "2026-03-01T09:00:00.000000Z"
    assert item["eventId"] == "e-1"
    assert item["messageId"] == "msg-0"


def test_older_event_does_not_overwrite_a_newer_one(handler: ModuleType, table: Any, device_id: str) -> None:
    newer = software_event(device_id, "2.0.0", "2026-03-02T00:00:00Z")
    older = software_event(device_id, "1.9.0", "2026-03-01T00:00:00Z")

    first = handler.handler(sqs_batch(newer), CONTEXT)
    second = handler.handler(sqs_batch(older), CONTEXT)

    assert first == second == {"batchItemFailures": []}
    assert table.get_item(Key={"deviceId": device_id})["Item"]["softwareVersion"] == "2.0.0"


def test_newer_event_replaces_the_stored_one(handler: ModuleType, table: Any, device_id: str) -> None:
    handler.handler(sqs_batch(software_event(device_id, "1.0.0", "2026-03-01T00:00:00Z")), CONTEXT)

    handler.handler(sqs_batch(software_event(device_id, "1.1.0", "2026-03-01T00:00:01Z")), CONTEXT)

    assert table.get_item(Key={"deviceId": device_id})["Item"]["softwareVersion"] == "1.1.0"


def test_out_of_order_events_in_one_batch_keep_the_newest(handler: ModuleType, table: Any, device_id: str) -> None:
    batch = sqs_batch(
        software_event(device_id, "3.0.0", "2026-03-03T00:00:00Z"),
        software_event(device_id, "1.0.0", "2026-03-01T00:00:00Z"),
        software_event(device_id, "2.0.0", "2026-03-02T00:00:00Z"),
    )

    assert handler.handler(batch, CONTEXT) == {"batchItemFailures": []}
    assert table.get_item(Key={"deviceId": device_id})["Item"]["softwareVersion"] == "3.0.0"


def test_redelivered_duplicate_is_acknowledged_without_rewriting(handler: ModuleType, table: Any, device_id: str) -> None:
    event = software_event(device_id, "2.0.0", "2026-03-02T00:00:00Z", "e-dup")
    handler.handler(sqs_batch(event), CONTEXT)

    redelivery = {"Records": [{**sqs_batch(event)["Records"][0], "messageId": "msg-redelivered"}]}
    result = handler.handler(redelivery, CONTEXT)

    assert result == {"batchItemFailures": []}
    assert table.get_item(Key={"deviceId": device_id})["Item"]["messageId"] == "msg-0"


def test_equal_timestamps_resolve_by_event_id_whatever_the_order(handler: ModuleType, table: Any, device_id: str) -> None:
    a = software_event(device_id, "a-version", "2026-03-02T00:00:00Z", "event-a")
    b = software_event(device_id, "b-version", "2026-03-02T00:00:00Z", "event-b")

    handler.handler(sqs_batch(b, a), CONTEXT)

    assert table.get_item(Key={"deviceId": device_id})["Item"]["eventId"] == "event-b"


def test_poison_message_is_a_batch_item_failure_and_the_rest_are_stored(handler: ModuleType, table: Any, device_id: str) -> None:
    other_device = f"{device_id}-b"
    batch = sqs_batch(
        software_event(device_id, "2.0.0", "2026-03-02T00:00:00Z"),
        "{this is not json",
        software_event(other_device, "1.0.0", "2026-03-02T00:00:00Z"),
    )

    result = handler.handler(batch, CONTEXT)

    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-1"}]}
    assert table.get_item(Key={"deviceId": device_id})["Item"]["softwareVersion"] == "2.0.0"
    assert table.get_item(Key={"deviceId": other_device})["Item"]["softwareVersion"] == "1.0.0"


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        json.dumps({"eventId": "e", "deviceId": "d"}),
        json.dumps(software_event("d", "1.0", "2026-03-01T00:00:00")),
        json.dumps(software_event("d", "1.0", "yesterday")),
        json.dumps(software_event("d", "1.0", "2026-03-01T00:00:00Z", status="exploded")),
        json.dumps(software_event("d e", "1.0", "2026-03-01T00:00:00Z")),
        json.dumps({**software_event("d", "1.0", "2026-03-01T00:00:00Z"), "extra": 1}),
    ],
)
def test_invalid_event_bodies_are_batch_item_failures(handler: ModuleType, body: str) -> None:
    assert handler.handler(sqs_batch(body), CONTEXT) == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}


def test_table_errors_fail_only_the_affected_messages(handler: ModuleType, monkeypatch: pytest.MonkeyPatch, device_id: str) -> None:
    monkeypatch.setenv("TABLE_NAME", "no-such-table")

    result = handler.handler(sqs_batch(software_event(device_id, "1.0.0", "2026-03-01T00:00:00Z")), CONTEXT)

    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}]}


def test_stored_events_are_queryable_by_software_version(handler: ModuleType, table: Any, device_id: str) -> None:
    version = f"v-{uuid.uuid4().hex[:6]}"
    handler.handler(sqs_batch(software_event(device_id, version, "2026-03-01T00:00:00Z")), CONTEXT)

    items = table.query(
        IndexName="softwareVersion-index",
        KeyConditionExpression="softwareVersion = :v",
        ExpressionAttributeValues={":v": version},
    )["Items"]

    assert [item["deviceId"] for item in items] == [device_id]


@pytest.mark.parametrize("event", [None, {}, {"Records": "x"}, {"Records": [{"body": "{}"}]}, {"Records": [1]}])
def test_a_malformed_batch_without_message_ids_raises_so_it_is_retried_and_reaches_the_dead_letter_queue(
    handler: ModuleType, event: object
) -> None:
    with pytest.raises(handler.BadEvent):
        handler.handler(event, CONTEXT)


def test_a_malformed_batch_fails_every_message_that_has_an_id_so_none_is_acknowledged(
    handler: ModuleType, table: Any, device_id: str
) -> None:
    batch = sqs_batch(
        software_event(device_id, "1.0.0", "2026-03-01T00:00:00Z"), software_event(device_id, "1.0.1", "2026-03-01T00:00:01Z")
    )
    batch["Records"].append({"body": "{}"})

    result = handler.handler(batch, CONTEXT)

    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}, {"itemIdentifier": "msg-1"}]}
    assert "Item" not in table.get_item(Key={"deviceId": device_id})


def test_missing_table_configuration_fails_the_whole_batch_so_nothing_is_lost(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch, device_id: str
) -> None:
    monkeypatch.delenv("TABLE_NAME")
    batch = sqs_batch(
        software_event(device_id, "1.0.0", "2026-03-01T00:00:00Z"), software_event(device_id, "1.0.1", "2026-03-01T00:00:01Z")
    )

    result = handler.handler(batch, CONTEXT)

    assert result == {"batchItemFailures": [{"itemIdentifier": "msg-0"}, {"itemIdentifier": "msg-1"}]}
