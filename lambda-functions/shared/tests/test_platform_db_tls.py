"""platform_db verifies the PostgreSQL server's certificate chain and host name (libpq's verify-full).

RDS signs each instance's certificate with an RDS CA and puts the endpoint's DNS name in it; a
client that verifies both against the RDS CA bundle knows it talks to the instance, and one that
does not (the CERT_NONE this replaces) hands its IAM token or password to anything that answers on
the address. https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html
The server here is the session's real PostgreSQL, TLS only, with a certificate from a CA made for
the test run that names IP:127.0.0.1 only.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import platform_db
import platform_migrations
from testing.servers import PostgresServer, create_certificate_authority

if TYPE_CHECKING:
    from conftest import Database

REPO_ROOT = Path(__file__).resolve().parents[3]
LAYER_BUNDLE = REPO_ROOT / ".build" / "layers" / "pg-driver" / "python" / "rds-ca-bundle.pem"


@pytest.fixture
def settings(database: Database, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The handlers' DB_* variables for the test database, as a function role the migrations made (IAM login stand-in)."""
    database.migrate()
    monkeypatch.setattr(platform_db, "credential_source", database.credentials)
    return database.env(next(iter(platform_migrations.FUNCTION_ROLE_GRANTS)))


def connect(env: dict[str, str]) -> object:
    """Whether the session the server sees is encrypted (pg_stat_ssl), over platform_db's connection."""
    connection = platform_db.connect(platform_db.DbSettings.from_env(env), application_name="tls-test", timeout_seconds=5)
    try:
        rows: object = connection.run("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        return rows
    finally:
        connection.close()


def test_connects_over_tls_when_the_certificate_chains_to_the_configured_ca_and_names_the_host(settings: dict[str, str]) -> None:
    assert connect(settings) == [[True]]


def test_refuses_a_server_whose_certificate_another_ca_signed(settings: dict[str, str], tmp_path: Path) -> None:
    other = create_certificate_authority(tmp_path, "other-ca")

    with pytest.raises(ssl.SSLCertVerificationError, match="unable to get local issuer certificate"):
        connect({**settings, "DB_SSL_ROOT_CERT": str(other.cert_file)})


def test_refuses_a_certificate_that_does_not_name_the_host_connected_to(settings: dict[str, str], postgres: PostgresServer) -> None:
    # localhost reaches the same server, but its certificate names IP:127.0.0.1 only.
    assert settings["DB_HOST"] == postgres.host == "127.0.0.1"

    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        connect({**settings, "DB_HOST": "localhost"})


def test_system_trust_store_verifies_too_and_does_not_know_a_private_ca(settings: dict[str, str]) -> None:
    # `system` is for RDS Proxy, whose ACM certificate chains to the Amazon Trust Services roots the
    # runtime trusts (https://docs.aws.amazon.com/prescriptive-guidance/latest/amazon-rds-proxy/best-practices.html);
    # it still verifies, so the test CA, which no trust store holds, is refused.
    with pytest.raises(ssl.SSLCertVerificationError):
        connect({**settings, "DB_SSL_ROOT_CERT": platform_db.SYSTEM_TRUST_STORE})


def test_every_context_requires_a_verified_certificate_and_host_name() -> None:
    for context in (platform_db.ssl_context(str(LAYER_BUNDLE)), platform_db.ssl_context(platform_db.SYSTEM_TRUST_STORE)):
        assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
        assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def test_the_layer_bundle_loads_as_certificate_authorities_only() -> None:
    pem_blocks = LAYER_BUNDLE.read_text().count("-----BEGIN CERTIFICATE-----")
    context = ssl.create_default_context(cafile=str(LAYER_BUNDLE))

    assert pem_blocks > 0
    assert context.cert_store_stats()["x509_ca"] == pem_blocks


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "missing database configuration: DB_SSL_ROOT_CERT"),
        ("/nonexistent/rds-ca-bundle.pem", "DB_SSL_ROOT_CERT '/nonexistent/rds-ca-bundle.pem' is not a file"),
    ],
)
def test_a_missing_or_wrong_ca_setting_is_a_configuration_error(settings: dict[str, str], value: str, message: str) -> None:
    with pytest.raises(platform_db.DatabaseConfigError, match=message):
        platform_db.DbSettings.from_env({**settings, "DB_SSL_ROOT_CERT": value})
