"""PostgreSQL connections for the platform's database functions (DB_* environment variables).

Each function logs in as its own PostgreSQL role (DB_USER, never the master user) with a 15-minute
IAM authentication token, made when a connection opens and never stored: at the instance the role
is a member of rds_iam; behind RDS Proxy the proxy checks the token and logs in with the role's
secret (platform_migrations sets both up). Every connection is TLS with the server's
certificate and host name verified (libpq's sslmode=verify-full): against the RDS CA bundle the
pg-driver layer carries, or the runtime's trust store for an RDS Proxy (DB_SSL_ROOT_CERT=system).
Packaged next to handler.py (the catalogue entry lists it under sharedModules), with pg8000 from the
pg-driver layer.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import boto3
import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

T = TypeVar("T")

# DB_SSL_ROOT_CERT value meaning the runtime's trust store (libpq's sslrootcert=system).
SYSTEM_TRUST_STORE = "system"


class DatabaseConfigError(RuntimeError):
    """The DB_* environment variables are missing or contradict each other."""


@dataclass(frozen=True)
class DbSettings:
    host: str
    port: int
    database: str
    user: str
    # A PEM bundle of the CAs to trust, or "system" for the runtime's trust store.
    ssl_root_cert: str

    @classmethod
    def from_env(cls, env: dict[str, str]) -> DbSettings:
        missing = [name for name in ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER") if not env.get(name)]
        if missing:
            raise DatabaseConfigError(f"missing database configuration: {', '.join(missing)}")
        ssl_root_cert = env.get("DB_SSL_ROOT_CERT", "")
        if not ssl_root_cert:
            raise DatabaseConfigError("missing database configuration: DB_SSL_ROOT_CERT (a CA bundle file, or 'system')")
        if ssl_root_cert != SYSTEM_TRUST_STORE and not os.path.isfile(ssl_root_cert):
            raise DatabaseConfigError(f"DB_SSL_ROOT_CERT {ssl_root_cert!r} is not a file; name the CA bundle or 'system'")
        if not env["DB_PORT"].isdigit():
            raise DatabaseConfigError(f"DB_PORT must be a port number, got {env['DB_PORT']!r}")
        return cls(env["DB_HOST"], int(env["DB_PORT"]), env["DB_NAME"], env["DB_USER"], ssl_root_cert)


def aws_credentials(settings: DbSettings) -> tuple[str, str]:
    """(user, 15-minute IAM authentication token for that user); the function's role needs rds-db:connect on exactly that user."""
    token = boto3.client("rds").generate_db_auth_token(DBHostname=settings.host, Port=settings.port, DBUsername=settings.user)
    return settings.user, token


# Replaceable so tests connect with a local password; in AWS it is always aws_credentials.
credential_source: Callable[[DbSettings], tuple[str, str]] = aws_credentials


def ssl_context(root_cert: str) -> ssl.SSLContext:
    """Verifies the server's certificate chain and host name; anything else answering gets no credential.

    RDS signs instance certificates with its own CAs (the bundle in the layer) and puts the
    endpoint's DNS name in them; RDS Proxy uses ACM certificates under the Amazon Trust Services
    roots, which the runtime trusts. Sources:
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html and
    https://docs.aws.amazon.com/prescriptive-guidance/latest/amazon-rds-proxy/best-practices.html
    """
    context = ssl.create_default_context() if root_cert == SYSTEM_TRUST_STORE else ssl.create_default_context(cafile=root_cert)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # create_default_context already sets both; stated so a later edit cannot quietly drop them.
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    return context


def connect(settings: DbSettings, *, application_name: str, timeout_seconds: int) -> pg8000.native.Connection:
    """A new connection; application_name shows the function in pg_stat_activity."""
    user, password = credential_source(settings)
    return pg8000.native.Connection(
        user=user,
        password=password,
        host=settings.host,
        port=settings.port,
        database=settings.database,
        ssl_context=ssl_context(settings.ssl_root_cert),
        timeout=timeout_seconds,
        application_name=application_name,
    )


def connection_lost(exc: Exception) -> bool:
    """The connection is gone (idle timeout, failover, terminated session), not the statement wrong."""
    if isinstance(exc, (InterfaceError, OSError)):
        return True
    # 57P01..57P03: the server is shutting down or terminated this session (failover, restart).
    details = exc.args[0] if exc.args else None
    return isinstance(details, dict) and str(details.get("C", "")).startswith("57P")


class ReusedConnection:
    """The execution environment's connection: opened on first use, then kept across invocations.

    `prepare` runs once on each new connection (e.g. migrations); if it fails the connection is
    closed and not kept.
    """

    def __init__(
        self,
        application_name: str,
        timeout_seconds: int,
        log: logging.Logger,
        prepare: Callable[[pg8000.native.Connection], object] | None = None,
    ) -> None:
        self._application_name = application_name
        self._timeout_seconds = timeout_seconds
        self._log = log
        self._prepare = prepare
        self._connection: pg8000.native.Connection | None = None

    def get(self) -> pg8000.native.Connection:
        if self._connection is None:
            settings = DbSettings.from_env(dict(os.environ))
            connection = connect(settings, application_name=self._application_name, timeout_seconds=self._timeout_seconds)
            if self._prepare is not None:
                try:
                    self._prepare(connection)
                except BaseException:
                    connection.close()
                    raise
            self._connection = connection
        return self._connection

    def drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except (InterfaceError, DatabaseError, OSError):
                self._log.debug("closing a broken connection failed")
            self._connection = None

    def run(self, work: Callable[[pg8000.native.Connection], T]) -> T:
        """work(connection); a connection the server dropped is reopened and work retried once.

        Only for work that is safe to repeat: the first attempt's COMMIT may have happened.
        """
        try:
            return work(self.get())
        except (InterfaceError, DatabaseError, OSError) as exc:
            if not connection_lost(exc):
                raise
            self._log.warning("database connection lost; reconnecting", extra={"fields": {"error": str(exc)}})
            self.drop()
            return work(self.get())
