from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest

from testing.lambda_runtime import FakeContext, load_handler

CONTEXT = FakeContext("scaffold-template")


@pytest.fixture
def handler() -> ModuleType:
    return load_handler("scaffold-template")


def test_get_answers_200_with_a_json_body(handler: ModuleType) -> None:
    response = handler.handler({"httpMethod": "GET", "path": "/scaffold-template", "headers": {}, "body": None}, CONTEXT)

    assert response["statusCode"] == 200
    result: dict[str, Any] = json.loads(response["body"])
    assert result == {"function": "scaffold-template"}


def test_an_event_that_is_not_an_object_is_a_client_error(handler: ModuleType) -> None:
    response = handler.handler("not an event", CONTEXT)

    assert response["statusCode"] == 400
