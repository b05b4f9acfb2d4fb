import base64
import json
import urllib.error
import urllib.request
import uuid
from types import ModuleType
from typing import Any

import boto3
import pytest

from testing.lambda_runtime import FakeContext, load_handler

CONTEXT = FakeContext("presigned-url-s3-upload")
BUCKET = "test-uploads"
MAX_UPLOAD_BYTES = 1024


@pytest.fixture
def handler(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    monkeypatch.setenv("BUCKET_NAME", BUCKET)
    monkeypatch.setenv("URL_EXPIRY_SECONDS", "300")
    monkeypatch.setenv("MAX_UPLOAD_BYTES", str(MAX_UPLOAD_BYTES))
    monkeypatch.setenv("ALLOWED_CONTENT_TYPES", "text/csv, application/json")
    return load_handler("presigned-url-s3-upload")


def request_upload(handler: ModuleType, body: object) -> dict[str, Any]:
    event = {"httpMethod": "POST", "path": "/files/upload-url", "body": json.dumps(body), "isBase64Encoded": False}
    response: dict[str, Any] = handler.handler(event, CONTEXT)
    return response


def post_form(url: str, fields: dict[str, str], content: bytes, content_type: str) -> tuple[int, bytes]:
    """A browser-style multipart/form-data upload; returns the HTTP status and body."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode() for name, value in fields.items()]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url, data=b"".join(parts), method="POST", headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_presigned_post_uploads_the_file_under_a_fresh_uploads_key(handler: ModuleType, s3_endpoint: str) -> None:
    content = b"device,units\nd-1,2\n"

    response = request_upload(handler, {"fileName": "readings.csv", "contentType": "text/csv", "contentLength": len(content)})

    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["key"].startswith("uploads/")
    assert body["key"].endswith("/readings.csv")
    assert post_form(body["url"], body["fields"], content, "text/csv")[0] == 204
    stored = boto3.client("s3", endpoint_url=s3_endpoint).get_object(Bucket=BUCKET, Key=body["key"])
    assert stored["Body"].read() == content
    assert stored["ContentType"] == "text/csv"


def test_policy_pins_key_content_type_and_size_range(handler: ModuleType) -> None:
    body = json.loads(request_upload(handler, {"fileName": "a.json", "contentType": "application/json", "contentLength": 10})["body"])

    policy = json.loads(base64.b64decode(body["fields"]["policy"]))

    assert {"key": body["key"]} in policy["conditions"]
    assert {"Content-Type": "application/json"} in policy["conditions"]
    assert ["content-length-range", 1, 10] in policy["conditions"]


def test_upload_larger_than_declared_is_rejected(handler: ModuleType) -> None:
    body = json.loads(request_upload(handler, {"fileName": "a.csv", "contentType": "text/csv", "contentLength": 10})["body"])

    status, error = post_form(body["url"], body["fields"], b"x" * 11, "text/csv")

    assert (status, b"<Code>EntityTooLarge</Code>" in error) == (400, True)


def test_upload_larger_than_the_limit_is_rejected_without_declared_length(handler: ModuleType) -> None:
    body = json.loads(request_upload(handler, {"fileName": "a.csv", "contentType": "text/csv"})["body"])

    assert body["maxBytes"] == MAX_UPLOAD_BYTES
    status, error = post_form(body["url"], body["fields"], b"x" * (MAX_UPLOAD_BYTES + 1), "text/csv")
    assert (status, b"<Code>EntityTooLarge</Code>" in error) == (400, True)


def test_upload_with_another_content_type_is_rejected(handler: ModuleType) -> None:
    body = json.loads(request_upload(handler, {"fileName": "a.csv", "contentType": "text/csv"})["body"])
    fields = {**body["fields"], "Content-Type": "text/html"}

    status, error = post_form(body["url"], fields, b"<script>", "text/html")

    assert (status, b"Policy Condition failed" in error) == (403, True)


@pytest.mark.parametrize(
    ("request_body", "reason"),
    [
        ({"fileName": "a.csv", "contentType": "text/html"}, "is not accepted"),
        ({"fileName": "a.csv", "contentType": "not a type"}, "must be a media type"),
        ({"fileName": "a.csv", "contentType": "text/csv", "contentLength": MAX_UPLOAD_BYTES + 1}, "exceeds the limit"),
        ({"fileName": "a.csv", "contentType": "text/csv", "contentLength": 0}, "positive integer"),
        ({"fileName": "a.csv", "contentType": "text/csv", "contentLength": "12"}, "positive integer"),
        ({"fileName": "../etc/passwd", "contentType": "text/csv"}, "fileName must be"),
        ({"fileName": "dir/a.csv", "contentType": "text/csv"}, "fileName must be"),
        ({"fileName": "", "contentType": "text/csv"}, "fileName is required"),
        ({"contentType": "text/csv"}, "fileName is required"),
        ({"fileName": "a.csv", "contentType": "text/csv", "acl": "public-read"}, "unexpected field(s): acl"),
    ],
)
def test_invalid_requests_are_refused_with_the_reason(handler: ModuleType, request_body: dict[str, Any], reason: str) -> None:
    response = request_upload(handler, request_body)

    assert response["statusCode"] == 400
    assert reason in json.loads(response["body"])["message"]


@pytest.mark.parametrize(
    "event", [None, [], {"httpMethod": "POST"}, {"httpMethod": "POST", "body": "{"}, {"httpMethod": "POST", "body": "3"}]
)
def test_malformed_events_get_a_client_error(handler: ModuleType, event: object) -> None:
    response = handler.handler(event, CONTEXT)

    assert response["statusCode"] == 400


def test_missing_configuration_is_a_server_error(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALLOWED_CONTENT_TYPES")

    response = request_upload(handler, {"fileName": "a.csv", "contentType": "text/csv"})

    assert response["statusCode"] == 500
