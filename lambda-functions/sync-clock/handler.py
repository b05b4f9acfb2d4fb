"""Scheduled check of the database clock against this function's clock.

The drift is the database time minus the midpoint of the query's round trip, so network latency
does not count as drift; half the round trip bounds the measurement error. Each run logs the
measurement and publishes it to CloudWatch, where an alarm can watch AbsoluteClockDriftMilliseconds.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import boto3
import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

CONNECT_TIMEOUT_SECONDS = 2


# Fields every log line of the current invocation carries (set by handler()).
_log_context: dict[str, str] = {}


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "message": record.getMessage(),
            "service": os.environ.get("POWERTOOLS_SERVICE_NAME", "sync-clock"),
            **_log_context,
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _make_logger() -> logging.Logger:
    logger = logging.getLogger("sync-clock")
    stream = logging.StreamHandler()
    stream.setFormatter(_JsonFormatter())
    logger.handlers = [stream]
    logger.propagate = False
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logger.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    return logger


log = _make_logger()


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


@dataclass(frozen=True)
class DbSettings:
    host: str
    port: int
    database: str
    user: str
    auth: str
    secret_arn: str
    sslmode: str

    @classmethod
    def from_env(cls, env: dict[str, str]) -> DbSettings:
        missing = [name for name in ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER") if not env.get(name)]
        if missing:
            raise RuntimeError(f"missing database configuration: {', '.join(missing)}")
        auth = env.get("DB_AUTH", "secret")
        if auth not in ("secret", "iam"):
            raise RuntimeError(f"DB_AUTH must be 'secret' or 'iam', got {auth!r}")
        if auth == "secret" and not env.get("DB_SECRET_ARN"):
            raise RuntimeError("DB_AUTH=secret needs DB_SECRET_ARN")
        sslmode = env.get("DB_SSLMODE", "require")
        if sslmode not in ("require", "disable"):
            raise RuntimeError(f"DB_SSLMODE must be 'require' or 'disable', got {sslmode!r}")
        if auth == "iam" and sslmode != "require":
            raise RuntimeError("IAM database authentication needs DB_SSLMODE=require")
        if not env["DB_PORT"].isdigit():
            raise RuntimeError(f"DB_PORT must be a port number, got {env['DB_PORT']!r}")
        return cls(env["DB_HOST"], int(env["DB_PORT"]), env["DB_NAME"], env["DB_USER"], auth, env.get("DB_SECRET_ARN", ""), sslmode)


def aws_credentials(settings: DbSettings) -> tuple[str, str]:
    """(user, password) from the RDS-managed secret, or a 15-minute IAM authentication token."""
    if settings.auth == "iam":
        token = boto3.client("rds").generate_db_auth_token(DBHostname=settings.host, Port=settings.port, DBUsername=settings.user)
        return settings.user, token
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=settings.secret_arn)["SecretString"])
    return secret.get("username", settings.user), secret["password"]


# Replaceable so tests connect with a local password; in AWS it is always aws_credentials.
credential_source: Callable[[DbSettings], tuple[str, str]] = aws_credentials

_connection: pg8000.native.Connection | None = None


def _ssl_context(sslmode: str) -> ssl.SSLContext | None:
    if sslmode == "disable":
        return None
    # libpq's sslmode=require: encrypted, certificate not verified (RDS CA not in the trust store).
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def database() -> pg8000.native.Connection:
    """The execution environment's connection, opened on first use and then reused."""
    global _connection
    if _connection is None:
        settings = DbSettings.from_env(dict(os.environ))
        user, password = credential_source(settings)
        _connection = pg8000.native.Connection(
            user=user,
            password=password,
            host=settings.host,
            port=settings.port,
            database=settings.database,
            ssl_context=_ssl_context(settings.sslmode),
            timeout=CONNECT_TIMEOUT_SECONDS,
            application_name="sync-clock",
        )
    return _connection


def drop_connection() -> None:
    global _connection
    if _connection is not None:
        try:
            _connection.close()
        except (InterfaceError, DatabaseError, OSError):
            log.debug("closing a broken connection failed")
        _connection = None


def _connection_lost(exc: Exception) -> bool:
    """The reused connection is gone (idle timeout, failover, terminated session)."""
    if isinstance(exc, (InterfaceError, OSError)):
        return True
    details = exc.args[0] if exc.args else None
    return isinstance(details, dict) and str(details.get("C", "")).startswith("57P")


def measure(connection: pg8000.native.Connection, clock: Callable[[], float] = time.time) -> Measurement:
    before = clock()
    ((database_epoch,),) = connection.run("SELECT extract(epoch FROM clock_timestamp())::float8")
    after = clock()
    midpoint = (before + after) / 2
    return Measurement(
        database_time=datetime.fromtimestamp(database_epoch, timezone.utc),
        function_time=datetime.fromtimestamp(midpoint, timezone.utc),
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
            {"MetricName": "AbsoluteClockDriftMilliseconds", "Value": abs(measurement.drift_ms), "Unit": "Milliseconds", "Timestamp": timestamp},
            {"MetricName": "DatabaseRoundTripMilliseconds", "Value": measurement.round_trip_ms, "Unit": "Milliseconds", "Timestamp": timestamp},
        ],
    )


def handler(event: Any, context: Any) -> dict[str, Any]:
    _log_context["requestId"] = str(getattr(context, "aws_request_id", ""))
    try:
        parse_event(event)
    except BadEvent as exc:
        log.error("rejected invocation", extra={"fields": {"reason": str(exc)}})
        return {"statusCode": 400, "message": str(exc)}
    namespace = os.environ.get("METRIC_NAMESPACE", "")
    if not namespace:
        raise RuntimeError("METRIC_NAMESPACE is not set")
    try:
        measurement = measure(database())
    except (InterfaceError, DatabaseError, OSError) as exc:
        if not _connection_lost(exc):
            raise
        log.warning("database connection lost; reconnecting", extra={"fields": {"error": str(exc)}})
        drop_connection()
        measurement = measure(database())
    result = {
        "databaseTime": measurement.database_time.isoformat(),
        "functionTime": measurement.function_time.isoformat(),
        "driftMilliseconds": round(measurement.drift_ms, 3),
        "roundTripMilliseconds": round(measurement.round_trip_ms, 3),
    }
    log.info("clock drift measured", extra={"fields": result})
    publish(cloudwatch_client(), namespace, measurement)
    return result
