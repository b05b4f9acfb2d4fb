"""The account's data services for the scenario test (__tests__/scenario), in one process the test drives.

What RDS, S3, DynamoDB, SQS, Secrets Manager and CloudWatch (PutMetricData) hold for an account,
on 127.0.0.1: a real PostgreSQL (testing.servers.start_postgres) behind a fixed port, s3rver,
dynalite and the small stand-ins of testing.http_stand_ins. Commands arrive on stdin as JSON lines
{"id", "command", ...}; each answer is one JSON line {"id", "result"} or {"id", "error"} on stdout.
End of input stops every server and removes every file.

The database starts as RDS creates it and nothing more: the rds_iam role, the master user (its
password in the RDS-managed master secret) and the database it owns
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PostgreSQL.Concepts.General.Roles.html,
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html). No application
role, no schema, no secret value: making those is the product's job.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import boto3

from testing.http_stand_ins import cloudwatch_stand_in, secrets_manager_stand_in, sqs_stand_in
from testing.servers import LOCALHOST, PostgresServer, start_dynalite, start_postgres, start_s3rver

REPO_ROOT = Path(__file__).resolve().parents[2]


class Forwarder:
    """A fixed address for the database: RDS keeps an instance's endpoint when the instance is replaced."""

    def __init__(self) -> None:
        self.target_port = 0
        self._listener = socket.create_server((LOCALHOST, 0))
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection((LOCALHOST, self.target_port))
            except OSError:
                client.close()
                continue
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._listener.close()


class Services:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="scenario-services-"))
        self.database_name: str = spec["databaseName"]
        self.master_user: str = spec["masterUser"]
        self.master_secret_arn: str = spec["masterSecretArn"]
        self.ca_file = self.root / "ca.pem"
        # The instance's endpoint and the proxy's: one server behind both, each with its own login rule (testing.rds_logins).
        self.forwarder = Forwarder()
        self.proxy_forwarder = Forwarder()
        self.postgres: PostgresServer | None = None
        self.secrets: dict[str, str | None] = dict.fromkeys(spec["secretArns"])
        self.secrets_manager = secrets_manager_stand_in(self.secrets).start()
        self.queues: dict[str, str] = {}
        self.sqs = sqs_stand_in(self.queues).start()
        self.cloudwatch = cloudwatch_stand_in().start()
        self.s3 = start_s3rver(REPO_ROOT, self.root / "s3")
        self.dynamodb = start_dynalite(REPO_ROOT)
        self._create_data_stores(spec)
        self._start_database()

    def _create_data_stores(self, spec: dict[str, Any]) -> None:
        """The bucket and table the apply creates (names and keys from the synthesized stack)."""
        credentials = {"aws_access_key_id": "S3RVER", "aws_secret_access_key": "S3RVER", "region_name": "eu-west-1"}
        boto3.client("s3", endpoint_url=self.s3.endpoint_url, **credentials).create_bucket(
            Bucket=spec["bucket"], CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        dynamodb = boto3.client("dynamodb", endpoint_url=self.dynamodb.endpoint_url, **credentials)
        dynamodb.create_table(**spec["table"])
        dynamodb.get_waiter("table_exists").wait(TableName=spec["table"]["TableName"], WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})

    def _start_database(self) -> None:
        """A new instance as RDS creates it: rds_iam, the master user and its database; a new master password in its secret."""
        if self.postgres is not None:
            self.postgres.stop()
        server = start_postgres()
        self.postgres = server
        shutil.copyfile(server.ca_file, self.ca_file)
        self.forwarder.target_port = server.port
        self.proxy_forwarder.target_port = server.port
        master_password = secrets.token_urlsafe(18)
        admin = server.connect(server.superuser, server.superuser_password)
        try:
            admin.run("CREATE ROLE rds_iam NOLOGIN")
            admin.run(f"CREATE ROLE {self.master_user} LOGIN CREATEROLE PASSWORD '{master_password}'")
            # RDS's master may hand rds_iam on ("GRANT rds_iam TO db_user" in the IAM database authentication guide).
            admin.run(f"GRANT rds_iam TO {self.master_user} WITH ADMIN OPTION")
            admin.run(f"CREATE DATABASE {self.database_name} OWNER {self.master_user}")
        finally:
            admin.close()
        self.secrets[self.master_secret_arn] = json.dumps({"username": self.master_user, "password": master_password})

    def describe(self) -> dict[str, Any]:
        assert self.postgres is not None
        return {
            "database": {
                "host": LOCALHOST,
                "port": self.forwarder.port,
                "proxyPort": self.proxy_forwarder.port,
                "name": self.database_name,
                "caFile": str(self.ca_file),
            },
            "superuser": [self.postgres.superuser, self.postgres.superuser_password],
            "endpoints": {
                "secretsmanager": self.secrets_manager.endpoint_url,
                "sqs": self.sqs.endpoint_url,
                "cloudwatch": self.cloudwatch.endpoint_url,
                "s3": self.s3.endpoint_url,
                "dynamodb": self.dynamodb.endpoint_url,
            },
        }

    def sql(self, statement: str, params: dict[str, Any]) -> list[list[Any]]:
        assert self.postgres is not None
        context_server = self.postgres
        connection = context_server.connect(context_server.superuser, context_server.superuser_password, self.database_name)
        try:
            rows: list[list[Any]] = connection.run(statement, **params) or []
            return rows
        finally:
            connection.close()

    def handle(self, command: dict[str, Any]) -> Any:
        name = command["command"]
        if name == "describe":
            return self.describe()
        if name == "sql":
            return self.sql(command["sql"], command.get("params", {}))
        if name == "secrets":
            return dict(self.secrets)
        if name == "set-queues":
            self.queues.update(command["queues"])
            return None
        if name == "rebuild-database":
            self._start_database()
            return self.describe()
        raise ValueError(f"unknown command {name!r}")

    def stop(self) -> None:
        for stand_in in (self.secrets_manager, self.sqs, self.cloudwatch):
            stand_in.stop()
        for server in (self.s3, self.dynamodb):
            server.stop()
        if self.postgres is not None:
            self.postgres.stop()
        self.forwarder.close()
        self.proxy_forwarder.close()
        shutil.rmtree(self.root, ignore_errors=True)


def main() -> int:
    spec = json.loads(sys.stdin.readline())
    services = Services(spec)
    out = sys.stdout
    try:
        out.write(json.dumps({"id": 0, "result": services.describe()}) + "\n")
        out.flush()
        for line in sys.stdin:
            command = json.loads(line)
            try:
                answer = {"id": command["id"], "result": services.handle(command)}
            except Exception as exc:
                answer = {"id": command["id"], "error": f"{type(exc).__name__}: {exc}"}
            out.write(json.dumps(answer, default=str) + "\n")
            out.flush()
    finally:
        services.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    sys.exit(main())
