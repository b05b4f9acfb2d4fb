"""Shared pytest fixtures: the built artifacts and real local servers, each started once per session.

The PostgreSQL driver is imported from the built layer (.build/layers/pg-driver/python), exactly
the files Lambda gets, never from site-packages. Shared modules (lambda-functions/shared/*.py) are
imported by their flat names, as a handler imports them next to itself in its zip.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
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
    build = subprocess.run([str(tsx), "build/build-artifacts.ts"], cwd=REPO_ROOT, capture_output=True, text=True)
    if build.returncode != 0:
        raise RuntimeError(f"build/build-artifacts.ts failed:\n{build.stdout}{build.stderr}")
    needed = [LAYER_DIR / "pg8000", STAGED_FUNCTIONS_DIR / "api-docs-generator" / "openapi.json"]
    missing = [str(path.relative_to(REPO_ROOT)) for path in needed if not path.exists()]
    if missing:
        raise RuntimeError(f"build/build-artifacts.ts did not produce {', '.join(missing)}")


_ensure_built()
sys.path.insert(0, str(LAYER_DIR))
sys.path.insert(0, str(SHARED_DIR))

import boto3  # noqa: E402
import pg8000.native  # noqa: E402  (from the built layer, put on the path above)

import platform_db  # noqa: E402
import platform_migrations  # noqa: E402
from testing import rds_logins  # noqa: E402
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
    """The functions' database as RDS sets it up, and the two ways RDS lets a function's role log in.

    The login paths are RDS's login rules (testing.rds_logins, shared with the scenario): a test that
    logs in as a role before the migrations made it fails here as it fails on AWS.

    Only the master role (the RDS master user) has a password known here, as RDS's master secret.
    """

    host: str
    port: int
    name: str
    ca_file: Path
    master_password: str
    _superuser: tuple[str, str]

    def connect(self, user: str = platform_migrations.MIGRATION_ROLE, password: str | None = None) -> pg8000.native.Connection:
        """A verified TLS connection as `user` (default: the migrator), with `password` or else an IAM login (`credentials`)."""
        settings = platform_db.DbSettings(self.host, self.port, self.name, user, str(self.ca_file))
        login, secret = (user, password) if password is not None else self.credentials(settings)
        return pg8000.native.Connection(
            login, password=secret, host=self.host, port=self.port, database=self.name, ssl_context=verifying_context(self.ca_file)
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

    def admin_env(self, login: platform_migrations.RoleLoginMethod, secret_arns: dict[str, str], master_secret_arn: str) -> dict[str, str]:
        """database-admin's environment as the DatabaseAdmin construct sets it: the instance, the master secret,
        and behind a proxy (login "password") the migrator's and the function roles' secrets from `secret_arns` ({role: ARN})."""
        env = {key: value for key, value in self.env(MASTER_ROLE).items() if key != "DB_USER"}
        env.update(
            {"DB_MASTER_SECRET_ARN": master_secret_arn, "DB_MIGRATION_USER": platform_migrations.MIGRATION_ROLE, "DB_ROLE_LOGIN": login}
        )
        if login == "password":
            env["DB_MIGRATOR_SECRET_ARN"] = secret_arns[platform_migrations.MIGRATION_ROLE]
            env["DB_PROXY_USER_ARNS"] = json.dumps({role: secret_arns[role] for role in platform_migrations.FUNCTION_ROLE_GRANTS})
        return env

    def master_secret(self) -> str:
        """The RDS-managed master secret's value ({"username", "password"}, manage_master_user_password)."""
        return json.dumps({"username": MASTER_ROLE, "password": self.master_password})

    def credentials(self, settings: platform_db.DbSettings) -> tuple[str, str]:
        """credential_source at the instance: an IAM token, which RDS accepts only for an existing user granted rds_iam."""
        return rds_logins.instance_login(self.superuser_connection)(settings)

    def proxy_credentials(
        self, secret_arns: dict[str, str], values: dict[str, str | None]
    ) -> Callable[[platform_db.DbSettings], tuple[str, str]]:
        """credential_source behind RDS Proxy, over the same values ({ARN: value}) the Secrets Manager stand-in serves."""

        def secret_of(role: str) -> str | None:
            arn = secret_arns.get(role)
            return values.get(arn) if arn else None

        return rds_logins.proxy_login(secret_of, self.superuser_connection)

    def migrate(self) -> list[int]:
        """The product's migrate step (platform_migrations.migrate, as database-admin runs it), for tests that need a migrated database."""
        connection = self.connect()
        try:
            return platform_migrations.migrate(connection, platform_migrations.RoleLogin("rds_iam"))
        finally:
            connection.close()

    def reset(self, *, bootstrapped: bool = True) -> None:
        """An empty schema (far faster than a new database), no migrator or function role; then, unless told not to, the bootstrap."""
        with self.superuser_connection() as admin:
            admin.run("DROP SCHEMA public CASCADE")
            admin.run("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            admin.run("GRANT USAGE ON SCHEMA public TO PUBLIC")
            # Roles are cluster-wide and outlive the schema: drop every role the bootstrap or migrations made.
            for role in [*platform_migrations.FUNCTION_ROLE_GRANTS, platform_migrations.MIGRATION_ROLE]:
                if admin.run("SELECT 1 FROM pg_roles WHERE rolname = :role", role=role):
                    admin.run(f"DROP OWNED BY {platform_migrations.quote_role(role)}")
                    admin.run(f"DROP ROLE {platform_migrations.quote_role(role)}")
            if bootstrapped:
                admin.run(f"SET ROLE {MASTER_ROLE}")
                for statement in platform_migrations.bootstrap_statements("rds_iam"):
                    admin.run(statement)
                admin.run("RESET ROLE")

    def recreate(self) -> None:
        """A rebuilt instance: the database dropped (sessions ended) and created again, and every application role gone."""
        with contextlib.closing(pg8000.native.Connection(
            self._superuser[0], password=self._superuser[1], host=self.host, port=self.port, database="postgres",
            ssl_context=verifying_context(self.ca_file),
        )) as admin:  # fmt: skip
            admin.run(f"DROP DATABASE {self.name} WITH (FORCE)")
            for role in [*platform_migrations.FUNCTION_ROLE_GRANTS, platform_migrations.MIGRATION_ROLE]:
                admin.run(f"DROP ROLE IF EXISTS {platform_migrations.quote_role(role)}")
            admin.run(f"CREATE DATABASE {self.name} OWNER {MASTER_ROLE}")

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
    """RDS's starting point: rds_iam and a master role that owns the database; no application role at all."""
    database = Database(
        postgres.host, postgres.port, "ppu", postgres.ca_file, os.urandom(12).hex(), (postgres.superuser, postgres.superuser_password)
    )
    admin = postgres.connect(postgres.superuser, postgres.superuser_password)
    try:
        admin.run(f"CREATE ROLE {platform_migrations.RDS_IAM_ROLE} NOLOGIN")
        admin.run(f"CREATE ROLE {MASTER_ROLE} LOGIN CREATEROLE PASSWORD '{database.master_password}'")
        # RDS's master may hand rds_iam on ("GRANT rds_iam TO db_user" in the IAM database authentication guide).
        admin.run(f"GRANT {platform_migrations.RDS_IAM_ROLE} TO {MASTER_ROLE} WITH ADMIN OPTION")
        admin.run(f"CREATE DATABASE ppu OWNER {MASTER_ROLE}")
    finally:
        admin.close()
    return database


@pytest.fixture
def database(_session_database: Database) -> Iterator[Database]:
    """The functions' database after the one-time bootstrap (the migrator exists), unmigrated: no function role yet."""
    _session_database.reset()
    yield _session_database
    _session_database.reset()


@pytest.fixture
def fresh_database(_session_database: Database) -> Iterator[Database]:
    """A new RDS database: the master user and rds_iam only, no migrator, no function role, no table. Reset after each test."""
    _session_database.reset(bootstrapped=False)
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
