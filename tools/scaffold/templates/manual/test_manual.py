from __future__ import annotations

from types import ModuleType

import pytest

from testing.lambda_runtime import FakeContext, load_handler

CONTEXT = FakeContext("scaffold-template")


@pytest.fixture
def handler() -> ModuleType:
    return load_handler("scaffold-template")


def test_a_direct_invocation_runs(handler: ModuleType) -> None:
    result = handler.handler({}, CONTEXT)

    assert result == {"function": "scaffold-template"}
