"""`npm run db:bootstrap` (scripts/db_bootstrap.py): the one step that uses the master user, against the real test PostgreSQL.

The master secret is the one RDS keeps ({"username", "password"}, manage_master_user_password);
the command reads it with the operator's credentials, which no function role may do.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

import platform_migrations
from testing.http_stand_ins import StandIn, secrets_manager_stand_in

if TYPE_CHECKING:
    from conftest import Database

REPO_ROOT = Path(__file__).resolve().parents[3]
MASTER_ARN = "arn:aws:secretsmanager:eu-west-1:000000000000:secret:rds!db-0123-AbCdEf"
MIGRATOR_ARN = "arn:aws:secretsmanager:eu-west-1:000000000000:secret:ppu-postgres/db-users/ppu_migrator-AbCdEf"


@pytest.fixture
def db_bootstrap() -> ModuleType:
    """scripts/db_bootstrap.py, loaded by path as `npm run db:bootstrap` runs it."""
    spec = importlib.util.spec_from_file_location("db_bootstrap", REPO_ROOT / "scripts" / "db_bootstrap.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def secrets(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[StandIn, dict[str, str | None]]]:
    values: dict[str, str | None] = {MASTER_ARN: json.dumps({"username": "ppu_admin", "password": database.passwords["ppu_admin"]})}
    stand_in = secrets_manager_stand_in(values).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", stand_in.endpoint_url)
    try:
        yield stand_in, values
    finally:
        stand_in.stop()


def run(db_bootstrap: ModuleType, database: Database, *extra: str) -> int:
    args = ["--host", database.host, "--port", str(database.port), "--database", database.name, "--master-secret-arn", MASTER_ARN]
    result: int = db_bootstrap.main([*args, "--ca-bundle", str(database.ca_file), *extra])
    return result


def test_without_a_proxy_the_master_user_makes_the_migrator_an_iam_login(
    db_bootstrap: ModuleType, database: Database, secrets: tuple[StandIn, dict[str, str | None]]
) -> None:
    stand_in, _ = secrets
    with database.superuser_connection() as admin:
        admin.run(f"DROP OWNED BY {platform_migrations.MIGRATION_ROLE}")
        admin.run(f"DROP ROLE {platform_migrations.MIGRATION_ROLE}")

    assert run(db_bootstrap, database) == 0

    with database.superuser_connection() as admin:
        admin.run(f"ALTER ROLE {platform_migrations.MIGRATION_ROLE} PASSWORD '{database.passwords[platform_migrations.MIGRATION_ROLE]}'")
        member = admin.run("SELECT pg_has_role('ppu_migrator', 'rds_iam', 'MEMBER')")
    assert member == [[True]]
    assert database.migrate() == [version for version, _ in platform_migrations.MIGRATIONS]
    reads = [json.loads(r.body)["SecretId"] for r in stand_in.requests if r.headers["x-amz-target"] == "secretsmanager.GetSecretValue"]
    assert reads == [MASTER_ARN]


def test_behind_a_proxy_the_migrator_gets_a_generated_password_stored_in_its_secret(
    db_bootstrap: ModuleType, database: Database, secrets: tuple[StandIn, dict[str, str | None]]
) -> None:
    _, values = secrets
    values[MIGRATOR_ARN] = None
    with database.superuser_connection() as admin:
        admin.run(f"REVOKE rds_iam FROM {platform_migrations.MIGRATION_ROLE}")

    try:
        assert run(db_bootstrap, database, "--migrator-secret", MIGRATOR_ARN) == 0
        stored = json.loads(values[MIGRATOR_ARN] or "{}")
        previous = database.passwords[platform_migrations.MIGRATION_ROLE]
        database.passwords[platform_migrations.MIGRATION_ROLE] = stored["password"]
        try:
            with closing(database.connect()) as migrator:
                assert migrator.run("SELECT current_user") == [[stored["username"]]]
        finally:
            database.passwords[platform_migrations.MIGRATION_ROLE] = previous
    finally:
        with database.superuser_connection() as admin:
            admin.run(f"GRANT rds_iam TO {platform_migrations.MIGRATION_ROLE} WITH ADMIN OPTION")


def test_a_server_whose_certificate_another_ca_signed_never_sees_the_master_password(
    db_bootstrap: ModuleType, database: Database, secrets: tuple[StandIn, dict[str, str | None]], tmp_path: Path
) -> None:
    from testing.servers import create_certificate_authority

    other = create_certificate_authority(tmp_path, "other-ca")
    args = ["--host", database.host, "--port", str(database.port), "--database", database.name, "--master-secret-arn", MASTER_ARN]

    with pytest.raises(OSError, match="certificate verify failed"):
        db_bootstrap.main([*args, "--ca-bundle", str(other.cert_file)])
