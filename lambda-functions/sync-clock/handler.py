"""Scheduled check of the database clock against this function's clock.

The drift is the database time minus the midpoint of the query's round trip, so network latency
does not count as drift; half the round trip bounds the measurement error. Each run logs the
measurement and publishes it to CloudWatch, where an alarm can watch AbsoluteClockDriftMilliseconds.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pg8000.native

from platform_db import ReusedConnection
from platform_log import bind_invocation, get_logger

CONNECT_TIMEOUT_SECONDS = 2


log = get_logger("sync-clock")


class BadEvent(Exception):
    pass


@dataclass(frozen=True)
class Measurement:
    database_time: datetime
    function_time: datetime
    drift_ms: float
    round_trip_ms: float


def parse_event(event: Any) -> None:
    """Accepts the EventBridge scheduled event only; anything else is a misrouted invocation."""
    if not isinstance(event, dict) or event.get("detail-type") != "Scheduled Event" or event.get("source") != "aws.events":
        raise BadEvent('expected an EventBridge scheduled event (source "aws.events", detail-type "Scheduled Event")')


# The execution environment's connection, kept between scheduled runs.
db = ReusedConnection("sync-clock", CONNECT_TIMEOUT_SECONDS, log)


def measure(connection: pg8000.native.Connection, clock: Callable[[], float] = time.time) -> Measurement:
    before = clock()
    ((database_epoch,),) = connection.run("SELECT extract(epoch FROM clock_timestamp())::float8")
    after = clock()
    midpoint = (before + after) / 2
    return Measurement(
        database_time=datetime.fromtimestamp(database_epoch, UTC),
        function_time=datetime.fromtimestamp(midpoint, UTC),
        drift_ms=(database_epoch - midpoint) * 1000,
        round_trip_ms=(after - before) * 1000,
    )


@functools.cache
def cloudwatch_client() -> Any:
    return boto3.client("cloudwatch")


def publish(client: Any, namespace: str, measurement: Measurement) -> None:
    timestamp = measurement.function_time
    client.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {"MetricName": "ClockDriftMilliseconds", "Value": measurement.drift_ms, "Unit": "Milliseconds", "Timestamp": timestamp},
            {
                "MetricName": "AbsoluteClockDriftMilliseconds",
                "Value": abs(measurement.drift_ms),
                "Unit": "Milliseconds",
                "Timestamp": timestamp,
            },
            {
                "MetricName": "DatabaseRoundTripMilliseconds",
                "Value": measurement.round_trip_ms,
                "Unit": "Milliseconds",
                "Timestamp": timestamp,
            },
        ],
    )


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        parse_event(event)
    except BadEvent as exc:
        log.error("rejected invocation", extra={"fields": {"reason": str(exc)}})
        return {"statusCode": 400, "message": str(exc)}
    namespace = os.environ.get("METRIC_NAMESPACE", "")
    if not namespace:
        raise RuntimeError("METRIC_NAMESPACE is not set")
    measurement = db.run(measure)
    result = {
        "databaseTime": measurement.database_time.isoformat(),
        "functionTime": measurement.function_time.isoformat(),
        "driftMilliseconds": round(measurement.drift_ms, 3),
        "roundTripMilliseconds": round(measurement.round_trip_ms, 3),
    }
    log.info("clock drift measured", extra={"fields": result})
    publish(cloudwatch_client(), namespace, measurement)
    return result
