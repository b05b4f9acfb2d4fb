from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

import platform_db
import platform_migrations
from testing.http_stand_ins import StandIn, sqs_stand_in
from testing.lambda_runtime import FakeContext, load_handler
from testing.servers import NodeServer

if TYPE_CHECKING:
    from conftest import Database

CONTEXT = FakeContext("lambda-test-runner")
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/824357028182/software-events"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:824357028182:software-events"
ALL_CHECKS = ["database-reachable", "database-migrated", "bucket-reachable", "table-reachable", "queue-reachable"]


@pytest.fixture
def sqs() -> Iterator[StandIn]:
    stand_in = sqs_stand_in({QUEUE_URL: QUEUE_ARN}).start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def migrated(database: Database) -> None:
    """The schema and roles database-admin's migrate action left behind (the product's migrate step, not this function)."""
    database.migrate()


def recorded_versions(database: Database) -> list[list[int]]:
    connection = database.connect()
    try:
        versions: list[list[int]] = connection.run("SELECT version FROM schema_migrations ORDER BY version")
        return versions
    finally:
        connection.close()


@pytest.fixture
def handler(
    database: Database, s3_endpoint: str, dynalite: NodeServer, events_table: str, sqs: StandIn, monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    for name, value in database.env("lambda_test_runner").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BUCKET_NAME", "test-uploads")
    monkeypatch.setenv("TABLE_NAME", events_table)
    monkeypatch.setenv("QUEUE_URL", QUEUE_URL)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", dynalite.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", sqs.endpoint_url)
    monkeypatch.setattr(platform_db, "credential_source", database.credentials)
    return load_handler("lambda-test-runner")


def outcome(report: dict[str, Any]) -> dict[str, bool]:
    return {check["name"]: check["passed"] for check in report["checks"]}


def test_a_healthy_deployment_passes_every_check(handler: ModuleType, migrated: None) -> None:
    report = handler.handler({}, CONTEXT)

    assert report["passed"] is True, report
    assert [check["name"] for check in report["checks"]] == ALL_CHECKS
    details = {check["name"]: check["detail"] for check in report["checks"]}
    assert details["database-migrated"] == "schema version 1 (this code needs 1)"
    assert details["queue-reachable"] == f"queue {QUEUE_ARN} reachable"
    assert all(isinstance(check["durationMilliseconds"], int) for check in report["checks"])


def test_before_the_migrations_its_own_role_does_not_exist_so_the_database_checks_fail_and_nothing_is_migrated(
    handler: ModuleType, database: Database
) -> None:
    # Issue 20: it used to log in as its own role first (refused on a fresh database) and then migrate as
    # the schema owner; the checks only look now, and the migrations are database-admin's.
    report = handler.handler({}, CONTEXT)

    assert outcome(report)["database-reachable"] is False
    assert outcome(report)["database-migrated"] is False
    assert 'password authentication failed for user "lambda_test_runner"' in report["checks"][0]["detail"]
    with database.superuser_connection() as admin:
        assert admin.run("SELECT to_regclass('public.schema_migrations') IS NULL") == [[True]]
        roles = list(platform_migrations.FUNCTION_ROLE_GRANTS)
        assert admin.run("SELECT count(*) FROM pg_roles WHERE rolname = ANY(:roles)", roles=roles) == [[0]]


def test_a_migration_this_code_needs_but_the_database_lacks_fails_the_check_and_is_not_applied(
    handler: ModuleType, migrated: None, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(platform_migrations, "MIGRATIONS", (*platform_migrations.MIGRATIONS, (2, "CREATE TABLE added_later (id int)")))

    report = handler.handler({"checks": ["database-migrated"]}, CONTEXT)

    assert report["passed"] is False
    assert report["checks"][0]["detail"].startswith("migration(s) 2 not recorded in schema_migrations; run database-admin")
    assert recorded_versions(database) == [[1]]
    with database.superuser_connection() as admin:
        assert admin.run("SELECT to_regclass('public.added_later') IS NULL") == [[True]]


def test_an_unreachable_database_fails_its_checks_and_the_others_still_run(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PORT", "1")

    report = handler.handler({}, CONTEXT)

    assert outcome(report) == {
        "database-reachable": False,
        "database-migrated": False,
        "bucket-reachable": True,
        "table-reachable": True,
        "queue-reachable": True,
    }
    assert report["checks"][1]["detail"].startswith("database unreachable: ")


def test_missing_resources_fail_their_checks(handler: ModuleType, migrated: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUCKET_NAME", "no-such-bucket")
    monkeypatch.setenv("TABLE_NAME", "no-such-table")
    monkeypatch.setenv("QUEUE_URL", QUEUE_URL + "-missing")

    report = handler.handler({}, CONTEXT)

    assert outcome(report) == {
        "database-reachable": True,
        "database-migrated": True,
        "bucket-reachable": False,
        "table-reachable": False,
        "queue-reachable": False,
    }
    assert "QueueDoesNotExist" in report["checks"][4]["detail"]


def test_missing_configuration_fails_the_check_that_needs_it(handler: ModuleType, migrated: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUEUE_URL")

    report = handler.handler({"checks": ["queue-reachable"]}, CONTEXT)

    assert report["checks"][0] == {**report["checks"][0], "passed": False, "detail": "QUEUE_URL is not set"}


def test_a_subset_of_checks_can_be_requested(handler: ModuleType) -> None:
    report = handler.handler({"checks": ["queue-reachable", "bucket-reachable"]}, CONTEXT)

    assert [check["name"] for check in report["checks"]] == ["bucket-reachable", "queue-reachable"]
    assert report["passed"] is True


@pytest.mark.parametrize(
    "event",
    ["run", [], {"checks": []}, {"checks": "all"}, {"checks": ["database-reachable", "ping"]}, {"check": ["queue-reachable"]}],
)
def test_bad_invocations_get_a_client_error(handler: ModuleType, event: object) -> None:
    result = handler.handler(event, CONTEXT)

    assert result["statusCode"] == 400
    assert result["passed"] is False
    assert result["message"]
