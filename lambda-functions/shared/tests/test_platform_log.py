"""platform_log writes one JSON object per line in the shape Lambda's JSON log format filters on."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

import platform_log


def _line(caplog_records: list[logging.LogRecord], service: str = "svc") -> dict[str, object]:
    entry: dict[str, object] = json.loads(platform_log.JsonFormatter(service).format(caplog_records[-1]))
    return entry


@pytest.mark.parametrize(
    ("level", "expected"), [(logging.INFO, "INFO"), (logging.WARNING, "WARN"), (logging.CRITICAL, "FATAL"), (logging.ERROR, "ERROR")]
)
def test_levels_use_lambda_names(level: int, expected: str) -> None:
    record = logging.LogRecord("svc", level, __file__, 1, "hello %s", ("world",), None)
    entry = _line([record])
    assert entry["level"] == expected
    assert entry["message"] == "hello world"


def test_lines_carry_the_invocation_request_id_and_extra_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POWERTOOLS_SERVICE_NAME", raising=False)
    platform_log.bind_invocation(SimpleNamespace(aws_request_id="req-123"))
    record = logging.LogRecord("svc", logging.INFO, __file__, 1, "stored", (), None)
    record.fields = {"records": 3}
    entry = _line([record], service="insert-ppu-data")
    assert {k: entry[k] for k in ("requestId", "records", "service")} == {
        "requestId": "req-123",
        "records": 3,
        "service": "insert-ppu-data",
    }
