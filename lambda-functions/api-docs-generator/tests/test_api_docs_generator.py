import io
import json
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from testing.lambda_runtime import FakeContext, load_handler

CONTEXT = FakeContext("api-docs-generator")
REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def built(staged_functions_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The handler serving a copy of the openapi.json the build generated (tests may delete it). It is
    loaded from its source file, which coverage measures; the zip layout has its own test below."""
    document = tmp_path / "openapi.json"
    shutil.copy(staged_functions_dir / "api-docs-generator" / "openapi.json", document)
    module = load_handler("api-docs-generator")
    monkeypatch.setattr(module, "DOCUMENT_FILE", document)
    return module


def test_the_document_is_packaged_next_to_the_handler(staged_functions_dir: Path) -> None:
    staged = staged_functions_dir / "api-docs-generator"
    packaged = load_handler("api-docs-generator", staged)

    assert staged / "openapi.json" == packaged.DOCUMENT_FILE
    assert packaged.DOCUMENT_FILE.is_file()


def rest_event(method: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"resource": "/openapi", "path": "/openapi", "httpMethod": method, "headers": headers, "body": None}


@pytest.fixture(scope="module")
def catalogue_routes() -> dict[str, list[str]]:
    """The HTTP_ROUTES of the catalogue (catalogue/index.ts) as {path: [methods]}, asked of the catalogue itself."""
    script = (
        "import { HTTP_ROUTES } from './catalogue';console.log(JSON.stringify(HTTP_ROUTES.map((r) => [r.path, r.method.toLowerCase()])));"
    )
    output = subprocess.run(["npx", "tsx", "--eval", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout  # noqa: S607
    routes: dict[str, list[str]] = {}
    for path, method in json.loads(output):
        routes.setdefault(path, []).append(method)
    return {path: sorted(methods) for path, methods in routes.items()}


def test_get_serves_the_openapi3_document_of_every_http_route(built: ModuleType, catalogue_routes: dict[str, list[str]]) -> None:
    response = built.handler(rest_event("GET"), CONTEXT)

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("application/json")
    document = json.loads(response["body"])
    assert document["openapi"].startswith("3.")
    assert {path: sorted(ops) for path, ops in document["paths"].items()} == catalogue_routes


def test_head_returns_the_get_headers_without_a_body(built: ModuleType) -> None:
    get = built.handler(rest_event("GET"), CONTEXT)
    head = built.handler(rest_event("HEAD"), CONTEXT)

    assert head["statusCode"] == 200
    assert head["body"] == ""
    assert head["headers"] == get["headers"]
    assert int(head["headers"]["Content-Length"]) == len(get["body"].encode())


def test_matching_if_none_match_answers_not_modified(built: ModuleType) -> None:
    etag = built.handler(rest_event("GET"), CONTEXT)["headers"]["ETag"]

    response = built.handler(rest_event("GET", {"If-None-Match": etag}), CONTEXT)

    assert response["statusCode"] == 304
    assert response["body"] == ""


def test_document_is_read_once_and_kept_in_memory(built: ModuleType) -> None:
    first = built.handler(rest_event("GET"), CONTEXT)
    built.DOCUMENT_FILE.unlink()

    second = built.handler(rest_event("GET"), CONTEXT)

    assert second["statusCode"] == 200
    assert second["body"] == first["body"]


def test_http_api_payload_v2_events_are_understood(built: ModuleType) -> None:
    event = {"version": "2.0", "requestContext": {"http": {"method": "GET", "path": "/openapi"}}, "headers": {}}

    assert built.handler(event, CONTEXT)["statusCode"] == 200


def test_other_methods_are_refused_with_allow_header(built: ModuleType) -> None:
    response = built.handler(rest_event("POST"), CONTEXT)

    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "event",
    [
        None,
        "GET",
        {},
        {"httpMethod": ""},
        {"httpMethod": "GET", "headers": ["x"]},
        {"requestContext": "x"},
        {"requestContext": {"http": None}},
        {"requestContext": {"http": "GET"}},
    ],
)
def test_events_that_are_not_proxy_requests_get_a_client_error(built: ModuleType, event: object) -> None:
    response = built.handler(event, CONTEXT)

    assert response["statusCode"] == 400
    assert json.loads(response["body"])["message"]


def test_missing_document_is_a_server_error_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    handler = load_handler("api-docs-generator")
    monkeypatch.setattr(handler, "DOCUMENT_FILE", tmp_path / "openapi.json")

    response = handler.handler(rest_event("GET"), CONTEXT)

    assert response["statusCode"] == 500
    assert json.loads(response["body"]) == {"message": "the API document is unavailable"}


def test_logs_are_json_lines_with_service_and_request_id(built: ModuleType) -> None:
    stream = io.StringIO()
    built.log.handlers[0].setStream(stream)

    built.handler(rest_event("GET"), FakeContext("api-docs-generator", aws_request_id="req-123"))

    line = json.loads(stream.getvalue().splitlines()[-1])
    assert {key: line[key] for key in ("level", "message", "service", "requestId", "statusCode")} == {
        "level": "INFO",
        "message": "served",
        "service": "api-docs-generator",
        "requestId": "req-123",
        "statusCode": 200,
    }
    assert line["timestamp"].endswith("+00:00")
