from __future__ import annotations

from types import ModuleType

import pytest

from testing.lambda_runtime import FakeContext, load_handler

CONTEXT = FakeContext("scaffold-template")


@pytest.fixture
def handler() -> ModuleType:
    return load_handler("scaffold-template")


def test_every_message_is_processed_and_only_failures_return(handler: ModuleType) -> None:
    event = {"Records": [{"messageId": "1", "body": "{}"}, {"messageId": "2", "body": ""}]}

    result = handler.handler(event, CONTEXT)

    assert result == {"batchItemFailures": [{"itemIdentifier": "2"}]}


def test_a_message_body_is_processed(handler: ModuleType) -> None:
    result = handler.process("{}")

    assert result == {"function": "scaffold-template"}
