"""Shared pytest fixtures: the built artifacts and real local servers, each started once per session.

The PostgreSQL driver is imported from the built layer (.build/layers/pg-driver/python), exactly
the files Lambda gets, never from site-packages. Shared modules (lambda-functions/shared/*.py) are
imported by their flat names, as a handler imports them next to itself in its zip.
"""

from __future__ import annotations

import contextlib
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

import platform_db  # noqa: E402
import platform_migrations  # noqa: E402
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
# Stand-in for the RDS master user: owns the database, may create roles, is no superuser.
MASTER_ROLE = "ppu_admin"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = start_postgres()
    yield server
    server.stop()


@dataclass(frozen=True)
class Database:
    """The functions' database as RDS sets it up: the roles log in with passwords known only here.

    In AWS the functions' roles log in with IAM tokens (rds_iam); a local server cannot check those,
    so each role gets a test password instead, and tests replace platform_db.credential_source
    with `credentials`. Everything else (who owns what, who may do what) is the real thing.
    """

    host: str
    port: int
    name: str
    ca_file: Path
    passwords: dict[str, str]
    _superuser: tuple[str, str]

    def connect(self, user: str = platform_migrations.MIGRATION_ROLE) -> pg8000.native.Connection:
        """A verified TLS connection as `user` (default: the migrator, which owns every table)."""
        return pg8000.native.Connection(
            user,
            password=self.passwords[user],
            host=self.host,
            port=self.port,
            database=self.name,
            ssl_context=verifying_context(self.ca_file),
        )

    def env(self, user: str) -> dict[str, str]:
        """A database function's DB_* variables when it logs in as `user`."""
        return {
            "DB_HOST": self.host,
            "DB_PORT": str(self.port),
            "DB_NAME": self.name,
            "DB_USER": user,
            "DB_SSL_ROOT_CERT": str(self.ca_file),
        }

    def credentials(self, settings: platform_db.DbSettings) -> tuple[str, str]:
        """credential_source for the tests: the role's test password in place of its IAM token."""
        return settings.user, self.passwords[settings.user]

    def migrate(self) -> list[int]:
        """What lambda-test-runner does after a deploy: migrations and function roles, as the migrator."""
        connection = self.connect()
        try:
            return platform_migrations.migrate(connection, platform_migrations.RoleLogin("rds_iam"))
        finally:
            connection.close()

    def reset(self) -> None:
        """An empty schema (far faster than a new database), the bootstrap again (as the master role), and the test passwords."""
        with self.superuser_connection() as admin:
            admin.run("DROP SCHEMA public CASCADE")
            admin.run("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            admin.run("GRANT USAGE ON SCHEMA public TO PUBLIC")
            admin.run(f"SET ROLE {MASTER_ROLE}")
            for statement in platform_migrations.bootstrap_statements("rds_iam"):
                admin.run(statement)
            admin.run("RESET ROLE")
            for role, password in self.passwords.items():
                if admin.run("SELECT 1 FROM pg_roles WHERE rolname = :role", role=role):
                    admin.run(f"ALTER ROLE {platform_migrations.quote_role(role)} PASSWORD '{password}'")

    @contextlib.contextmanager
    def superuser_connection(self) -> Iterator[pg8000.native.Connection]:
        connection = pg8000.native.Connection(
            self._superuser[0],
            password=self._superuser[1],
            host=self.host,
            port=self.port,
            database=self.name,
            ssl_context=verifying_context(self.ca_file),
        )
        try:
            yield connection
        finally:
            connection.close()


@pytest.fixture(scope="session")
def _session_database(postgres: PostgresServer) -> Database:
    """RDS's starting point: rds_iam, a master role that owns the database; then the one-time bootstrap and a first migration.

    The function roles exist from then on (roles are cluster-wide and outlive the per-test schema).
    """
    roles = [MASTER_ROLE, platform_migrations.MIGRATION_ROLE, *platform_migrations.FUNCTION_ROLE_GRANTS]
    database = Database(
        postgres.host,
        postgres.port,
        "ppu",
        postgres.ca_file,
        {role: os.urandom(12).hex() for role in roles},
        (postgres.superuser, postgres.superuser_password),
    )
    admin = postgres.connect(postgres.superuser, postgres.superuser_password)
    try:
        admin.run(f"CREATE ROLE {platform_migrations.RDS_IAM_ROLE} NOLOGIN")
        admin.run(f"CREATE ROLE {MASTER_ROLE} LOGIN CREATEROLE PASSWORD '{database.passwords[MASTER_ROLE]}'")
        # RDS's master may hand rds_iam on ("GRANT rds_iam TO db_user" in the IAM database authentication guide).
        admin.run(f"GRANT {platform_migrations.RDS_IAM_ROLE} TO {MASTER_ROLE} WITH ADMIN OPTION")
        admin.run(f"CREATE DATABASE ppu OWNER {MASTER_ROLE}")
    finally:
        admin.close()
    database.reset()
    database.migrate()
    database.reset()
    return database


@pytest.fixture
def database(_session_database: Database) -> Iterator[Database]:
    """The functions' database after the bootstrap, unmigrated, reset after each test."""
    yield _session_database
    _session_database.reset()


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
