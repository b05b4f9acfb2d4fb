"""API Gateway proxy requests and responses of the HTTP functions.

Packaged next to handler.py (the catalogue entry lists it under sharedModules).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Collection
from typing import Any


class BadRequest(Exception):
    """The request cannot be answered; the message tells the caller why (HTTP 400)."""


def json_object_body(
    event: Any,
    fields: Collection[str],
    shape: str,
    parse_float: Callable[[str], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> dict[str, Any]:
    """The request body as a JSON object with no field outside `fields`, else BadRequest.

    `shape` is the body to send, shown when the body is missing; parse_float and parse_constant
    go to json.loads.
    """
    if not isinstance(event, dict):
        raise BadRequest("expected an API Gateway proxy event object")
    raw = event.get("body")
    if not isinstance(raw, str) or not raw:
        raise BadRequest(f"the request body is missing; send JSON {shape}")
    try:
        text = base64.b64decode(raw).decode("utf-8") if event.get("isBase64Encoded") else raw
        body = json.loads(text, parse_float=parse_float, parse_constant=parse_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    unexpected = sorted(set(body) - set(fields))
    if unexpected:
        raise BadRequest(f"unexpected field(s): {', '.join(unexpected)}")
    return body


def json_response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
