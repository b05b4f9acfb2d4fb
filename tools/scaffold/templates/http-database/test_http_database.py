from __future__ import annotations

import json
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


def test_get_answers_200_with_a_json_body(handler: ModuleType) -> None:
    response = handler.handler({"httpMethod": "GET", "path": "/scaffold-template", "headers": {}, "body": None}, CONTEXT)

    assert response["statusCode"] == 200
    result: dict[str, Any] = json.loads(response["body"])
    assert result["function"] == "scaffold-template"
    assert result["databaseTime"]
    assert result["databaseUser"] == "scaffold_template"
    assert result["schemaVersion"] == max(version for version, _ in platform_migrations.MIGRATIONS)


def test_an_event_that_is_not_an_object_is_a_client_error(handler: ModuleType) -> None:
    response = handler.handler("not an event", CONTEXT)

    assert response["statusCode"] == 400
