"""A reverse proxy in front of s3rver that evaluates browser-upload (POST) policies like S3 does.

s3rver stores POST uploads but ignores the `policy` field (lib/controllers/object.js marks it
"unimplemented"), so on its own it would accept any upload. This proxy applies S3's documented
rules to POST form uploads before forwarding them: the SigV4 signature of the policy, the
expiration, every condition (exact match, starts-with, content-length-range) and that every
form field is covered by a condition. Every other request is forwarded unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from testing.servers import LOCALHOST

# Fields S3 does not require a policy condition for.
UNCONDITIONED_FIELDS = {"policy", "x-amz-signature", "file"}


class PolicyViolation(Exception):
    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], bytes | None]:
    """Form fields (lower-cased names) and the file content of a multipart/form-data body."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise PolicyViolation("MalformedPOSTRequest", "no multipart boundary", 400)
    fields: dict[str, str] = {}
    file: bytes | None = None
    for part in body.split(b"--" + match.group(1).encode())[1:-1]:
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        name_match = re.search(rb'name="([^"]*)"', head)
        if not name_match:
            continue
        name = name_match.group(1).decode().lower()
        if name == "file":
            file = content
        else:
            fields[name] = content.decode()
    return fields, file


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def evaluate_policy(bucket: str, fields: dict[str, str], file: bytes | None, secret: str, now: datetime) -> None:
    if file is None:
        raise PolicyViolation("InvalidArgument", "POST requires exactly one file upload per request.", 400)
    policy_b64 = fields.get("policy", "")
    credential = fields.get("x-amz-credential", "").split("/")
    if not policy_b64 or len(credential) != 5:
        raise PolicyViolation("AccessDenied", "a signed policy is required")
    _, date, region, service, _ = credential
    expected = hmac.new(_signing_key(secret, date, region, service), policy_b64.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields.get("x-amz-signature", "")):
        raise PolicyViolation("SignatureDoesNotMatch", "the policy signature does not match")
    policy: dict[str, Any] = json.loads(base64.b64decode(policy_b64))
    if datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00")) < now:
        raise PolicyViolation("AccessDenied", "Invalid according to Policy: Policy expired.")
    values = {**fields, "bucket": bucket}
    covered = set()
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            ((name, expected_value),) = condition.items()
            condition = ["eq", f"${name}", expected_value]
        operator, *operands = condition
        if operator == "content-length-range":
            low, high = int(operands[0]), int(operands[1])
            if len(file) > high:
                raise PolicyViolation("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400)
            if len(file) < low:
                raise PolicyViolation("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", 400)
            continue
        name = operands[0].lstrip("$").lower()
        covered.add(name)
        actual = values.get(name, "")
        if (operator == "eq" and actual != operands[1]) or (operator == "starts-with" and not actual.startswith(operands[1])):
            raise PolicyViolation("AccessDenied", f"Invalid according to Policy: Policy Condition failed: {condition}")
    for name in fields:
        if name not in covered and name not in UNCONDITIONED_FIELDS and not name.startswith("x-ignore-"):
            raise PolicyViolation("AccessDenied", f"Invalid according to Policy: Extra input fields: {name}")


class S3PostPolicyProxy:
    def __init__(self, upstream_url: str, secret_access_key: str) -> None:
        upstream = urlsplit(upstream_url)
        upstream_host, upstream_port = upstream.hostname or LOCALHOST, upstream.port
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length) if length else b""
                content_type = self.headers.get("Content-Type", "")
                if self.command == "POST" and content_type.startswith("multipart/form-data"):
                    try:
                        fields, file = parse_multipart(content_type, body)
                        evaluate_policy(self.path.strip("/").split("/")[0], fields, file, secret_access_key, datetime.now(UTC))
                    except PolicyViolation as exc:
                        proxy.rejections.append(exc.code)
                        error = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{exc.code}</Code><Message>{exc}</Message></Error>'
                        self._send(exc.status, {"Content-Type": "application/xml"}, error.encode())
                        return
                connection = http.client.HTTPConnection(upstream_host, upstream_port, timeout=10)
                # Host is forwarded unchanged: it is part of what SigV4 signed.
                headers = dict(self.headers.items())
                connection.request(self.command, self.path, body=body or None, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                connection.close()
                passthrough = {
                    k: v for k, v in response.getheaders() if k.lower() not in ("transfer-encoding", "connection", "content-length")
                }
                self._send(response.status, passthrough, payload, head=self.command == "HEAD", length=response.getheader("Content-Length"))

            def _send(self, status: int, headers: dict[str, str], body: bytes, head: bool = False, length: str | None = None) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", length if head and length is not None else str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.rejections: list[str] = []
        self._server = ThreadingHTTPServer((LOCALHOST, 0), Handler)
        self.endpoint_url = f"http://{LOCALHOST}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
