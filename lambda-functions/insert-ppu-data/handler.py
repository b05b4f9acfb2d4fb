"""Validates a batch of PPU records and upserts it into PostgreSQL in one transaction.

Either every record of a batch is valid and the batch is written, or nothing is written and the
response lists each invalid record (index, field, reason). Re-sending a batch changes nothing: a
record is keyed by (deviceId, recordedAt) and rewritten only when its values differ.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, cast

import boto3
import pg8000.native
from botocore.exceptions import BotoCoreError, ClientError
from pg8000.exceptions import DatabaseError, InterfaceError

MAX_RECORDS = 500
MAX_DEVICE_ID_LENGTH = 128
MAX_SOFTWARE_VERSION_LENGTH = 64
RECORD_FIELDS = frozenset({"deviceId", "recordedAt", "units", "softwareVersion"})
# Readings older than the platform or from the future (beyond clock skew) are data errors.
EARLIEST_RECORDED_AT = datetime(2000, 1, 1, tzinfo=timezone.utc)
ALLOWED_CLOCK_SKEW = timedelta(minutes=5)
CONNECT_TIMEOUT_SECONDS = 5
# Any fixed number shared by every instance of this function: serialises concurrent cold starts.
MIGRATION_LOCK_ID = 0x5050_5501

# Schema changes in order; each runs once, recorded in schema_migrations. Append only.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE IF NOT EXISTS ppu_records (
            device_id text NOT NULL CHECK (char_length(device_id) BETWEEN 1 AND 128),
            recorded_at timestamptz NOT NULL,
            units numeric NOT NULL CHECK (units >= 0),
            software_version text CHECK (char_length(software_version) <= 64),
            inserted_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (device_id, recorded_at)
        )
        """,
    ),
)

UPSERT_SQL = """
INSERT INTO ppu_records (device_id, recorded_at, units, software_version)
SELECT * FROM unnest(
    CAST(:device_ids AS text[]),
    CAST(CAST(:recorded_ats AS text[]) AS timestamptz[]),
    CAST(CAST(:units AS text[]) AS numeric[]),
    CAST(:software_versions AS text[])
)
ON CONFLICT (device_id, recorded_at) DO UPDATE
    SET units = EXCLUDED.units, software_version = EXCLUDED.software_version, updated_at = now()
    WHERE (ppu_records.units, ppu_records.software_version)
        IS DISTINCT FROM (EXCLUDED.units, EXCLUDED.software_version)
RETURNING (xmax = 0) AS inserted
"""


# Fields every log line of the current invocation carries (set by handler()).
_log_context: dict[str, str] = {}


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "message": record.getMessage(),
            "service": os.environ.get("POWERTOOLS_SERVICE_NAME", "insert-ppu-data"),
            **_log_context,
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _make_logger() -> logging.Logger:
    logger = logging.getLogger("insert-ppu-data")
    stream = logging.StreamHandler()
    stream.setFormatter(_JsonFormatter())
    logger.handlers = [stream]
    logger.propagate = False
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logger.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    return logger


log = _make_logger()


class BadRequest(Exception):
    pass


@dataclass(frozen=True)
class Problem:
    index: int
    field: str
    reason: str


class InvalidRecords(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} invalid record field(s)")
        self.problems = problems


@dataclass(frozen=True)
class PpuRecord:
    device_id: str
    recorded_at: datetime
    units: Decimal
    software_version: str | None


@dataclass(frozen=True)
class UpsertResult:
    inserted: int
    updated: int
    unchanged: int


# --- request parsing -------------------------------------------------------------------------


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def parse_body(event: Any) -> list[Any]:
    """The `records` array of the POST body; numbers are read as Decimal so no precision is lost."""
    if not isinstance(event, dict):
        raise BadRequest("expected an API Gateway proxy event object")
    raw = event.get("body")
    if not isinstance(raw, str) or not raw:
        raise BadRequest('the request body is missing; send JSON {"records": [...]}')
    try:
        text = base64.b64decode(raw).decode("utf-8") if event.get("isBase64Encoded") else raw
        body = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    unexpected = sorted(set(body) - {"records"})
    if unexpected:
        raise BadRequest(f"unexpected field(s): {', '.join(unexpected)}")
    records = body.get("records")
    if not isinstance(records, list) or not 1 <= len(records) <= MAX_RECORDS:
        raise BadRequest(f"records must be an array of 1 to {MAX_RECORDS} records")
    return records


def _parse_record(index: int, raw: Any, now: datetime, problems: list[Problem]) -> PpuRecord | None:
    if not isinstance(raw, dict):
        problems.append(Problem(index, "", "must be an object"))
        return None
    before = len(problems)
    for name in sorted(set(raw) - RECORD_FIELDS):
        problems.append(Problem(index, name, "unexpected field"))

    device_id = raw.get("deviceId")
    if not isinstance(device_id, str) or not 1 <= len(device_id) <= MAX_DEVICE_ID_LENGTH:
        problems.append(Problem(index, "deviceId", f"required string of 1 to {MAX_DEVICE_ID_LENGTH} characters"))

    recorded_at: datetime | None = None
    value = raw.get("recordedAt")
    try:
        if not isinstance(value, str) or "T" not in value:
            raise ValueError
        recorded_at = datetime.fromisoformat(value)
        if recorded_at.tzinfo is None:
            raise ValueError
    except ValueError:
        problems.append(Problem(index, "recordedAt", "required ISO 8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z"))
        recorded_at = None
    if recorded_at is not None and not EARLIEST_RECORDED_AT <= recorded_at <= now + ALLOWED_CLOCK_SKEW:
        problems.append(Problem(index, "recordedAt", f"must be between {EARLIEST_RECORDED_AT.date()} and now"))

    units = raw.get("units")
    parsed_units: Decimal | None = None
    if isinstance(units, bool) or not isinstance(units, (int, Decimal)):
        problems.append(Problem(index, "units", "required number"))
    elif units < 0:
        problems.append(Problem(index, "units", "must be >= 0"))
    else:
        parsed_units = Decimal(units)

    software_version = raw.get("softwareVersion")
    if software_version is not None and (
        not isinstance(software_version, str) or not 1 <= len(software_version) <= MAX_SOFTWARE_VERSION_LENGTH
    ):
        problems.append(Problem(index, "softwareVersion", f"optional string of 1 to {MAX_SOFTWARE_VERSION_LENGTH} characters"))

    if len(problems) > before or recorded_at is None or parsed_units is None:
        return None
    return PpuRecord(cast(str, device_id), recorded_at.astimezone(timezone.utc), parsed_units, software_version)


def validate_records(raw_records: list[Any], now: datetime) -> list[PpuRecord]:
    """Every record valid and unique by (deviceId, recordedAt), or InvalidRecords listing all problems."""
    problems: list[Problem] = []
    records: list[PpuRecord] = []
    first_index: dict[tuple[str, datetime], int] = {}
    for index, raw in enumerate(raw_records):
        record = _parse_record(index, raw, now, problems)
        if record is None:
            continue
        key = (record.device_id, record.recorded_at)
        if key in first_index:
            problems.append(Problem(index, "recordedAt", f"duplicates record {first_index[key]} (same deviceId and recordedAt)"))
            continue
        first_index[key] = index
        records.append(record)
    if problems:
        raise InvalidRecords(problems)
    return records


# --- database --------------------------------------------------------------------------------


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
    # libpq's sslmode=require: encrypted, server certificate not verified (the RDS CA is not in
    # the runtime's trust store); the VPC and security groups fence who can answer.
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def connect(settings: DbSettings) -> pg8000.native.Connection:
    user, password = credential_source(settings)
    return pg8000.native.Connection(
        user=user,
        password=password,
        host=settings.host,
        port=settings.port,
        database=settings.database,
        ssl_context=_ssl_context(settings.sslmode),
        timeout=CONNECT_TIMEOUT_SECONDS,
        application_name="insert-ppu-data",
    )


def _rollback(connection: pg8000.native.Connection) -> None:
    """Best effort: on a broken connection the server discards the transaction anyway."""
    try:
        connection.run("ROLLBACK")
    except (InterfaceError, DatabaseError, OSError):
        log.warning("rollback failed; the connection is unusable")


def migrate(connection: pg8000.native.Connection) -> int:
    """Applies pending MIGRATIONS; returns the schema version. Safe under concurrent cold starts."""
    connection.run("START TRANSACTION")
    try:
        connection.run("SELECT pg_advisory_xact_lock(:lock_id)", lock_id=MIGRATION_LOCK_ID)
        connection.run(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        applied = {row[0] for row in connection.run("SELECT version FROM schema_migrations")}
        for version, sql in MIGRATIONS:
            if version not in applied:
                connection.run(sql)
                connection.run("INSERT INTO schema_migrations (version) VALUES (:version)", version=version)
                log.info("applied migration", extra={"fields": {"version": version}})
        connection.run("COMMIT")
    except BaseException:
        _rollback(connection)
        raise
    return max(version for version, _ in MIGRATIONS)


def database() -> pg8000.native.Connection:
    """The execution environment's connection, opened and migrated on first use."""
    global _connection
    if _connection is None:
        connection = connect(DbSettings.from_env(dict(os.environ)))
        try:
            migrate(connection)
        except BaseException:
            connection.close()
            raise
        _connection = connection
    return _connection


def drop_connection() -> None:
    global _connection
    if _connection is not None:
        try:
            _connection.close()
        except (InterfaceError, DatabaseError, OSError):
            log.debug("closing a broken connection failed")
        _connection = None


def upsert_records(connection: pg8000.native.Connection, records: list[PpuRecord]) -> UpsertResult:
    """One statement in one transaction: all records are written or none."""
    connection.run("START TRANSACTION")
    try:
        rows = connection.run(
            UPSERT_SQL,
            device_ids=[r.device_id for r in records],
            recorded_ats=[r.recorded_at.isoformat() for r in records],
            units=[str(r.units) for r in records],
            software_versions=[r.software_version for r in records],
        )
        connection.run("COMMIT")
    except BaseException:
        _rollback(connection)
        raise
    inserted = sum(1 for (was_inserted,) in rows if was_inserted)
    updated = len(rows) - inserted
    return UpsertResult(inserted=inserted, updated=updated, unchanged=len(records) - inserted - updated)


def _connection_lost(exc: Exception) -> bool:
    if isinstance(exc, (InterfaceError, OSError)):
        return True
    # 57P01..57P03: the server is shutting down or terminated this session (failover, restart).
    details = exc.args[0] if exc.args else None
    return isinstance(details, dict) and str(details.get("C", "")).startswith("57P")


def store(records: list[PpuRecord]) -> UpsertResult:
    """Upserts through the reused connection; a connection the server dropped is reopened once.

    Retrying is safe even when the first COMMIT's fate is unknown: the upsert is idempotent.
    """
    try:
        return upsert_records(database(), records)
    except (InterfaceError, DatabaseError, OSError) as exc:
        if not _connection_lost(exc):
            raise
        log.warning("database connection lost; reconnecting", extra={"fields": {"error": str(exc)}})
        drop_connection()
        return upsert_records(database(), records)


# --- adapter ---------------------------------------------------------------------------------


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def handler(event: Any, context: Any) -> dict[str, Any]:
    _log_context["requestId"] = str(getattr(context, "aws_request_id", ""))
    try:
        records = validate_records(parse_body(event), datetime.now(timezone.utc))
    except BadRequest as exc:
        log.warning("rejected request", extra={"fields": {"reason": str(exc)}})
        return _response(400, {"message": str(exc)})
    except InvalidRecords as exc:
        problems = [{"index": p.index, "field": p.field, "reason": p.reason} for p in exc.problems]
        log.warning("rejected invalid records", extra={"fields": {"invalidRecords": problems}})
        return _response(400, {"message": "invalid records; nothing was stored", "invalidRecords": problems})
    try:
        result = store(records)
    except (RuntimeError, DatabaseError, InterfaceError, OSError, ClientError, BotoCoreError, KeyError, ValueError):
        log.exception("could not store the records")
        drop_connection()
        return _response(500, {"message": "the records could not be stored; retry later"})
    summary = {"received": len(records), "inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged}
    log.info("stored records", extra={"fields": summary})
    return _response(200, summary)
