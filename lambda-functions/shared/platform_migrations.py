"""The PostgreSQL schema of the platform: its migrations and the one function that applies them.

insert-ppu-data applies pending migrations when it opens a connection, and lambda-test-runner
applies them after every deploy before checking the schema, so a fresh account is migrated even
before the first record arrives. Both package this module (catalogue sharedModules), so the
schema version they expect is the one this list defines, never a number typed elsewhere.
"""

from __future__ import annotations

import contextlib

import pg8000.native
from pg8000.exceptions import DatabaseError, InterfaceError

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


def migrate(connection: pg8000.native.Connection) -> list[int]:
    """Applies pending MIGRATIONS in one transaction; returns the versions it applied (in order)."""
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
        connection.run("COMMIT")
    except BaseException:
        # A broken connection cannot roll back; the server discards the transaction anyway.
        with contextlib.suppress(InterfaceError, DatabaseError, OSError):
            connection.run("ROLLBACK")
        raise
    return [version for version, _ in pending]
