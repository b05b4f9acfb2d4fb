"""JSON log lines for the platform's functions: one object per line, tagged with the invocation.

Packaged next to handler.py (the catalogue entry lists it under sharedModules), so a handler
imports it as a top-level module.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

# Lambda's JSON log format filters by its own level names (TRACE, DEBUG, INFO, WARN, ERROR, FATAL).
_LAMBDA_LEVEL_NAMES = {"WARNING": "WARN", "CRITICAL": "FATAL"}

# Fields every log line of the current invocation carries (set by bind_invocation()). One per
# process: an execution environment runs one function, one invocation at a time.
_invocation_fields: dict[str, str] = {}


class JsonFormatter(logging.Formatter):
    """A record as JSON: timestamp, level, message, service, the invocation's fields and `extra={"fields": {...}}`."""

    def __init__(self, service_name: str) -> None:
        super().__init__()
        self._service_name = service_name

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": _LAMBDA_LEVEL_NAMES.get(record.levelname, record.levelname),
            "message": record.getMessage(),
            "service": os.environ.get("POWERTOOLS_SERVICE_NAME", self._service_name),
            **_invocation_fields,
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def get_logger(service_name: str) -> logging.Logger:
    """The function's logger: JSON to stderr at LOG_LEVEL (INFO when unset or unknown), not propagated."""
    logger = logging.getLogger(service_name)
    stream = logging.StreamHandler()
    stream.setFormatter(JsonFormatter(service_name))
    logger.handlers = [stream]
    logger.propagate = False
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logger.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    return logger


def bind_invocation(context: Any) -> None:
    """Tags every following log line with the invocation's request id; call first in handler()."""
    _invocation_fields["requestId"] = str(getattr(context, "aws_request_id", ""))
