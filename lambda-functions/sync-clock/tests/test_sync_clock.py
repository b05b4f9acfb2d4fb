from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

import platform_db
from testing.http_stand_ins import StandIn, cloudwatch_stand_in
from testing.lambda_runtime import FakeContext, load_handler

if TYPE_CHECKING:
    from conftest import Database

CONTEXT = FakeContext("sync-clock")
DB_USER = "sync_clock"
NAMESPACE = "PPU/SyncClock"
SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "824357028182",
    "time": "2026-03-01T12:00:00Z",
    "region": "eu-west-1",
    "resources": ["arn:aws:events:eu-west-1:824357028182:rule/sync-clock"],
    "detail": {},
}


@pytest.fixture
def cloudwatch() -> Iterator[StandIn]:
    stand_in = cloudwatch_stand_in().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def handler(database: Database, cloudwatch: StandIn, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    # The sync_clock role exists once the migrations ran (database-admin's job, not this function's).
    database.migrate()
    for name, value in database.env(DB_USER).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("METRIC_NAMESPACE", NAMESPACE)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH", cloudwatch.endpoint_url)
    monkeypatch.setattr(platform_db, "credential_source", database.credentials)
    module = load_handler("sync-clock")
    yield module
    module.db.drop()


def published_metrics(cloudwatch: StandIn) -> list[dict[str, Any]]:
    assert [request.headers["x-amz-target"] for request in cloudwatch.requests] == ["GraniteServiceVersion20100801.PutMetricData"]
    payload = json.loads(cloudwatch.requests[0].body)
    assert payload["Namespace"] == NAMESPACE
    metric_data: list[dict[str, Any]] = payload["MetricData"]
    return metric_data


def test_drift_is_measured_against_the_database_clock(handler: ModuleType) -> None:
    result = handler.handler(SCHEDULED_EVENT, CONTEXT)

    # Same machine, same clock: the drift is bounded by half the round trip (plus float rounding).
    assert abs(result["driftMilliseconds"]) <= result["roundTripMilliseconds"] / 2 + 1
    assert result["roundTripMilliseconds"] >= 0
    assert abs((datetime.fromisoformat(result["databaseTime"]) - datetime.fromisoformat(result["functionTime"])).total_seconds()) < 1


def test_drift_is_published_as_cloudwatch_metrics(handler: ModuleType, cloudwatch: StandIn) -> None:
    result = handler.handler(SCHEDULED_EVENT, CONTEXT)

    metrics = {metric["MetricName"]: metric for metric in published_metrics(cloudwatch)}
    assert sorted(metrics) == ["AbsoluteClockDriftMilliseconds", "ClockDriftMilliseconds", "DatabaseRoundTripMilliseconds"]
    assert {metric["Unit"] for metric in metrics.values()} == {"Milliseconds"}
    assert metrics["ClockDriftMilliseconds"]["Value"] == pytest.approx(result["driftMilliseconds"], abs=0.001)
    assert metrics["AbsoluteClockDriftMilliseconds"]["Value"] == pytest.approx(abs(result["driftMilliseconds"]), abs=0.001)


def test_a_skewed_function_clock_shows_as_drift(handler: ModuleType, database: Database) -> None:
    connection = database.connect(DB_USER)
    try:
        # The function's clock runs 2.5 s behind the database.
        measurement = handler.measure(connection, clock=lambda: time.time() - 2.5)
    finally:
        connection.close()

    assert measurement.drift_ms == pytest.approx(2500, abs=100)


def test_connection_is_reused_between_runs(handler: ModuleType) -> None:
    handler.handler(SCHEDULED_EVENT, CONTEXT)
    first = handler.db.get()

    handler.handler(SCHEDULED_EVENT, CONTEXT)

    assert handler.db.get() is first


def test_a_connection_closed_by_the_server_is_replaced(handler: ModuleType, database: Database) -> None:
    handler.handler(SCHEDULED_EVENT, CONTEXT)
    with database.superuser_connection() as admin:
        admin.run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sync-clock'")

    result = handler.handler(SCHEDULED_EVENT, CONTEXT)

    assert "driftMilliseconds" in result


@pytest.mark.parametrize(
    "event",
    [None, {}, {"detail-type": "Scheduled Event"}, {**SCHEDULED_EVENT, "source": "my.app"}, {"Records": []}, "tick"],
)
def test_events_that_are_not_schedules_get_a_client_error(handler: ModuleType, cloudwatch: StandIn, event: object) -> None:
    result = handler.handler(event, CONTEXT)

    assert result["statusCode"] == 400
    assert "scheduled event" in result["message"]
    assert cloudwatch.requests == []
