from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

import platform_db
import platform_migrations
from testing.lambda_runtime import FakeContext, load_handler

if TYPE_CHECKING:
    from conftest import Database

CONTEXT = FakeContext("scaffold-template")


@pytest.fixture
def handler(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    # As after a deploy: the migrations create the tables and this function's role with its grants.
    database.migrate()
    for name, value in database.env("scaffold_template").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(platform_db, "credential_source", database.credentials)
    module = load_handler("scaffold-template")
    yield module
    module.db.drop()


SCHEDULED_EVENT: dict[str, Any] = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


def test_a_scheduled_event_runs(handler: ModuleType) -> None:
    result = handler.handler(SCHEDULED_EVENT, CONTEXT)

    assert result["function"] == "scaffold-template"
    assert result["databaseTime"]
    assert result["databaseUser"] == "scaffold_template"
    assert result["schemaVersion"] == max(version for version, _ in platform_migrations.MIGRATIONS)


@pytest.mark.parametrize("event", [None, {}, {**SCHEDULED_EVENT, "source": "my.app"}])
def test_events_that_are_not_schedules_get_a_client_error(handler: ModuleType, event: object) -> None:
    result = handler.handler(event, CONTEXT)

    assert result["statusCode"] == 400
