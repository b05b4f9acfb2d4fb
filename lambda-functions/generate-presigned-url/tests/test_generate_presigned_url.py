import json
import time
import urllib.error
import urllib.request
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from testing.lambda_runtime import FakeContext, load_handler

CONTEXT = FakeContext("generate-presigned-url")
BUCKET = "test-uploads"


@pytest.fixture
def handler(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    monkeypatch.setenv("BUCKET_NAME", BUCKET)
    monkeypatch.setenv("URL_EXPIRY_SECONDS", "120")
    return load_handler("generate-presigned-url")


@pytest.fixture
def stored_file(s3_endpoint: str) -> tuple[str, bytes]:
    key, content = "downloads/reports/2026-01.csv", b"device,units\nd-1,3.5\n"
    boto3.client("s3", endpoint_url=s3_endpoint).put_object(Bucket=BUCKET, Key=key, Body=content, ContentType="text/csv")
    return key, content


def post(body: object) -> dict[str, Any]:
    return {"httpMethod": "POST", "path": "/files/download-url", "body": json.dumps(body), "isBase64Encoded": False}


def test_presigned_get_downloads_the_file(handler: ModuleType, stored_file: tuple[str, bytes]) -> None:
    key, content = stored_file

    response = handler.handler(post({"key": key}), CONTEXT)

    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["key"] == key
    assert body["expiresInSeconds"] == 120
    assert "X-Amz-Expires=120" in body["url"]
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in body["url"]
    with urllib.request.urlopen(body["url"], timeout=5) as download:
        assert download.read() == content


def test_the_url_expires_after_the_configured_seconds(
    handler: ModuleType, stored_file: tuple[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("URL_EXPIRY_SECONDS", "1")
    url = json.loads(handler.handler(post({"key": stored_file[0]}), CONTEXT)["body"])["url"]
    # X-Amz-Date has one-second resolution, so the URL is surely expired two seconds later.
    time.sleep(2.1)

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=5)

    assert refused.value.code == 403
    assert b"Request has expired" in refused.value.read()


def test_a_missing_file_is_not_found(handler: ModuleType) -> None:
    response = handler.handler(post({"key": "downloads/absent.csv"}), CONTEXT)

    assert response["statusCode"] == 404


@pytest.mark.parametrize("code", ["403", "AccessDenied"])
def test_a_forbidden_head_is_not_found_because_s3_hides_missing_keys_without_list_permission(handler: ModuleType, code: str) -> None:
    with Stubber(handler.s3_client()) as s3:
        s3.add_client_error("head_object", service_error_code=code, http_status_code=403)

        response = handler.handler(post({"key": "downloads/absent.csv"}), CONTEXT)

    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"message": "no file at downloads/absent.csv"}


def test_other_s3_errors_are_a_server_error(handler: ModuleType) -> None:
    with Stubber(handler.s3_client()) as s3:
        s3.add_client_error("head_object", service_error_code="SlowDown", http_status_code=503)

        response = handler.handler(post({"key": "downloads/a.csv"}), CONTEXT)

    assert response["statusCode"] == 500


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("uploads/a.csv", "must start with 'downloads/'"),
        ("downloads/../secrets.txt", "no empty, '.' or '..' segments"),
        ("downloads//a.csv", "no empty, '.' or '..' segments"),
        ("downloads/a b.csv", "contain only"),
        ("downloads/" + "a" * 1020, "longer than 1024 bytes"),
        ("", "non-empty string"),
        (7, "non-empty string"),
    ],
)
def test_bad_keys_are_refused_with_the_reason(handler: ModuleType, key: object, reason: str) -> None:
    response = handler.handler(post({"key": key}), CONTEXT)

    assert response["statusCode"] == 400
    assert reason in json.loads(response["body"])["message"]


@pytest.mark.parametrize(
    "event",
    [
        None,
        {"httpMethod": "POST"},
        {"httpMethod": "POST", "body": "{not json"},
        {"httpMethod": "POST", "body": "[]"},
        {"httpMethod": "POST", "body": json.dumps({"key": "downloads/a.csv", "bucket": "other"})},
        {"httpMethod": "POST", "body": "not base64!", "isBase64Encoded": True},
    ],
)
def test_malformed_requests_get_a_client_error(handler: ModuleType, event: object) -> None:
    response = handler.handler(event, CONTEXT)

    assert response["statusCode"] == 400
    assert json.loads(response["body"])["message"]


def test_invalid_expiry_configuration_is_a_server_error(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("URL_EXPIRY_SECONDS", "0")

    response = handler.handler(post({"key": "downloads/a.csv"}), CONTEXT)

    assert response["statusCode"] == 500
