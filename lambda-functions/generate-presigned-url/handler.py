"""Returns a presigned S3 GET URL for a file under downloads/ of the account's bucket."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from platform_http import BadRequest, json_object_body, json_response
from platform_log import bind_invocation, get_logger

# The function's role may read only this prefix (catalogue grant), so keys elsewhere are refused
# here with a clear message instead of producing a URL that S3 would answer with 403.
DOWNLOAD_PREFIX = "downloads/"
MAX_KEY_BYTES = 1024
# Path segments of S3's "safe characters"; no empty, '.' or '..' segments.
_SEGMENT = r"[A-Za-z0-9!_.*'()-]+"
KEY_PATTERN = re.compile(rf"^{re.escape(DOWNLOAD_PREFIX)}(?:{_SEGMENT}/)*{_SEGMENT}$")
# SigV4 presigned URLs live at most 7 days.
MAX_EXPIRY_SECONDS = 604_800
# HEAD responses have no body, so S3's error code is the bare status. A missing key is 404 when the
# role may list downloads/ (catalogue grant) and 403 when it may not; both mean "no file for you".
MISSING_OBJECT_CODES = frozenset({"404", "NoSuchKey", "NotFound", "403", "AccessDenied", "Forbidden"})


log = get_logger("generate-presigned-url")


class NotFound(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    bucket_name: str
    expiry_seconds: int

    @classmethod
    def from_env(cls, env: dict[str, str]) -> Settings:
        bucket = env.get("BUCKET_NAME", "")
        if not bucket:
            raise RuntimeError("BUCKET_NAME is not set")
        expiry = env.get("URL_EXPIRY_SECONDS", "")
        if not expiry.isdigit() or not 1 <= int(expiry) <= MAX_EXPIRY_SECONDS:
            raise RuntimeError(f"URL_EXPIRY_SECONDS must be 1..{MAX_EXPIRY_SECONDS}, got {expiry!r}")
        return cls(bucket_name=bucket, expiry_seconds=int(expiry))


@dataclass(frozen=True)
class DownloadRequest:
    key: str


def parse_request(event: Any) -> DownloadRequest:
    """The POST body {"key": "downloads/..."} of an API Gateway proxy event."""
    body = json_object_body(event, {"key"}, '{"key": "downloads/..."}')
    key = body.get("key")
    if not isinstance(key, str) or not key:
        raise BadRequest("key is required and must be a non-empty string")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise BadRequest(f"key is longer than {MAX_KEY_BYTES} bytes")
    if not KEY_PATTERN.match(key) or any(segment in (".", "..") for segment in key.split("/")):
        raise BadRequest(
            f"key must start with {DOWNLOAD_PREFIX!r} and contain only letters, digits and !_.*'()- "
            "in '/'-separated segments (no empty, '.' or '..' segments)"
        )
    return DownloadRequest(key=key)


@functools.cache
def s3_client() -> Any:
    # SigV4 is the only signature S3 accepts in every region.
    return boto3.client("s3", config=Config(signature_version="s3v4"))


def presign_download(client: Any, settings: Settings, request: DownloadRequest) -> dict[str, Any]:
    try:
        client.head_object(Bucket=settings.bucket_name, Key=request.key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in MISSING_OBJECT_CODES:
            raise NotFound(f"no file at {request.key}") from None
        raise
    url = client.generate_presigned_url(
        "get_object",
        Params={"Bucket": settings.bucket_name, "Key": request.key},
        ExpiresIn=settings.expiry_seconds,
        HttpMethod="GET",
    )
    return {"url": url, "key": request.key, "expiresInSeconds": settings.expiry_seconds}


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        request = parse_request(event)
        result = presign_download(s3_client(), Settings.from_env(dict(os.environ)), request)
    except BadRequest as exc:
        log.warning("rejected request", extra={"fields": {"reason": str(exc)}})
        return json_response(400, {"message": str(exc)})
    except NotFound as exc:
        log.info("file not found", extra={"fields": {"reason": str(exc)}})
        return json_response(404, {"message": str(exc)})
    except (RuntimeError, ClientError, BotoCoreError):
        log.exception("could not presign the download")
        return json_response(500, {"message": "could not create a download URL"})
    log.info("presigned download", extra={"fields": {"key": result["key"], "expiresInSeconds": result["expiresInSeconds"]}})
    return json_response(200, result)
