"""Returns a presigned S3 POST (form upload) for one file under uploads/ of the account's bucket.

The POST policy pins the key, the content type and the size range, so S3 itself refuses an upload
that differs from what was asked for.
"""

from __future__ import annotations

import functools
import os
import re
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from platform_http import BadRequest, json_object_body, json_response
from platform_log import bind_invocation, get_logger

# The function's role may write only this prefix (catalogue grant).
UPLOAD_PREFIX = "uploads/"
MAX_FILE_NAME_LENGTH = 255
FILE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
CONTENT_TYPE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
MAX_EXPIRY_SECONDS = 604_800
# S3 refuses a single POST upload larger than 5 GiB.
S3_MAX_POST_BYTES = 5 * 1024**3


log = get_logger("presigned-url-s3-upload")


@dataclass(frozen=True)
class Settings:
    bucket_name: str
    expiry_seconds: int
    max_upload_bytes: int
    allowed_content_types: frozenset[str]

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Settings:
        bucket = env.get("BUCKET_NAME", "")
        if not bucket:
            raise RuntimeError("BUCKET_NAME is not set")
        expiry = env.get("URL_EXPIRY_SECONDS", "")
        if not expiry.isdigit() or not 1 <= int(expiry) <= MAX_EXPIRY_SECONDS:
            raise RuntimeError(f"URL_EXPIRY_SECONDS must be 1..{MAX_EXPIRY_SECONDS}, got {expiry!r}")
        max_bytes = env.get("MAX_UPLOAD_BYTES", "")
        if not max_bytes.isdigit() or not 1 <= int(max_bytes) <= S3_MAX_POST_BYTES:
            raise RuntimeError(f"MAX_UPLOAD_BYTES must be 1..{S3_MAX_POST_BYTES}, got {max_bytes!r}")
        types = frozenset(t.strip().lower() for t in env.get("ALLOWED_CONTENT_TYPES", "").split(",") if t.strip())
        if not types:
            raise RuntimeError("ALLOWED_CONTENT_TYPES lists no content type")
        return cls(bucket, int(expiry), int(max_bytes), types)


@dataclass(frozen=True)
class UploadRequest:
    file_name: str
    content_type: str
    content_length: int | None


def parse_request(event: Any, settings: Settings) -> UploadRequest:
    """The POST body {"fileName", "contentType", "contentLength"?} of an API Gateway proxy event."""
    body = json_object_body(event, {"fileName", "contentType", "contentLength"}, '{"fileName", "contentType", "contentLength"}')

    file_name = body.get("fileName")
    if not isinstance(file_name, str) or not file_name:
        raise BadRequest("fileName is required and must be a non-empty string")
    if len(file_name) > MAX_FILE_NAME_LENGTH or not FILE_NAME_PATTERN.match(file_name) or ".." in file_name:
        raise BadRequest(
            f"fileName must be at most {MAX_FILE_NAME_LENGTH} letters, digits, '.', '_' or '-', "
            "start with a letter or digit and not contain '..'"
        )

    content_type = body.get("contentType")
    if not isinstance(content_type, str) or not CONTENT_TYPE_PATTERN.match(content_type.lower()):
        raise BadRequest("contentType is required and must be a media type such as text/csv")
    if content_type.lower() not in settings.allowed_content_types:
        allowed = ", ".join(sorted(settings.allowed_content_types))
        raise BadRequest(f"contentType {content_type!r} is not accepted; use one of {allowed}")

    content_length = body.get("contentLength")
    if content_length is not None:
        if isinstance(content_length, bool) or not isinstance(content_length, int) or content_length < 1:
            raise BadRequest("contentLength must be a positive integer (bytes)")
        if content_length > settings.max_upload_bytes:
            raise BadRequest(f"contentLength {content_length} exceeds the limit of {settings.max_upload_bytes} bytes")
    return UploadRequest(file_name, content_type.lower(), content_length)


@functools.cache
def s3_client() -> Any:
    return boto3.client("s3", config=Config(signature_version="s3v4"))


def presign_upload(client: Any, settings: Settings, request: UploadRequest) -> dict[str, Any]:
    # A fresh folder per upload: callers cannot overwrite each other's files.
    key = f"{UPLOAD_PREFIX}{uuid.uuid4()}/{request.file_name}"
    max_bytes = request.content_length or settings.max_upload_bytes
    post = client.generate_presigned_post(
        Bucket=settings.bucket_name,
        Key=key,
        Fields={"Content-Type": request.content_type},
        Conditions=[{"Content-Type": request.content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=settings.expiry_seconds,
    )
    return {
        "url": post["url"],
        "fields": post["fields"],
        "key": key,
        "maxBytes": max_bytes,
        "expiresInSeconds": settings.expiry_seconds,
    }


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        settings = Settings.from_env(dict(os.environ))
        request = parse_request(event, settings)
        result = presign_upload(s3_client(), settings, request)
    except BadRequest as exc:
        log.warning("rejected request", extra={"fields": {"reason": str(exc)}})
        return json_response(400, {"message": str(exc)})
    except (RuntimeError, ClientError, BotoCoreError):
        log.exception("could not presign the upload")
        return json_response(500, {"message": "could not create an upload URL"})
    log.info("presigned upload", extra={"fields": {"key": result["key"], "maxBytes": result["maxBytes"]}})
    return json_response(200, result)
