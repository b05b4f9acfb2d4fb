"""One-time database bootstrap: the master user creates the migration role; nothing else ever logs in as master.

Run it once per new database (and again after a restore from another account's snapshot), from a
machine that reaches the instance endpoint on 5432 with an operator's AWS credentials of the
account (`npm run db:bootstrap -- --help`). It reads the RDS-managed master secret, connects to the
instance itself (never the proxy) with verified TLS, and runs platform_migrations.bootstrap_statements:

- at an instance without a proxy, the migration role logs in with IAM tokens (rds_iam);
- behind RDS Proxy it logs in with the password in its proxy secret (<instance>/db-users/<role>):
  this command generates that password if the secret has none, stores it there and sets it.

Idempotent. Everything after this (the functions' roles, their privileges and logins, the schema)
is done by the migrations, which lambda-test-runner runs after every deploy.
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import boto3
import pg8000.native

import platform_migrations

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CA_BUNDLE = REPO_ROOT / ".build" / "layers" / "pg-driver" / "python" / "rds-ca-bundle.pem"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="npm run db:bootstrap --", description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="ppu-postgres", help="RDS instance identifier (default: ppu-postgres)")
    parser.add_argument("--region", help="AWS region (default: the SDK's, e.g. AWS_REGION)")
    parser.add_argument("--host", help="address to connect to (default: the instance endpoint, which its certificate names)")
    parser.add_argument("--port", type=int, help="port (default: the instance's)")
    parser.add_argument("--database", help="database name (default: the instance's DBName)")
    parser.add_argument("--master-secret-arn", help="the RDS-managed master secret (default: the instance's MasterUserSecret)")
    parser.add_argument("--migrator-secret", help="the migration role's proxy secret; default: <instance>/db-users/<role> if it exists")
    parser.add_argument(
        "--ca-bundle", default=str(DEFAULT_CA_BUNDLE), help="CA bundle the server certificate must chain to (default: the layer's)"
    )
    return parser.parse_args(argv)


def instance_facts(rds: Any, identifier: str) -> dict[str, Any]:
    instances = rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"]
    instance: dict[str, Any] = instances[0]
    return instance


def migrator_secret(secretsmanager: Any, args: argparse.Namespace) -> str | None:
    """The migration role's proxy secret, or None where there is no proxy (the role then logs in with IAM tokens)."""
    secret_id = args.migrator_secret or f"{args.instance}/db-users/{platform_migrations.MIGRATION_ROLE}"
    try:
        arn: str = secretsmanager.describe_secret(SecretId=secret_id)["ARN"]
    except secretsmanager.exceptions.ResourceNotFoundException:
        if args.migrator_secret:
            raise SystemExit(f"db:bootstrap: --migrator-secret {args.migrator_secret} does not exist") from None
        return None
    return arn


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    secretsmanager = session.client("secretsmanager")
    host, port, database, master_secret_arn = args.host, args.port, args.database, args.master_secret_arn
    if not (host and port and database and master_secret_arn):
        instance = instance_facts(session.client("rds"), args.instance)
        host = host or instance["Endpoint"]["Address"]
        port = port or instance["Endpoint"]["Port"]
        database = database or instance["DBName"]
        master_secret_arn = master_secret_arn or instance["MasterUserSecret"]["SecretArn"]
    if not Path(args.ca_bundle).is_file():
        raise SystemExit(f"db:bootstrap: CA bundle {args.ca_bundle} not found; run `npm run build`, which writes it into the layer")
    master = json.loads(secretsmanager.get_secret_value(SecretId=master_secret_arn)["SecretString"])

    proxy_secret = migrator_secret(secretsmanager, args)
    if proxy_secret is None:
        statements = platform_migrations.bootstrap_statements("rds_iam")
    else:
        password = platform_migrations.secret_passwords({platform_migrations.MIGRATION_ROLE: proxy_secret}, secretsmanager)(
            platform_migrations.MIGRATION_ROLE
        )
        statements = platform_migrations.bootstrap_statements("password", password)

    context = ssl.create_default_context(cafile=args.ca_bundle)
    with closing(
        pg8000.native.Connection(
            master["username"], password=master["password"], host=host, port=port, database=database, ssl_context=context, timeout=15
        )
    ) as connection:
        for statement in statements:
            connection.run(statement)
    login = "IAM tokens (rds_iam)" if proxy_secret is None else f"the password in {proxy_secret} (through RDS Proxy)"
    print(f"db:bootstrap: {platform_migrations.MIGRATION_ROLE} is ready on {host}/{database}, logging in with {login}")
    print("db:bootstrap: now invoke lambda-test-runner (or re-run the deploy): its migrations create the functions' roles")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
