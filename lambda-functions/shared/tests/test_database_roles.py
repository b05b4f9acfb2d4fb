"""Each database function's PostgreSQL role can do its job and is refused one step beyond it.

Issue #10 item 4: no function logs in as the master user. The roles are created by the migrations
(run as the migration role, which the master user creates once with bootstrap_statements) on the
session's real PostgreSQL, set up as RDS is: a master role that owns the database and may create
roles but is no superuser, and RDS's rds_iam role, whose members log in with IAM tokens only
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html).
"""

from __future__ import annotations

import json
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pg8000.native
import pytest
from pg8000.exceptions import DatabaseError

import platform_db
import platform_migrations
from testing import rds_logins
from testing.http_stand_ins import StandIn, secrets_manager_stand_in

if TYPE_CHECKING:
    from conftest import Database

REPO_ROOT = Path(__file__).resolve().parents[3]
INSUFFICIENT_PRIVILEGE = "42501"
UPSERT = (
    "INSERT INTO ppu_records (device_id, recorded_at, units) VALUES ('meter-1', '2026-01-01T00:00:00Z', 1) "
    "ON CONFLICT (device_id, recorded_at) DO UPDATE SET units = EXCLUDED.units WHERE ppu_records.units IS DISTINCT FROM EXCLUDED.units "
    "RETURNING (xmax = 0)"
)


def catalogue_database_users() -> dict[str, list[str]]:
    """{function: [PostgreSQL roles it logs in as]} from the catalogue (catalogue/), the source of truth."""
    script = (
        "import { FUNCTIONS } from './catalogue';"
        "const users = FUNCTIONS.map((fn) => [fn.name, fn.grants.flatMap((g) => (g.kind === 'db-login' ? [g.user] : []))]);"
        "console.log(JSON.stringify(Object.fromEntries(users.filter(([, u]) => u.length > 0))));"
    )
    tsx = REPO_ROOT / "node_modules" / ".bin" / "tsx"
    result = subprocess.run([str(tsx), "-e", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    users: dict[str, list[str]] = json.loads(result.stdout)
    return users


@pytest.fixture
def migrated(database: Database) -> Database:
    database.migrate()
    return database


def refused(connection: pg8000.native.Connection, sql: str) -> bool:
    """The statement fails for lack of privilege (SQLSTATE 42501 or 'must be owner')."""
    try:
        connection.run(sql)
    except DatabaseError as exc:
        details = exc.args[0] if exc.args else {}
        return isinstance(details, dict) and (details.get("C") == INSUFFICIENT_PRIVILEGE or "must be owner" in str(details.get("M", "")))
    return False


def test_the_roles_the_migrations_create_are_exactly_the_catalogue_database_users() -> None:
    users = catalogue_database_users()
    function_roles = {user for roles in users.values() for user in roles} - {platform_migrations.MIGRATION_ROLE}

    assert set(platform_migrations.FUNCTION_ROLE_GRANTS) == function_roles
    # Every database function logs in as exactly one role of its own; none as the migration role (database-admin's).
    assert all(len(roles) == 1 for roles in users.values())


def test_insert_ppu_data_writes_ppu_records_and_nothing_else(migrated: Database) -> None:
    with closing(migrated.connect("insert_ppu_data")) as connection:
        assert connection.run(UPSERT) == [[True]]
        assert connection.run("SELECT count(*) FROM ppu_records") == [[1]]

        assert refused(connection, "DELETE FROM ppu_records")
        assert refused(connection, "DROP TABLE ppu_records")
        assert refused(connection, "SELECT version FROM schema_migrations")
        assert refused(connection, "CREATE TABLE scratch (id int)")


def test_sync_clock_reads_the_clock_and_no_table(migrated: Database) -> None:
    with closing(migrated.connect("sync_clock")) as connection:
        ((epoch,),) = connection.run("SELECT extract(epoch FROM clock_timestamp())::float8")
        assert epoch > 0

        assert refused(connection, UPSERT)
        assert refused(connection, "SELECT count(*) FROM ppu_records")
        assert refused(connection, "SELECT version FROM schema_migrations")


def test_lambda_test_runner_reads_the_migrations_it_checks_and_writes_nothing(migrated: Database) -> None:
    with closing(migrated.connect("lambda_test_runner")) as connection:
        assert connection.run("SELECT version FROM schema_migrations") == [[version] for version, _ in platform_migrations.MIGRATIONS]

        assert refused(connection, "INSERT INTO schema_migrations (version) VALUES (999)")
        assert refused(connection, "DELETE FROM schema_migrations")
        assert refused(connection, "SELECT count(*) FROM ppu_records")
        assert refused(connection, "CREATE TABLE scratch (id int)")


def test_the_migration_role_owns_the_tables_and_is_no_superuser(migrated: Database) -> None:
    with closing(migrated.connect()) as connection:
        owners = connection.run("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        attributes = connection.run("SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user")

    assert owners == [[platform_migrations.MIGRATION_ROLE]]
    assert attributes == [[False, False]]


def test_a_privilege_granted_by_hand_is_taken_back_by_the_next_run(migrated: Database) -> None:
    with migrated.superuser_connection() as admin:
        admin.run("GRANT DELETE ON ppu_records TO insert_ppu_data")

    migrated.migrate()

    with closing(migrated.connect("insert_ppu_data")) as connection:
        assert refused(connection, "DELETE FROM ppu_records")


def test_at_the_instance_every_function_role_logs_in_with_iam_tokens(migrated: Database) -> None:
    # Membership of rds_iam is what makes RDS accept an IAM token for the role (and refuse passwords).
    with migrated.superuser_connection() as admin:
        members = admin.run(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE m.roleid = 'rds_iam'::regrole ORDER BY 1"
        )

    expected = {"ppu_admin", platform_migrations.MIGRATION_ROLE, *platform_migrations.FUNCTION_ROLE_GRANTS}
    assert {row[0] for row in members} == expected


def test_execution_environments_of_one_role_logging_in_together_keep_their_tokens(migrated: Database) -> None:
    # Three releases at once run several lambda-test-runner environments; RDS accepts each one's
    # token, so the second login must not invalidate the first (the scenario failed on this under load).
    settings = [
        platform_db.DbSettings(migrated.host, migrated.port, migrated.name, "lambda_test_runner", str(migrated.ca_file)) for _ in range(2)
    ]
    first = migrated.credentials(settings[0])
    second = migrated.credentials(settings[1])
    for user, token in (first, second):
        with closing(migrated.connect(user, token)) as connection:
            assert connection.run("SELECT current_user") == [["lambda_test_runner"]]


def test_a_role_without_rds_iam_gets_a_token_the_server_never_heard_of(migrated: Database) -> None:
    settings = platform_db.DbSettings(migrated.host, migrated.port, migrated.name, "no_such_role", str(migrated.ca_file))
    user, token = rds_logins.instance_login(migrated.superuser_connection)(settings)
    with pytest.raises(DatabaseError, match=rds_logins.REFUSED_LOGIN_SQLSTATE):
        migrated.connect(user, token)


def test_no_function_role_may_create_roles_or_databases(migrated: Database) -> None:
    with migrated.superuser_connection() as admin:
        rows = admin.run(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = ANY(:names) ORDER BY 1",
            names=list(platform_migrations.FUNCTION_ROLE_GRANTS),
        )

    assert rows == [[name, False, False, False] for name in sorted(platform_migrations.FUNCTION_ROLE_GRANTS)]


@pytest.fixture
def proxy_login(migrated: Database) -> Iterator[tuple[Database, StandIn, dict[str, str | None]]]:
    """The roles as behind RDS Proxy: not members of rds_iam, passwords in Secrets Manager (a stand-in here)."""
    roles = list(platform_migrations.FUNCTION_ROLE_GRANTS)
    with migrated.superuser_connection() as admin:
        for role in roles:
            admin.run(f"REVOKE rds_iam FROM {role}")
    secrets: dict[str, str | None] = {
        f"arn:aws:secretsmanager:eu-west-1:000000000000:secret:ppu-postgres/db-users/{role}": None for role in roles
    }
    stand_in = secrets_manager_stand_in(secrets).start()
    try:
        yield migrated, stand_in, secrets
    finally:
        stand_in.stop()
        with migrated.superuser_connection() as admin:
            for role in roles:
                admin.run(f"GRANT rds_iam TO {role}")


def password_login(stand_in: StandIn, secrets: dict[str, str | None]) -> platform_migrations.RoleLogin:
    client = boto3.client("secretsmanager", endpoint_url=stand_in.endpoint_url)
    arns = {arn.rsplit("/", 1)[1]: arn for arn in secrets}
    return platform_migrations.RoleLogin("password", platform_migrations.secret_passwords(arns, client))


def test_behind_the_proxy_each_role_logs_in_with_the_password_stored_in_its_secret(
    proxy_login: tuple[Database, StandIn, dict[str, str | None]],
) -> None:
    database, stand_in, secrets = proxy_login
    with closing(database.connect()) as migrator:
        platform_migrations.migrate(migrator, password_login(stand_in, secrets))

    # The proxy logs in with {"username", "password"} from each secret; here the test does the same.
    for value in secrets.values():
        assert value is not None
        stored = json.loads(value)
        with closing(
            pg8000.native.Connection(
                stored["username"],
                password=stored["password"],
                host=database.host,
                port=database.port,
                database=database.name,
                ssl_context=ssl.create_default_context(cafile=str(database.ca_file)),
            )
        ) as connection:
            assert connection.run("SELECT current_user") == [[stored["username"]]]
    targets = [request.headers["x-amz-target"] for request in stand_in.requests]
    assert targets.count("secretsmanager.PutSecretValue") == len(secrets)


def test_a_new_value_in_a_secret_becomes_the_password_at_the_next_run(proxy_login: tuple[Database, StandIn, dict[str, str | None]]) -> None:
    database, stand_in, secrets = proxy_login
    with closing(database.connect()) as migrator:
        platform_migrations.migrate(migrator, password_login(stand_in, secrets))
    arn = next(iter(secrets))
    role = arn.rsplit("/", 1)[1]
    rotated = "rotated-by-hand-1234567890"
    secrets[arn] = json.dumps({"username": role, "password": rotated})

    with closing(database.connect()) as migrator:
        platform_migrations.migrate(migrator, password_login(stand_in, secrets))

    with closing(database.connect(role, rotated)) as connection:
        assert connection.run("SELECT current_user") == [[role]]


def test_behind_the_proxy_a_role_still_in_rds_iam_is_an_error_naming_the_fix(
    proxy_login: tuple[Database, StandIn, dict[str, str | None]],
) -> None:
    database, stand_in, secrets = proxy_login
    role = next(iter(platform_migrations.FUNCTION_ROLE_GRANTS))
    with database.superuser_connection() as admin:
        admin.run(f"GRANT rds_iam TO {role}")

    with closing(database.connect()) as migrator, pytest.raises(RuntimeError, match=f"REVOKE rds_iam FROM {role}"):
        platform_migrations.migrate(migrator, password_login(stand_in, secrets))


def test_the_bootstrap_is_idempotent_and_needs_the_migrator_password_for_the_proxy(database: Database) -> None:
    with closing(database.connect("ppu_admin", password=database.master_password)) as master:
        for _ in range(2):
            for statement in platform_migrations.bootstrap_statements("rds_iam"):
                master.run(statement)
    with pytest.raises(ValueError, match="needs the migrator's password"):
        platform_migrations.bootstrap_statements("password")


def test_the_stored_verifier_is_a_scram_verifier_not_the_password() -> None:
    verifier = platform_migrations.scram_verifier("correct horse battery staple")

    assert verifier.startswith("SCRAM-SHA-256$4096:")
    assert "correct horse" not in verifier
