from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from testing.lambda_runtime import FakeContext, load_handler

CONTEXT = FakeContext("scaffold-template")


@pytest.fixture
def handler() -> ModuleType:
    return load_handler("scaffold-template")


SCHEDULED_EVENT: dict[str, Any] = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}


def test_a_scheduled_event_runs(handler: ModuleType) -> None:
    result = handler.handler(SCHEDULED_EVENT, CONTEXT)

    assert result == {"function": "scaffold-template"}


@pytest.mark.parametrize("event", [None, {}, {**SCHEDULED_EVENT, "source": "my.app"}])
def test_events_that_are_not_schedules_get_a_client_error(handler: ModuleType, event: object) -> None:
    result = handler.handler(event, CONTEXT)

    assert result["statusCode"] == 400
