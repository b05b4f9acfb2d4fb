"""The database's schema owner: bootstrap (as the master user) and migrate (as the migration role), nothing else.

The only code that logs in as the master user or the migration role, and the only role that may
read their secrets. Invoked, never triggered: by the deploy and apply workflows after every apply
(bootstrap, then migrate, before the release), or by an administrator:

    aws lambda invoke --function-name database-admin --payload '{"action":"bootstrap"}' \
      --cli-binary-format raw-in-base64-out out.json

Both actions are idempotent. It runs in the VPC with a security group of its own that reaches the
instance itself (the proxy holds no master secret) and the Secrets Manager endpoint, so it needs
no NAT and no machine of an operator inside the VPC. The read-only post-deploy checks
(lambda-test-runner) never migrate and cannot change a role or a password.

- bootstrap: the master user (DB_MASTER_SECRET_ARN, the RDS-managed secret) creates or updates
  MIGRATION_ROLE (platform_migrations.bootstrap_statements). At an instance without a proxy the
  migrator logs in with IAM tokens (rds_iam); behind RDS Proxy with the password in its secret
  (DB_MIGRATOR_SECRET_ARN), generated and stored on the first run.
- migrate: the migrator applies pending migrations and creates the functions' roles with their
  logins (platform_migrations.migrate), setting their proxy secrets (DB_PROXY_USER_ARNS).

Every answer is a report: {"action", "passed", "detail"} (migrate adds "applied", the versions it
applied, and "schemaVersion"); a failure is "passed": false with the cause in "detail", never an
exception; an event other than {"action": "bootstrap" | "migrate"} gets {"statusCode": 400,
"passed": false, "message"}. bootstrap(env) and migrate(env) are the same steps as plain functions.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from typing import Any

import boto3
import pg8000.native

import platform_db
import platform_migrations
from platform_log import bind_invocation, get_logger

CONNECT_TIMEOUT_SECONDS = 15
ACTIONS = ("bootstrap", "migrate")

log = get_logger("database-admin")


class BadEvent(Exception):
    pass


class AdminError(Exception):
    """Configuration or state the action cannot work with; the message says what to fix."""


def parse_event(event: Any) -> str:
    """{"action": "bootstrap"} or {"action": "migrate"}."""
    if not isinstance(event, dict) or set(event) != {"action"} or event["action"] not in ACTIONS:
        raise BadEvent(f'expected {{"action": "<action>"}} with action one of {", ".join(ACTIONS)}; got {json.dumps(event)[:200]}')
    action: str = event["action"]
    return action


def _setting(env: dict[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise AdminError(f"{name} is not set (the DatabaseAdmin construct sets it)")
    return value


def _settings(env: dict[str, str], user: str) -> platform_db.DbSettings:
    try:
        settings = platform_db.DbSettings.from_env({**env, "DB_USER": user})
    except platform_db.DatabaseConfigError as exc:
        raise AdminError(str(exc)) from None
    return settings


def _login_method(env: dict[str, str]) -> platform_migrations.RoleLoginMethod:
    method = env.get("DB_ROLE_LOGIN", "")
    if method == "rds_iam":
        return "rds_iam"
    if method == "password":
        return "password"
    raise AdminError(f"DB_ROLE_LOGIN must be 'rds_iam' or 'password', got {method!r}")


def _connect(settings: platform_db.DbSettings, password: str) -> pg8000.native.Connection:
    return pg8000.native.Connection(
        settings.user,
        password=password,
        host=settings.host,
        port=settings.port,
        database=settings.database,
        ssl_context=platform_db.ssl_context(settings.ssl_root_cert),
        timeout=CONNECT_TIMEOUT_SECONDS,
        application_name="database-admin",
    )


def _migrator_password(env: dict[str, str], secretsmanager: Any) -> str:
    """Behind the proxy: the migrator's password from its secret, generated and stored if the secret has none."""
    arn = _setting(env, "DB_MIGRATOR_SECRET_ARN")
    return platform_migrations.secret_passwords({platform_migrations.MIGRATION_ROLE: arn}, secretsmanager)(
        platform_migrations.MIGRATION_ROLE
    )


def bootstrap(env: dict[str, str], secretsmanager: Any = None) -> dict[str, Any]:
    """As the master user: MIGRATION_ROLE exists, may create the functions' roles and logs in as DB_ROLE_LOGIN says."""
    client = secretsmanager if secretsmanager is not None else boto3.client("secretsmanager")
    method = _login_method(env)
    master = json.loads(client.get_secret_value(SecretId=_setting(env, "DB_MASTER_SECRET_ARN"))["SecretString"])
    statements = platform_migrations.bootstrap_statements(method, _migrator_password(env, client) if method == "password" else None)
    connection = _connect(_settings(env, str(master["username"])), str(master["password"]))
    try:
        for statement in statements:
            connection.run(statement)
    finally:
        connection.close()
    how = "IAM tokens (rds_iam)" if method == "rds_iam" else "the password in its RDS Proxy secret"
    return {"action": "bootstrap", "passed": True, "detail": f"{platform_migrations.MIGRATION_ROLE} is ready and logs in with {how}"}


def _function_role_login(env: dict[str, str], method: platform_migrations.RoleLoginMethod, client: Any) -> platform_migrations.RoleLogin:
    if method == "rds_iam":
        return platform_migrations.RoleLogin("rds_iam")
    try:
        secret_arns = json.loads(env.get("DB_PROXY_USER_ARNS", ""))
    except json.JSONDecodeError:
        secret_arns = None
    if not isinstance(secret_arns, dict):
        raise AdminError('DB_PROXY_USER_ARNS must be a JSON object {"<role>": "<secret ARN>"}')
    return platform_migrations.RoleLogin("password", platform_migrations.secret_passwords(secret_arns, client))


def migrate(env: dict[str, str], secretsmanager: Any = None) -> dict[str, Any]:
    """As MIGRATION_ROLE at the instance: pending migrations, then every function's role, privileges and login."""
    client = secretsmanager if secretsmanager is not None else boto3.client("secretsmanager")
    method = _login_method(env)
    settings = _settings(env, _setting(env, "DB_MIGRATION_USER"))
    if method == "rds_iam":
        # platform_db.credential_source makes the IAM token (rds-db:connect on the migrator at the instance).
        user, password = platform_db.credential_source(settings)
        settings = dataclasses.replace(settings, user=user)
    else:
        secret = _setting(env, "DB_MIGRATOR_SECRET_ARN")
        try:
            value = json.loads(client.get_secret_value(SecretId=secret)["SecretString"])
        except client.exceptions.ResourceNotFoundException:
            raise AdminError(f"the migrator's secret {secret} has no password yet: run the bootstrap action first") from None
        password = str(value["password"])
    connection = _connect(settings, password)
    try:
        applied = platform_migrations.migrate(connection, _function_role_login(env, method, client))
    finally:
        connection.close()
    newly = f"applied {', '.join(map(str, applied))}" if applied else "nothing to apply"
    roles = ", ".join(platform_migrations.FUNCTION_ROLE_GRANTS)
    return {
        "action": "migrate",
        "passed": True,
        "applied": applied,
        "schemaVersion": platform_migrations.schema_version(),
        "detail": f"schema version {platform_migrations.schema_version()} ({newly}); function roles {roles} set",
    }


ACTION_RUNNERS: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {"bootstrap": bootstrap, "migrate": migrate}


def handler(event: Any, context: Any) -> dict[str, Any]:
    """A report with "passed"; the workflows fail unless it is true. A failure's detail names the cause, never a secret."""
    bind_invocation(context)
    try:
        action = parse_event(event)
    except BadEvent as exc:
        log.error("rejected invocation", extra={"fields": {"reason": str(exc)}})
        return {"statusCode": 400, "passed": False, "message": str(exc)}
    try:
        report = ACTION_RUNNERS[action](dict(os.environ))
    except AdminError as exc:
        report = {"action": action, "passed": False, "detail": str(exc)}
    except Exception as exc:  # the report names the failure; the workflow prints it and fails
        report = {"action": action, "passed": False, "detail": f"{type(exc).__name__}: {exc}"}
    log.info("database admin", extra={"fields": report})
    return report
