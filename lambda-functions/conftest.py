"""Shared pytest fixtures: the built artifacts and real local servers, each started once per session.

The PostgreSQL driver is imported from the built layer (.build/layers/pg-driver/python), exactly
the files Lambda gets, never from site-packages. Shared modules (lambda-functions/shared/*.py) are
imported by their flat names, as a handler imports them next to itself in its zip.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_DIR = REPO_ROOT / ".build"
LAYER_DIR = BUILD_DIR / "layers" / "pg-driver" / "python"
STAGED_FUNCTIONS_DIR = BUILD_DIR / "functions"
SHARED_DIR = REPO_ROOT / "lambda-functions" / "shared"

# Offline, credential-free AWS SDK defaults for every test; s3rver accepts only S3RVER/S3RVER.
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "S3RVER",
        "AWS_SECRET_ACCESS_KEY": "S3RVER",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        # A failure shows at once instead of after the SDK's retries with back-off.
        "AWS_MAX_ATTEMPTS": "1",
    }
)


def _ensure_built() -> None:
    """Runs the project's build, so tests see the current sources; its cache makes a warm run cheap."""
    # The project's own tsx by its path: no npx resolution, and no program looked up on PATH.
    tsx = REPO_ROOT / "node_modules" / ".bin" / "tsx"
    build = subprocess.run([str(tsx), "scripts/build-artifacts.ts"], cwd=REPO_ROOT, capture_output=True, text=True)
    if build.returncode != 0:
        raise RuntimeError(f"scripts/build-artifacts.ts failed:\n{build.stdout}{build.stderr}")
    needed = [LAYER_DIR / "pg8000", STAGED_FUNCTIONS_DIR / "api-docs-generator" / "openapi.json"]
    missing = [str(path.relative_to(REPO_ROOT)) for path in needed if not path.exists()]
    if missing:
        raise RuntimeError(f"scripts/build-artifacts.ts did not produce {', '.join(missing)}")


_ensure_built()
sys.path.insert(0, str(LAYER_DIR))
sys.path.insert(0, str(SHARED_DIR))

import boto3  # noqa: E402
import pg8000.native  # noqa: E402  (from the built layer, put on the path above)

from testing.s3_post_policy import S3PostPolicyProxy  # noqa: E402
from testing.servers import (  # noqa: E402
    NodeServer,
    PostgresServer,
    start_dynalite,
    start_postgres,
    start_s3rver,
    verifying_context,
)

BUCKET_NAME = "test-uploads"
TABLE_NAME = "software-events"
APP_ROLE = "ppu_app"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = start_postgres()
    yield server
    server.stop()


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    name: str
    user: str
    password: str
    ca_file: Path

    def connect(self) -> pg8000.native.Connection:
        return pg8000.native.Connection(
            self.user,
            password=self.password,
            host=self.host,
            port=self.port,
            database=self.name,
            ssl_context=verifying_context(self.ca_file),
        )

    def env(self) -> dict[str, str]:
        """The handlers' DB_* variables; the secret ARN is never read because tests replace credential_source."""
        return {
            "DB_HOST": self.host,
            "DB_PORT": str(self.port),
            "DB_NAME": self.name,
            "DB_USER": self.user,
            "DB_AUTH": "secret",
            "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:000000000000:secret:test-db-AbCdEf",
            "DB_SSL_ROOT_CERT": str(self.ca_file),
        }

    def credentials(self, _settings: object) -> tuple[str, str]:
        return self.user, self.password


@pytest.fixture(scope="session")
def _session_database(postgres: PostgresServer) -> Database:
    """The functions' login role (not a superuser, as in RDS) and its database; the password lives only here."""
    password = os.urandom(12).hex()
    admin = postgres.connect(postgres.superuser, postgres.superuser_password)
    try:
        admin.run(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{password}'")
        admin.run(f"CREATE DATABASE ppu OWNER {APP_ROLE}")
    finally:
        admin.close()
    return Database(postgres.host, postgres.port, "ppu", APP_ROLE, password, postgres.ca_file)


@pytest.fixture
def database(_session_database: Database) -> Iterator[Database]:
    """The functions' database, emptied after each test (recreating the schema is far faster than a database)."""
    yield _session_database
    connection = _session_database.connect()
    try:
        if connection.run("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace") != [[0]]:
            connection.run("DROP SCHEMA public CASCADE")
            connection.run(f"CREATE SCHEMA public AUTHORIZATION {APP_ROLE}")
    finally:
        connection.close()


@pytest.fixture(scope="session")
def s3rver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    server = start_s3rver(REPO_ROOT, tmp_path_factory.mktemp("s3rver"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_endpoint(s3rver: NodeServer) -> Iterator[str]:
    """s3rver behind the POST-policy proxy, with the test bucket; the URL handlers and tests use."""
    proxy = S3PostPolicyProxy(s3rver.endpoint_url, os.environ["AWS_SECRET_ACCESS_KEY"])
    boto3.client("s3", endpoint_url=proxy.endpoint_url).create_bucket(
        Bucket=BUCKET_NAME, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    yield proxy.endpoint_url
    proxy.stop()


@pytest.fixture(scope="session")
def dynalite() -> Iterator[NodeServer]:
    server = start_dynalite(REPO_ROOT)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def events_table(dynalite: NodeServer) -> str:
    """The software events table with the keys of the SoftwareEventsTable construct."""
    client = boto3.client("dynamodb", endpoint_url=dynalite.endpoint_url)
    client.create_table(
        TableName=TABLE_NAME,
        AttributeDefinitions=[
            {"AttributeName": "deviceId", "AttributeType": "S"},
            {"AttributeName": "softwareVersion", "AttributeType": "S"},
            {"AttributeName": "occurredAt", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "deviceId", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "softwareVersion-index",
                "KeySchema": [
                    {"AttributeName": "softwareVersion", "KeyType": "HASH"},
                    {"AttributeName": "occurredAt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=TABLE_NAME, WaiterConfig={"Delay": 0.1, "MaxAttempts": 50})
    return TABLE_NAME


@pytest.fixture(scope="session")
def staged_functions_dir() -> Path:
    return STAGED_FUNCTIONS_DIR
