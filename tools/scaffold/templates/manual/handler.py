"""scaffold-template: runs when invoked directly.

Written by npm run new:function: the logic lives in plain functions, handler() is the thin Lambda adapter.
"""

from __future__ import annotations

from typing import Any

from platform_log import bind_invocation, get_logger

log = get_logger("scaffold-template")


def run(event: Any) -> dict[str, Any]:
    del event  # Invoked directly; the payload carries nothing yet.
    return {"function": "scaffold-template"}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    result = run(event)
    log.info("ran", extra={"fields": result})
    return result
