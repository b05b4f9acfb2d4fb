"""RDS's login rules on a real PostgreSQL server: the one model the pytest fixtures (conftest.Database)
and the scenario's execution environments (install, below) both use.

In Lambda, platform_db.credential_source makes an IAM authentication token, which only RDS can check.
Here a login the product has not prepared fails as it fails in AWS:

- instance: RDS accepts an IAM token only for an existing PostgreSQL user that may log in and is
  granted rds_iam, and then refuses that user's password logins ("Creating a database account
  using IAM authentication",
  https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html).
  For such a user one password per role, set by the server's superuser, stands in for the token
  (RDS accepts every valid token of a role at once, so several execution environments logging in
  together must not replace each other's); for any other user the "token" is a fresh random
  password the server never heard of, and the real server refuses it.
- proxy: RDS Proxy logs in to the database with the username and password of the role's Secrets
  Manager secret, and refuses a client whose role has no secret or one without credentials
  ("RDS Proxy troubleshooting", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html).
  The proxy's own login is a password login, so a member of rds_iam is refused (IAM guide above).

In the scenario the endpoint is told by the port a function connects to (the instance and the
proxy get a port each, in front of one server).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import secrets
import ssl
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import boto3
import pg8000.native
from pg8000.exceptions import DatabaseError

# PostgreSQL's FATAL invalid_password: what a client sees when the endpoint refuses a login.
REFUSED_LOGIN_SQLSTATE = "28P01"
RDS_IAM_ROLE = "rds_iam"

Login = Callable[[Any], tuple[str, str]]
# A connection as the server's superuser, which stands in for RDS's own view of the database's roles.
Superuser = Callable[[], AbstractContextManager[pg8000.native.Connection]]
# A role's Secrets Manager secret value (None when the role has no secret or it has no value).
SecretOf = Callable[[str], str | None]


def refused(message: str) -> DatabaseError:
    return DatabaseError({"S": "FATAL", "V": "FATAL", "C": REFUSED_LOGIN_SQLSTATE, "M": message})


def _quoted(role: str) -> str:
    return '"' + role.replace('"', '""') + '"'


def instance_login(superuser: Superuser) -> Login:
    """credential_source at the instance: an IAM token, which RDS accepts only for an existing user granted rds_iam."""

    def login(settings: Any) -> tuple[str, str]:
        token = secrets.token_urlsafe(24)
        with superuser() as admin:
            # The cluster's identifier (from initdb) is the same for every process that reaches this
            # server (pytest, each of the scenario's execution environments) and differs per server.
            [[cluster]] = admin.run("SELECT system_identifier FROM pg_control_system()")
            role_token = "iam-" + hashlib.sha256(f"{cluster}:{settings.user}".encode()).hexdigest()
            granted = admin.run(
                "SELECT rolcanlogin AND pg_has_role(oid, :iam, 'MEMBER') FROM pg_roles WHERE rolname = :user",
                iam=RDS_IAM_ROLE,
                user=settings.user,
            )
            if granted == [[True]]:
                admin.run(f"ALTER ROLE {_quoted(settings.user)} PASSWORD '{role_token}'")
                return settings.user, role_token
        return settings.user, token

    return login


def proxy_login(secret_of: SecretOf, superuser: Superuser) -> Login:
    """credential_source behind RDS Proxy: the proxy logs in with the role's secret and refuses a role without one."""

    def login(settings: Any) -> tuple[str, str]:
        value = secret_of(settings.user)
        stored: Any = json.loads(value) if value else {}
        if not isinstance(stored, dict) or not stored.get("password") or stored.get("username") != settings.user:
            raise refused(
                f"This RDS Proxy has no credentials for the role {settings.user}. Check the credentials for this role and try again."
            )
        with superuser() as admin:
            iam_member = admin.run(
                "SELECT pg_has_role(oid, :iam, 'MEMBER') FROM pg_roles WHERE rolname = :user", iam=RDS_IAM_ROLE, user=settings.user
            )
        if iam_member == [[True]]:
            raise refused(f'PAM authentication failed for user "{settings.user}"')
        return settings.user, str(stored["password"])

    return login


def recorded(login: Callable[[Any], tuple[str, str]], log_file: str) -> Callable[[Any], tuple[str, str]]:
    """Writes "<function>\t<database user>" for every login attempt, so the scenario sees who logged in as whom."""

    def record(settings: Any) -> tuple[str, str]:
        with open(log_file, "a", encoding="utf-8") as log:
            log.write(f"{os.environ.get('AWS_LAMBDA_FUNCTION_NAME', '')}\t{settings.user}\n")
        return login(settings)

    return record


def install(config: dict[str, Any]) -> None:
    """Replaces platform_db.credential_source when the function's code has platform_db (its database functions)."""
    if importlib.util.find_spec("platform_db") is None:
        return
    import platform_db

    user_name, password = config["superuser"]
    context = ssl.create_default_context(cafile=config["caFile"])

    def superuser() -> AbstractContextManager[pg8000.native.Connection]:
        return contextlib.closing(
            pg8000.native.Connection(
                user_name, password=password, host=config["host"], port=config["port"], database=config["database"], ssl_context=context
            )
        )

    # The proxy reads the role's secret from Secrets Manager (here the scenario's stand-in).
    secret_arns: dict[str, str] = config["proxySecrets"]
    client = boto3.client("secretsmanager")

    def secret_of(role: str) -> str | None:
        arn = secret_arns.get(role)
        if not arn:
            return None
        try:
            value: str | None = client.get_secret_value(SecretId=arn).get("SecretString")
            return value
        except client.exceptions.ResourceNotFoundException:
            return None

    at_instance, at_proxy = instance_login(superuser), proxy_login(secret_of, superuser)

    def login(settings: Any) -> tuple[str, str]:
        return at_proxy(settings) if settings.port == config["proxyPort"] else at_instance(settings)

    platform_db.credential_source = recorded(login, config["loginLog"]) if config.get("loginLog") else login
