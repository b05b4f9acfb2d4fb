"""Serves the API's OpenAPI 3 document.

The build generates openapi.json from the catalogue's HTTP routes and places it next to this file,
so the document cannot drift from the deployed API. It is read once per execution environment.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_http import BadRequest, json_response
from platform_log import bind_invocation, get_logger

DOCUMENT_FILE = Path(__file__).with_name("openapi.json")
# The document declares its own /openapi response as application/json; serve what it says.
CONTENT_TYPE = "application/json; charset=utf-8"
CACHE_CONTROL = "public, max-age=300"
ALLOWED_METHODS = ("GET", "HEAD")


log = get_logger("api-docs-generator")


@dataclass(frozen=True)
class Document:
    body: str
    etag: str


@dataclass(frozen=True)
class Request:
    method: str
    if_none_match: str | None


@functools.cache
def load_document(path: Path) -> Document:
    """Reads and checks the built document; cached because it never changes within a deployment."""
    body = path.read_text(encoding="utf-8")
    parsed = json.loads(body)
    if not isinstance(parsed, dict) or not str(parsed.get("openapi", "")).startswith("3."):
        raise ValueError(f"{path.name} is not an OpenAPI 3 document")
    return Document(body=body, etag='"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"')


def parse_request(event: Any) -> Request:
    """Accepts API Gateway REST (payload 1.0) and HTTP API (payload 2.0) proxy events."""
    if not isinstance(event, dict):
        raise BadRequest("expected an API Gateway proxy event object")
    method = event.get("httpMethod")
    if method is None:
        # Payload 2.0 nests it: requestContext.http.method; any level may be missing or not an object.
        context = event.get("requestContext")
        http = context.get("http") if isinstance(context, dict) else None
        method = http.get("method") if isinstance(http, dict) else None
    if not isinstance(method, str) or not method:
        raise BadRequest("the event has no HTTP method (httpMethod)")
    headers = event.get("headers") or {}
    if not isinstance(headers, dict):
        raise BadRequest("headers must be an object")
    lowered = {str(name).lower(): value for name, value in headers.items()}
    if_none_match = lowered.get("if-none-match")
    return Request(method=method.upper(), if_none_match=if_none_match if isinstance(if_none_match, str) else None)


def respond(request: Request, document: Document) -> dict[str, Any]:
    if request.method not in ALLOWED_METHODS:
        return {
            "statusCode": 405,
            "headers": {"Allow": ", ".join(ALLOWED_METHODS), "Content-Type": "application/json"},
            "body": json.dumps({"message": f"method {request.method} not allowed; use GET or HEAD"}),
        }
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Cache-Control": CACHE_CONTROL,
        "ETag": document.etag,
        "Content-Length": str(len(document.body.encode("utf-8"))),
    }
    if request.if_none_match is not None and document.etag in (tag.strip() for tag in request.if_none_match.split(",")):
        return {"statusCode": 304, "headers": {"ETag": document.etag, "Cache-Control": CACHE_CONTROL}, "body": ""}
    # HEAD answers with GET's headers and no body.
    body = document.body if request.method == "GET" else ""
    return {"statusCode": 200, "headers": headers, "body": body}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        request = parse_request(event)
    except BadRequest as exc:
        log.warning("rejected request", extra={"fields": {"reason": str(exc)}})
        return json_response(400, {"message": str(exc)})
    try:
        document = load_document(DOCUMENT_FILE)
    except (OSError, ValueError):
        log.exception("OpenAPI document unavailable", extra={"fields": {"file": DOCUMENT_FILE.name}})
        return json_response(500, {"message": "the API document is unavailable"})
    response = respond(request, document)
    log.info("served", extra={"fields": {"method": request.method, "statusCode": response["statusCode"]}})
    return response
