from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pg8000.native
import pytest

import platform_db
from testing.lambda_runtime import FakeContext, load_handler

if TYPE_CHECKING:
    from conftest import Database

CONTEXT = FakeContext("insert-ppu-data")
DB_USER = "insert_ppu_data"
LAYER_DIR = Path(__file__).resolve().parents[3] / ".build" / "layers" / "pg-driver" / "python"


@pytest.fixture
def handler(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    database.migrate()
    for name, value in database.env(DB_USER).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(platform_db, "credential_source", database.credentials)
    module = load_handler("insert-ppu-data")
    yield module
    module.db.drop()


@pytest.fixture
def db(database: Database) -> Iterator[pg8000.native.Connection]:
    connection = database.connect()
    yield connection
    connection.close()


def post(records: object) -> dict[str, Any]:
    return {"httpMethod": "POST", "path": "/ppu-data", "body": json.dumps({"records": records}), "isBase64Encoded": False}


def record(device: str = "meter-1", recorded_at: str = "2026-03-01T12:00:00Z", units: object = 1.5, **extra: object) -> dict[str, Any]:
    return {"deviceId": device, "recordedAt": recorded_at, "units": units, **extra}


def stored(db: pg8000.native.Connection) -> list[list[Any]]:
    rows: list[list[Any]] = db.run(
        "SELECT device_id, recorded_at::text, units, software_version FROM ppu_records ORDER BY device_id, recorded_at"
    )
    return rows


def body(response: dict[str, Any]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(response["body"])
    return parsed


def test_driver_comes_from_the_built_layer(handler: ModuleType) -> None:
    assert Path(handler.pg8000.__file__).is_relative_to(LAYER_DIR)


def test_valid_batch_is_inserted(handler: ModuleType, db: pg8000.native.Connection) -> None:
    response = handler.handler(post([record("meter-1", units=1.5, softwareVersion="4.2"), record("meter-2", units=0)]), CONTEXT)

    assert response["statusCode"] == 200
    assert body(response) == {"received": 2, "inserted": 2, "updated": 0, "unchanged": 0}
    assert stored(db) == [
        ["meter-1", "2026-03-01 12:00:00+00", Decimal("1.5"), "4.2"],
        ["meter-2", "2026-03-01 12:00:00+00", Decimal("0"), None],
    ]


def test_resending_a_batch_changes_nothing(handler: ModuleType, db: pg8000.native.Connection) -> None:
    batch = post([record("meter-1"), record("meter-2")])
    handler.handler(batch, CONTEXT)

    response = handler.handler(batch, CONTEXT)

    assert body(response) == {"received": 2, "inserted": 0, "updated": 0, "unchanged": 2}
    assert len(stored(db)) == 2


def test_a_corrected_record_updates_the_stored_one(handler: ModuleType, db: pg8000.native.Connection) -> None:
    handler.handler(post([record("meter-1", units=1.5)]), CONTEXT)

    # Same instant written in another time zone: the same record.
    response = handler.handler(post([record("meter-1", "2026-03-01T13:00:00+01:00", units=2.25)]), CONTEXT)

    assert body(response) == {"received": 1, "inserted": 0, "updated": 1, "unchanged": 0}
    assert stored(db) == [["meter-1", "2026-03-01 12:00:00+00", Decimal("2.25"), None]]


def test_decimal_units_keep_their_precision(handler: ModuleType, db: pg8000.native.Connection) -> None:
    event = {
        "httpMethod": "POST",
        "body": '{"records": [{"deviceId": "m", "recordedAt": "2026-03-01T00:00:00Z", "units": 0.1000000000000000055511}]}',
    }

    handler.handler(event, CONTEXT)

    assert stored(db)[0][2] == Decimal("0.1000000000000000055511")


def test_invalid_records_are_all_reported_and_nothing_is_stored(handler: ModuleType, db: pg8000.native.Connection) -> None:
    handler.handler(post([record("meter-0")]), CONTEXT)

    response = handler.handler(
        post(
            [
                record("meter-1"),
                record("meter-2", units=-1),
                record("", recorded_at="2026-03-01 12:00"),
                {"deviceId": "meter-3", "recordedAt": "2026-03-01T12:00:00Z", "units": True, "colour": "red"},
                record("meter-1"),
                "not a record",
            ]
        ),
        CONTEXT,
    )

    assert response["statusCode"] == 400
    assert body(response)["invalidRecords"] == [
        {"index": 1, "field": "units", "reason": "must be >= 0"},
        {"index": 2, "field": "deviceId", "reason": "required string of 1 to 128 characters"},
        {"index": 2, "field": "recordedAt", "reason": "required ISO 8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z"},
        {"index": 3, "field": "colour", "reason": "unexpected field"},
        {"index": 3, "field": "units", "reason": "required number"},
        {"index": 4, "field": "recordedAt", "reason": "duplicates record 0 (same deviceId and recordedAt)"},
        {"index": 5, "field": "", "reason": "must be an object"},
    ]
    assert [row[0] for row in stored(db)] == ["meter-0"]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (record(recorded_at="2026-03-01T12:00:00"), "recordedAt"),
        (record(recorded_at="1999-12-31T23:59:59Z"), "recordedAt"),
        (record(recorded_at="2999-01-01T00:00:00Z"), "recordedAt"),
        (record(device="x" * 129), "deviceId"),
        (record(units="3"), "units"),
        (record(softwareVersion=""), "softwareVersion"),
        (record(softwareVersion="v" * 65), "softwareVersion"),
    ],
)
def test_out_of_range_fields_are_reported(handler: ModuleType, bad: dict[str, Any], field: str) -> None:
    response = handler.handler(post([bad]), CONTEXT)

    assert response["statusCode"] == 400
    assert [problem["field"] for problem in body(response)["invalidRecords"]] == [field]


@pytest.mark.parametrize(
    "event",
    [
        None,
        {"httpMethod": "POST"},
        {"httpMethod": "POST", "body": "{"},
        {"httpMethod": "POST", "body": '{"records": [{"units": NaN}]}'},
        {"httpMethod": "POST", "body": "[]"},
        {"httpMethod": "POST", "body": '{"records": []}'},
        {"httpMethod": "POST", "body": '{"records": {}}'},
        {"httpMethod": "POST", "body": json.dumps({"records": [record()], "dryRun": True})},
        post([record(device=f"m-{i}") for i in range(501)]),
    ],
)
def test_malformed_requests_get_a_client_error(handler: ModuleType, event: object) -> None:
    response = handler.handler(event, CONTEXT)

    assert response["statusCode"] == 400
    assert body(response)["message"]


def test_one_connection_is_reused_across_invocations(handler: ModuleType, db: pg8000.native.Connection) -> None:
    handler.handler(post([record("meter-1")]), CONTEXT)
    first = handler.db.get()

    handler.handler(post([record("meter-2")]), CONTEXT)

    assert handler.db.get() is first
    sessions = db.run("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'insert-ppu-data'")
    assert sessions == [[1]]


def test_a_connection_closed_by_the_server_is_replaced(handler: ModuleType, db: pg8000.native.Connection, database: Database) -> None:
    handler.handler(post([record("meter-1")]), CONTEXT)
    with database.superuser_connection() as admin:
        admin.run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'insert-ppu-data'")

    response = handler.handler(post([record("meter-2")]), CONTEXT)

    assert response["statusCode"] == 200
    assert [row[0] for row in stored(db)] == ["meter-1", "meter-2"]


def test_unreachable_database_is_a_server_error_not_a_crash(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PORT", "1")

    response = handler.handler(post([record()]), CONTEXT)

    assert response["statusCode"] == 500
    assert body(response) == {"message": "the records could not be stored; retry later"}


def test_iam_authentication_uses_a_signed_token_as_password(handler: ModuleType) -> None:
    settings = platform_db.DbSettings("db.example.internal", 5432, "ppu", DB_USER, platform_db.SYSTEM_TRUST_STORE)

    user, token = platform_db.aws_credentials(settings)

    assert user == DB_USER
    assert token.startswith(f"db.example.internal:5432/?Action=connect&DBUser={DB_USER}&")
    assert "X-Amz-Signature=" in token


def test_a_full_batch_of_500_records_is_stored(handler: ModuleType, db: pg8000.native.Connection) -> None:
    records = [record(f"meter-{i:03}", units=i) for i in range(500)]

    response = handler.handler(post(records), CONTEXT)

    assert body(response) == {"received": 500, "inserted": 500, "updated": 0, "unchanged": 0}
    assert db.run("SELECT count(*), sum(units) FROM ppu_records") == [[500, Decimal(sum(range(500)))]]


def test_a_batch_the_database_rejects_is_not_half_inserted(handler: ModuleType, db: pg8000.native.Connection) -> None:
    handler.handler(post([record("meter-0")]), CONTEXT)
    # A rule the database enforces but validation does not know: the second record breaks it.
    db.run("ALTER TABLE ppu_records ADD CONSTRAINT units_below_100 CHECK (units < 100)")

    response = handler.handler(post([record("meter-1", units=1), record("meter-2", units=150)]), CONTEXT)

    assert response["statusCode"] == 500
    assert [row[0] for row in stored(db)] == ["meter-0"]
    assert body(handler.handler(post([record("meter-3")]), CONTEXT))["inserted"] == 1
