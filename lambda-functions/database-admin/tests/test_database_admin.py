"""database-admin: bootstrap and migrate on a fresh database, then every database function as its own role.

Against the real test PostgreSQL, set up as a new RDS instance is: the master user and rds_iam,
no migrator, no function role, and (behind a proxy) per-user secrets that Terraform created
without a value. The logins are the harness's models of RDS (conftest.Database): an IAM token only
for an existing user granted rds_iam, and through the proxy only with a non-empty secret.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import platform_db
import platform_migrations
from testing.http_stand_ins import StandIn, cloudwatch_stand_in, secrets_manager_stand_in
from testing.lambda_runtime import FakeContext, load_handler

if TYPE_CHECKING:
    from conftest import Database

CONTEXT = FakeContext("database-admin")
MASTER_ARN = "arn:aws:secretsmanager:eu-west-1:000000000000:secret:rds!db-0123-AbCdEf"
ROLES = [platform_migrations.MIGRATION_ROLE, *platform_migrations.FUNCTION_ROLE_GRANTS]
SECRET_ARNS = {role: f"arn:aws:secretsmanager:eu-west-1:000000000000:secret:ppu-postgres/db-users/{role}-AbCdEf" for role in ROLES}
SCHEDULED_EVENT = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
DATABASE_CHECKS = {"checks": ["database-reachable", "database-migrated"]}


@dataclass
class Account:
    """One account's database side: the admin function, its secrets and how the functions' roles log in."""

    database: Database
    login: platform_migrations.RoleLoginMethod
    secrets: dict[str, str | None]
    stand_in: StandIn
    cloudwatch: StandIn
    monkeypatch: pytest.MonkeyPatch

    def admin(self, action: str) -> dict[str, Any]:
        """Invokes database-admin as `aws lambda invoke --payload '{"action": ...}'` does."""
        with self.monkeypatch.context() as env:
            for name, value in self.database.admin_env(self.login, SECRET_ARNS, MASTER_ARN).items():
                env.setenv(name, value)
            env.setattr(platform_db, "credential_source", self.database.credentials)
            result: dict[str, Any] = load_handler("database-admin").handler({"action": action}, CONTEXT)
        return result

    def function(self, name: str, user: str, event: dict[str, Any], **extra_env: str) -> dict[str, Any]:
        """One invocation of a database function in a new execution environment, logging in as `user`."""
        with self.monkeypatch.context() as env:
            for key, value in {**self.database.env(user), **extra_env}.items():
                env.setenv(key, value)
            credentials = (
                self.database.credentials if self.login == "rds_iam" else self.database.proxy_credentials(SECRET_ARNS, self.secrets)
            )
            env.setattr(platform_db, "credential_source", credentials)
            module = load_handler(name)
            try:
                result: dict[str, Any] = module.handler(event, FakeContext(name))
            finally:
                if hasattr(module, "db"):
                    module.db.drop()
        return result

    def every_function_works_as_its_own_role(self) -> None:
        record = {"deviceId": "meter-1", "recordedAt": "2026-03-01T12:00:00Z", "units": 1.5}
        post = {"httpMethod": "POST", "path": "/ppu-data", "body": json.dumps({"records": [record]}), "isBase64Encoded": False}
        inserted = self.function("insert-ppu-data", "insert_ppu_data", post)
        assert inserted["statusCode"] == 200, inserted

        clock = self.function(
            "sync-clock",
            "sync_clock",
            SCHEDULED_EVENT,
            METRIC_NAMESPACE="PPU/SyncClock",
            AWS_ENDPOINT_URL_CLOUDWATCH=self.cloudwatch.endpoint_url,
        )
        assert "driftMilliseconds" in clock, clock

        checks = self.function("lambda-test-runner", "lambda_test_runner", DATABASE_CHECKS)
        assert checks["passed"] is True, checks


@pytest.fixture(params=["rds_iam", "password"], ids=["instance-iam-login", "behind-rds-proxy"])
def account(request: pytest.FixtureRequest, fresh_database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    """A new account: a fresh database, the RDS master secret, and every per-user secret created empty (as Terraform does)."""
    secrets: dict[str, str | None] = {MASTER_ARN: fresh_database.master_secret(), **dict.fromkeys(SECRET_ARNS.values())}
    stand_in = secrets_manager_stand_in(secrets).start()
    cloudwatch = cloudwatch_stand_in().start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", stand_in.endpoint_url)
    try:
        yield Account(fresh_database, request.param, secrets, stand_in, cloudwatch, monkeypatch)
    finally:
        cloudwatch.stop()
        stand_in.stop()


def roles_in(database: Database) -> set[str]:
    with database.superuser_connection() as admin:
        rows = admin.run("SELECT rolname FROM pg_roles WHERE rolname = ANY(:roles)", roles=ROLES)
    return {row[0] for row in rows}


def test_before_anything_ran_no_database_function_can_log_in(account: Account) -> None:
    # The RDS facts the harness models: no role yet, so neither an IAM token nor the proxy lets anyone in.
    checks = account.function("lambda-test-runner", "lambda_test_runner", DATABASE_CHECKS)

    assert checks["passed"] is False
    assert [check["passed"] for check in checks["checks"]] == [False, False]
    assert roles_in(account.database) == set()


def test_a_fresh_database_needs_only_bootstrap_then_migrate_for_every_function_to_work_as_its_own_role(account: Account) -> None:
    bootstrap = account.admin("bootstrap")
    assert bootstrap["passed"] is True, bootstrap
    assert roles_in(account.database) == {platform_migrations.MIGRATION_ROLE}

    migrate = account.admin("migrate")
    assert migrate["passed"] is True, migrate
    assert migrate["applied"] == [version for version, _ in platform_migrations.MIGRATIONS]
    assert roles_in(account.database) == set(ROLES)

    account.every_function_works_as_its_own_role()


def test_bootstrap_and_migrate_run_again_change_nothing_and_every_function_still_works(account: Account) -> None:
    assert account.admin("bootstrap")["passed"] is True
    assert account.admin("migrate")["passed"] is True
    stored = dict(account.secrets)

    again = [account.admin("bootstrap"), account.admin("migrate")]

    assert [result["passed"] for result in again] == [True, True], again
    assert again[1]["applied"] == []
    # Behind the proxy the passwords stay those in the secrets: nothing was generated twice.
    assert account.secrets == stored
    account.every_function_works_as_its_own_role()


def test_a_rebuilt_dev_database_needs_nothing_by_hand_but_what_the_deploy_runs(account: Account) -> None:
    assert account.admin("bootstrap")["passed"] is True
    assert account.admin("migrate")["passed"] is True
    account.every_function_works_as_its_own_role()

    # The rebuild: a new instance (no roles, no tables) and the per-user secrets created again, empty
    # (a zero recovery window lets Terraform reuse their names at once).
    account.database.recreate()
    account.secrets.update(dict.fromkeys(SECRET_ARNS.values()))

    # What the deploy and apply workflows run after every apply (.github/scripts/database-admin.sh).
    assert [account.admin(action)["passed"] for action in ("bootstrap", "migrate")] == [True, True]
    account.every_function_works_as_its_own_role()


@pytest.fixture
def proxied_account(fresh_database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    """The account behind RDS Proxy only."""
    secrets: dict[str, str | None] = {MASTER_ARN: fresh_database.master_secret(), **dict.fromkeys(SECRET_ARNS.values())}
    stand_in = secrets_manager_stand_in(secrets).start()
    cloudwatch = cloudwatch_stand_in().start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", stand_in.endpoint_url)
    try:
        yield Account(fresh_database, "password", secrets, stand_in, cloudwatch, monkeypatch)
    finally:
        cloudwatch.stop()
        stand_in.stop()


def test_behind_the_proxy_a_role_still_in_rds_iam_cannot_log_in_and_migrate_names_the_fix(proxied_account: Account) -> None:
    account = proxied_account
    assert [account.admin(action)["passed"] for action in ("bootstrap", "migrate")] == [True, True]
    with account.database.superuser_connection() as admin:
        admin.run("GRANT rds_iam TO insert_ppu_data")

    checks = account.function("lambda-test-runner", "lambda_test_runner", DATABASE_CHECKS)
    record = {"deviceId": "meter-1", "recordedAt": "2026-03-01T12:00:00Z", "units": 1.5}
    post = {"httpMethod": "POST", "path": "/ppu-data", "body": json.dumps({"records": [record]}), "isBase64Encoded": False}
    inserted = account.function("insert-ppu-data", "insert_ppu_data", post)
    migrate = account.admin("migrate")

    assert checks["passed"] is True, checks
    assert inserted["statusCode"] >= 500, inserted
    assert migrate["passed"] is False
    assert "REVOKE rds_iam FROM insert_ppu_data" in migrate["detail"]


def test_migrate_before_the_bootstrap_fails_with_a_report_and_creates_nothing(account: Account) -> None:
    result = account.admin("migrate")

    assert result["passed"] is False
    expected = 'password authentication failed for user "ppu_migrator"' if account.login == "rds_iam" else "run the bootstrap action first"
    assert expected in result["detail"]
    assert roles_in(account.database) == set()


def test_a_migration_that_fails_applies_nothing(account: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    assert account.admin("bootstrap")["passed"] is True
    assert account.admin("migrate")["passed"] is True
    monkeypatch.setattr(
        platform_migrations,
        "MIGRATIONS",
        (*platform_migrations.MIGRATIONS, (2, "CREATE TABLE half_done (id int)"), (3, "ALTER TABLE no_such_table ADD COLUMN x int")),
    )

    result = account.admin("migrate")

    assert result["passed"] is False
    assert result["detail"].startswith("DatabaseError: ")
    assert "no_such_table" in result["detail"]
    with account.database.superuser_connection() as admin:
        assert admin.run("SELECT version FROM schema_migrations ORDER BY 1") == [[1]]
        assert admin.run("SELECT to_regclass('public.half_done') IS NULL") == [[True]]


def test_only_the_master_secret_and_the_migrators_are_read_by_the_bootstrap(account: Account) -> None:
    assert account.admin("bootstrap")["passed"] is True

    reads = [
        json.loads(r.body)["SecretId"] for r in account.stand_in.requests if r.headers["x-amz-target"] == "secretsmanager.GetSecretValue"
    ]
    expected = [MASTER_ARN] if account.login == "rds_iam" else [MASTER_ARN, SECRET_ARNS[platform_migrations.MIGRATION_ROLE]]
    assert reads == expected


@pytest.mark.parametrize("event", [None, "bootstrap", {}, {"action": "drop"}, {"action": "migrate", "force": True}])
def test_bad_invocations_get_a_client_error_and_touch_nothing(fresh_database: Database, event: object) -> None:
    result = load_handler("database-admin").handler(event, CONTEXT)

    assert result["statusCode"] == 400
    assert result["passed"] is False
    assert "bootstrap, migrate" in result["message"]
    assert roles_in(fresh_database) == set()


def test_missing_configuration_is_a_report_naming_the_variable(account: Account) -> None:
    with account.monkeypatch.context() as env:
        for name, value in account.database.admin_env(account.login, SECRET_ARNS, MASTER_ARN).items():
            env.setenv(name, value)
        env.delenv("DB_MASTER_SECRET_ARN")
        result = load_handler("database-admin").handler({"action": "bootstrap"}, CONTEXT)

    detail = "DB_MASTER_SECRET_ARN is not set (the DatabaseAdmin construct sets it)"
    assert result == {"action": "bootstrap", "passed": False, "detail": detail}


def test_a_server_whose_certificate_another_ca_signed_never_sees_the_master_password(account: Account, tmp_path: Path) -> None:
    from testing.servers import create_certificate_authority

    other = create_certificate_authority(tmp_path, "other-ca")
    with account.monkeypatch.context() as env:
        for name, value in account.database.admin_env(account.login, SECRET_ARNS, MASTER_ARN).items():
            env.setenv(name, value)
        env.setenv("DB_SSL_ROOT_CERT", str(other.cert_file))
        result = load_handler("database-admin").handler({"action": "bootstrap"}, CONTEXT)

    assert result["passed"] is False
    assert "certificate verify failed" in result["detail"]
    assert roles_in(account.database) == set()


def test_the_migrator_owns_what_the_migrations_create(account: Account) -> None:
    account.admin("bootstrap")
    account.admin("migrate")

    with closing(account.database.connect("ppu_admin", password=account.database.master_password)) as master:
        owners = master.run("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
    assert owners == [[platform_migrations.MIGRATION_ROLE]]
