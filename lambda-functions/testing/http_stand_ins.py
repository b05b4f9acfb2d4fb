"""Small real HTTP servers on 127.0.0.1 for AWS APIs with no local server package: CloudWatch
PutMetricData and SQS GetQueueAttributes (AWS JSON 1.0, the protocol botocore 1.43 resolves for
both) and Secrets Manager GetSecretValue (AWS JSON 1.1). They record what they receive.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from testing.servers import LOCALHOST


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: bytes


# (status, headers, body) answered for a recorded request
Responder = Callable[[RecordedRequest], tuple[int, dict[str, str], bytes]]


@dataclass
class StandIn:
    responder: Responder
    requests: list[RecordedRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def endpoint_url(self) -> str:
        assert self._server is not None
        return f"http://{LOCALHOST}:{self._server.server_address[1]}"

    def start(self) -> StandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                request = RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                stand_in.requests.append(request)
                status, headers, body = stand_in.responder(request)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((LOCALHOST, 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def cloudwatch_stand_in() -> StandIn:
    """Answers PutMetricData, an operation with no output, with an empty JSON object."""

    def respond(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        if request.headers.get("x-amz-target") != "GraniteServiceVersion20100801.PutMetricData":
            return 400, headers, json.dumps({"__type": "InvalidAction", "message": "unsupported"}).encode()
        return 200, headers, b"{}"

    return StandIn(respond)


def sqs_stand_in(queues: dict[str, str]) -> StandIn:
    """GetQueueAttributes for the given {queue URL: queue ARN}; other URLs do not exist."""

    def respond(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        payload = json.loads(request.body or b"{}")
        if request.headers.get("x-amz-target") != "AmazonSQS.GetQueueAttributes":
            return 400, headers, json.dumps({"__type": "com.amazonaws.sqs#InvalidAction", "message": "unsupported"}).encode()
        arn = queues.get(payload.get("QueueUrl", ""))
        if arn is None:
            error = {"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "The specified queue does not exist."}
            return 400, headers, json.dumps(error).encode()
        return 200, headers, json.dumps({"Attributes": {"QueueArn": arn}}).encode()

    return StandIn(respond)


def secrets_manager_stand_in(secrets: dict[str, str | None]) -> StandIn:
    """GetSecretValue, PutSecretValue and DescribeSecret (AWS JSON 1.1) for {secret ARN: SecretString or None}.

    None is a secret that exists but has no value yet.

    As Secrets Manager does, GetSecretValue of a secret without a current version is
    ResourceNotFoundException (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html);
    PutSecretValue stores a new current value. `secrets` is updated in place.
    """

    def respond(request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        payload = json.loads(request.body or b"{}")
        secret_id = payload.get("SecretId", "")
        target = request.headers.get("x-amz-target")
        if target == "secretsmanager.PutSecretValue" and secret_id in secrets:
            secrets[secret_id] = payload["SecretString"]
            return 200, headers, json.dumps({"ARN": secret_id, "Name": "db", "VersionId": str(len(request.body or b""))}).encode()
        if target == "secretsmanager.DescribeSecret" and secret_id in secrets:
            return 200, headers, json.dumps({"ARN": secret_id, "Name": "db"}).encode()
        value = secrets.get(secret_id)
        if target != "secretsmanager.GetSecretValue" or value is None:
            error = {"__type": "ResourceNotFoundException", "message": "Secrets Manager can't find the specified secret."}
            return 400, headers, json.dumps(error).encode()
        return 200, headers, json.dumps({"ARN": secret_id, "Name": "db", "SecretString": value}).encode()

    return StandIn(respond)
