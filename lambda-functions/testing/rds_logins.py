"""How a database function's login reaches the scenario's PostgreSQL: RDS's login rules on a real server.

In Lambda, platform_db.credential_source makes an IAM authentication token, which only RDS can check.
Installed in an execution environment (testing.lambda_environment), this module replaces it with
the rule of the endpoint the function talks to, so a login the product has not prepared fails here
as it fails in AWS:

The endpoint is told by the port a function connects to (the scenario gives the instance and the
proxy a port each, in front of one server):

- instance: RDS accepts an IAM token only for an existing PostgreSQL user that may log in and is
  granted rds_iam ("Creating a database account using IAM authentication",
  https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html).
  For such a user a fresh random password, set by the server's superuser, stands in for the token;
  for any other user the "token" is a password the server never heard of, and the real server refuses it.
- proxy: RDS Proxy logs in to the database with the username and password of the role's Secrets
  Manager secret, and refuses a client whose role has no secret or one without credentials
  ("RDS Proxy troubleshooting", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.troubleshooting.html).
  The secret is read from the Secrets Manager stand-in, as the proxy reads Secrets Manager.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import ssl
from collections.abc import Callable
from typing import Any

import boto3
import pg8000.native
from pg8000.exceptions import DatabaseError

# PostgreSQL's FATAL invalid_password: what a client sees when the endpoint refuses a login.
REFUSED_LOGIN_SQLSTATE = "28P01"
RDS_IAM_ROLE = "rds_iam"


def refused(message: str) -> DatabaseError:
    return DatabaseError({"S": "FATAL", "V": "FATAL", "C": REFUSED_LOGIN_SQLSTATE, "M": message})


def instance_login(config: dict[str, Any]) -> Callable[[Any], tuple[str, str]]:
    user_name, password = config["superuser"]
    context = ssl.create_default_context(cafile=config["caFile"])

    def login(settings: Any) -> tuple[str, str]:
        token = secrets.token_urlsafe(24)
        admin = pg8000.native.Connection(
            user_name, password=password, host=config["host"], port=config["port"], database=config["database"], ssl_context=context
        )
        try:
            granted = admin.run(
                "SELECT rolcanlogin AND pg_has_role(oid, :iam, 'MEMBER') FROM pg_roles WHERE rolname = :user",
                iam=RDS_IAM_ROLE,
                user=settings.user,
            )
            if granted == [[True]]:
                admin.run(f"ALTER ROLE \"{settings.user}\" PASSWORD '{token}'")
        finally:
            admin.close()
        return settings.user, token

    return login


def proxy_login(config: dict[str, Any]) -> Callable[[Any], tuple[str, str]]:
    secret_arns: dict[str, str] = config["proxySecrets"]
    client = boto3.client("secretsmanager")

    def login(settings: Any) -> tuple[str, str]:
        arn = secret_arns.get(settings.user)
        stored: Any = {}
        if arn:
            try:
                stored = json.loads(client.get_secret_value(SecretId=arn).get("SecretString") or "{}")
            except client.exceptions.ResourceNotFoundException:
                stored = {}
        if not isinstance(stored, dict) or not stored.get("password") or stored.get("username") != settings.user:
            raise refused(
                f"This RDS Proxy has no credentials for the role {settings.user}. Check the credentials for this role and try again."
            )
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

    at_instance, at_proxy = instance_login(config), proxy_login(config)

    def login(settings: Any) -> tuple[str, str]:
        return at_proxy(settings) if settings.port == config["proxyPort"] else at_instance(settings)

    platform_db.credential_source = recorded(login, config["loginLog"]) if config.get("loginLog") else login
