"""The PostgreSQL schema of the platform, the database roles of its functions, and how both are applied.

The database-admin function (lambda-functions/database-admin) applies them, run by the deploy and
apply workflows after every apply: its bootstrap action, as the master user, creates MIGRATION_ROLE
(bootstrap_statements); its migrate action, logged in as MIGRATION_ROLE (the owner of every table),
applies pending migrations and gives each database function's role exactly the privileges its code
uses (FUNCTION_ROLE_GRANTS) and the way it logs in: IAM tokens at the instance (membership of RDS's
rds_iam role) or, behind RDS Proxy, a password the proxy reads from the role's Secrets Manager
secret. No database function logs in as the master user or the migrator.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import boto3
import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

# The role migrations run as: owns the tables, creates and grants the functions' roles.
MIGRATION_ROLE = "ppu_migrator"

# RDS's role whose members log in with IAM tokens only (password login is refused for them):
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html
RDS_IAM_ROLE = "rds_iam"

# Each database function's role (its DB_USER, catalogue/functions/<name>.ts) and the privileges its
# code uses, nothing more. Applied exactly on every run: whatever else a role holds on the tables
# is revoked first.
FUNCTION_ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    # The upsert: INSERT, ON CONFLICT DO UPDATE (UPDATE) and the columns its WHERE and RETURNING read (SELECT).
    "insert_ppu_data": ("GRANT SELECT, INSERT, UPDATE ON ppu_records TO insert_ppu_data",),
    # Reads clock_timestamp(): no table at all.
    "sync_clock": (),
    # Checks which migrations are recorded.
    "lambda_test_runner": ("GRANT SELECT ON schema_migrations TO lambda_test_runner",),
}

RoleLoginMethod = Literal["rds_iam", "password"]
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Any fixed number shared by every caller: serialises concurrent migrations (cold starts, deploys).
MIGRATION_LOCK_ID = 0x5050_5501

# Schema changes in order; each runs once, recorded in schema_migrations. Append only.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE IF NOT EXISTS ppu_records (
            device_id text NOT NULL CHECK (char_length(device_id) BETWEEN 1 AND 128),
            recorded_at timestamptz NOT NULL,
            units numeric NOT NULL CHECK (units >= 0),
            software_version text CHECK (char_length(software_version) <= 64),
            inserted_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (device_id, recorded_at)
        )
        """,
    ),
)


def schema_version() -> int:
    """The version a database has once every migration of this code has run."""
    return max(version for version, _ in MIGRATIONS)


@dataclass(frozen=True)
class RoleLogin:
    """How the functions' roles log in.

    rds_iam: directly at the instance with IAM tokens. password: through RDS Proxy, which takes the
    client's IAM token and logs in to the database with the password in the role's secret
    (provider 5.100.0's aws_db_proxy auth blocks); password_for(role) returns that password.
    """

    method: RoleLoginMethod
    password_for: Callable[[str], str] | None = None


def quote_role(role: str) -> str:
    if not ROLE_NAME.match(role):
        raise ValueError(f"{role!r} is not a plain PostgreSQL role name (lower-case letters, digits, _)")
    return f'"{role}"'


def scram_verifier(password: str) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for a password, computed here so the password never reaches the server or its logs.

    RFC 5802 section 3 with SHA-256 (RFC 7677), in PostgreSQL's pg_authid format
    SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>. Passwords here are ASCII, which
    SASLprep leaves unchanged.
    """
    iterations = 4096
    salt = secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored_key = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server_key = hmac.digest(salted, b"Server Key", "sha256")

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def bootstrap_statements(login: RoleLoginMethod, migrator_password: str | None = None) -> list[str]:
    """What the master user runs once per database so MIGRATION_ROLE can do everything else.

    Idempotent. rds_iam: the migrator logs in with IAM tokens and may hand rds_iam on (ADMIN
    OPTION). password: it logs in through RDS Proxy with `migrator_password` (from its secret).
    """
    role = quote_role(MIGRATION_ROLE)
    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{MIGRATION_ROLE}') THEN CREATE ROLE {role}; END IF; END $$",
        # CREATEROLE: it creates the functions' roles and sets their logins; it is no superuser.
        f"ALTER ROLE {role} LOGIN CREATEROLE NOCREATEDB",
        # PostgreSQL 15+ gives PUBLIC no CREATE on public; the migrator creates (and so owns) the tables.
        f"GRANT CREATE, USAGE ON SCHEMA public TO {role}",
    ]
    if login == "rds_iam":
        statements.append(f"GRANT {RDS_IAM_ROLE} TO {role} WITH ADMIN OPTION")
    else:
        if not migrator_password:
            raise ValueError("the password login needs the migrator's password (from its proxy secret)")
        statements.append(f"ALTER ROLE {role} PASSWORD '{scram_verifier(migrator_password)}'")
    return statements


def apply_function_roles(connection: pg8000.native.Connection, login: RoleLogin) -> None:
    """Creates each FUNCTION_ROLE_GRANTS role if missing, sets how it logs in, and makes its privileges exactly the listed ones."""
    for name, grants in FUNCTION_ROLE_GRANTS.items():
        role = quote_role(name)
        if not connection.run("SELECT 1 FROM pg_roles WHERE rolname = :name", name=name):
            connection.run(f"CREATE ROLE {role} LOGIN")
        connection.run(f"ALTER ROLE {role} LOGIN NOCREATEDB NOCREATEROLE")
        is_iam_member = connection.run("SELECT pg_has_role(:name, :iam, 'MEMBER')", name=name, iam=RDS_IAM_ROLE) == [[True]]
        if login.method == "rds_iam":
            if not is_iam_member:
                connection.run(f"GRANT {RDS_IAM_ROLE} TO {role}")
        else:
            if login.password_for is None:
                raise ValueError("the password login needs password_for")
            # RDS refuses password logins (the proxy's) for members of rds_iam; only the master may revoke it.
            if is_iam_member:
                raise RuntimeError(
                    f"database role {name} is a member of {RDS_IAM_ROLE}, so RDS refuses the password RDS Proxy logs in with; "
                    f"as the master user run: REVOKE {RDS_IAM_ROLE} FROM {name}"
                )
            connection.run(f"ALTER ROLE {role} PASSWORD '{scram_verifier(login.password_for(name))}'")
        connection.run(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
        for grant in grants:
            connection.run(grant)


def migrate(connection: pg8000.native.Connection, login: RoleLogin) -> list[int]:
    """Applies pending MIGRATIONS and the function roles in one transaction; returns the versions it applied (in order).

    Runs as MIGRATION_ROLE, so every table it creates is the migrator's.
    """
    connection.run("START TRANSACTION")
    try:
        connection.run("SELECT pg_advisory_xact_lock(:lock_id)", lock_id=MIGRATION_LOCK_ID)
        connection.run(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        applied = {row[0] for row in connection.run("SELECT version FROM schema_migrations")}
        pending = [(version, sql) for version, sql in MIGRATIONS if version not in applied]
        for version, sql in pending:
            connection.run(sql)
            connection.run("INSERT INTO schema_migrations (version) VALUES (:version)", version=version)
        apply_function_roles(connection, login)
        connection.run("COMMIT")
    except BaseException:
        # A broken connection cannot roll back; the server discards the transaction anyway.
        with contextlib.suppress(InterfaceError, DatabaseError, OSError):
            connection.run("ROLLBACK")
        raise
    return [version for version, _ in pending]


def secret_passwords(secret_arns: dict[str, str], client: Any = None) -> Callable[[str], str]:
    """password_for of the password login: each role's password from its RDS Proxy secret.

    A secret Terraform created has no value yet: the first run generates a password and stores it
    as {"username", "password"}, the form RDS Proxy reads; later runs set the role to whatever the
    secret holds, so rotating is writing a new value and running the migrations.
    """
    secretsmanager = client if client is not None else boto3.client("secretsmanager")

    def password_for(role: str) -> str:
        arn = secret_arns.get(role)
        if not arn:
            raise KeyError(f"no RDS Proxy secret for database role {role} (DB_PROXY_USER_ARNS)")
        try:
            value = json.loads(secretsmanager.get_secret_value(SecretId=arn)["SecretString"])
            return str(value["password"])
        except secretsmanager.exceptions.ResourceNotFoundException:
            password = secrets.token_urlsafe(32)
            secretsmanager.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": role, "password": password}))
            return password

    return password_for
