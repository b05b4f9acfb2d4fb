"""Validates a batch of PPU records and upserts it into PostgreSQL in one transaction.

Either every record of a batch is valid and the batch is written, or nothing is written and the
response lists each invalid record (index, field, reason). Re-sending a batch changes nothing: a
record is keyed by (deviceId, recordedAt) and rewritten only when its values differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pg8000.native
from botocore.exceptions import BotoCoreError, ClientError
from pg8000.exceptions import DatabaseError, InterfaceError

from platform_db import ReusedConnection
from platform_http import BadRequest, json_object_body, json_response
from platform_log import bind_invocation, get_logger

MAX_RECORDS = 500
MAX_DEVICE_ID_LENGTH = 128
MAX_SOFTWARE_VERSION_LENGTH = 64
RECORD_FIELDS = frozenset({"deviceId", "recordedAt", "units", "softwareVersion"})
# Readings older than the platform or from the future (beyond clock skew) are data errors.
EARLIEST_RECORDED_AT = datetime(2000, 1, 1, tzinfo=UTC)
ALLOWED_CLOCK_SKEW = timedelta(minutes=5)
CONNECT_TIMEOUT_SECONDS = 5

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


log = get_logger("insert-ppu-data")


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
    body = json_object_body(event, {"records"}, '{"records": [...]}', parse_float=Decimal, parse_constant=_reject_constant)
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
    return PpuRecord(cast(str, device_id), recorded_at.astimezone(UTC), parsed_units, software_version)


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


def _rollback(connection: pg8000.native.Connection) -> None:
    """Best effort: on a broken connection the server discards the transaction anyway."""
    try:
        connection.run("ROLLBACK")
    except (InterfaceError, DatabaseError, OSError):
        log.warning("rollback failed; the connection is unusable")


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


# The execution environment's connection, as the insert_ppu_data role: it may read and write
# ppu_records and nothing else, so the schema is lambda-test-runner's to migrate (platform_migrations).
db = ReusedConnection("insert-ppu-data", CONNECT_TIMEOUT_SECONDS, log)


def store(records: list[PpuRecord]) -> UpsertResult:
    """Upserts through the reused connection; a connection the server dropped is reopened once.

    Retrying is safe even when the first COMMIT's fate is unknown: the upsert is idempotent.
    """
    return db.run(lambda connection: upsert_records(connection, records))


# --- adapter ---------------------------------------------------------------------------------


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        records = validate_records(parse_body(event), datetime.now(UTC))
    except BadRequest as exc:
        log.warning("rejected request", extra={"fields": {"reason": str(exc)}})
        return json_response(400, {"message": str(exc)})
    except InvalidRecords as exc:
        problems = [{"index": p.index, "field": p.field, "reason": p.reason} for p in exc.problems]
        log.warning("rejected invalid records", extra={"fields": {"invalidRecords": problems}})
        return json_response(400, {"message": "invalid records; nothing was stored", "invalidRecords": problems})
    try:
        result = store(records)
    except (RuntimeError, DatabaseError, InterfaceError, OSError, ClientError, BotoCoreError, KeyError, ValueError):
        log.exception("could not store the records")
        db.drop()
        return json_response(500, {"message": "the records could not be stored; retry later"})
    summary = {"received": len(records), "inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged}
    log.info("stored records", extra={"fields": summary})
    return json_response(200, summary)
