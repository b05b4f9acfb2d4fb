"""Post-deploy checks: database reachable and migrated, bucket, table and queue reachable.

CI invokes this after a deploy, and the post-traffic hook of every release, and each fails unless
the report says "passed": true. Every check runs even when another fails, so one report shows
everything that is wrong. Every check only reads: the database ones log in as this function's own
role, which may read schema_migrations and nothing else. Migrations and the functions' roles are
the database-admin function's (lambda-functions/database-admin), which the workflows run before
the release; this function can neither migrate nor change a role or a password.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pg8000.native

import platform_db
import platform_migrations
from platform_log import bind_invocation, get_logger

CONNECT_TIMEOUT_SECONDS = 10
CHECK_NAMES = ("database-reachable", "database-migrated", "bucket-reachable", "table-reachable", "queue-reachable")


log = get_logger("lambda-test-runner")


class BadEvent(Exception):
    pass


class CheckFailed(Exception):
    pass


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str
    duration_ms: int


def parse_event(event: Any) -> tuple[str, ...]:
    """{} runs every check; {"checks": [...]} runs the named subset."""
    if event is None:
        return CHECK_NAMES
    if not isinstance(event, dict):
        raise BadEvent('expected an object: {} or {"checks": [...]}')
    unexpected = sorted(set(event) - {"checks"})
    if unexpected:
        raise BadEvent(f"unexpected field(s): {', '.join(unexpected)}")
    names = event.get("checks", list(CHECK_NAMES))
    if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
        raise BadEvent("checks must be a non-empty array of check names")
    unknown = sorted(set(names) - set(CHECK_NAMES))
    if unknown:
        raise BadEvent(f"unknown check(s): {', '.join(unknown)}; known: {', '.join(CHECK_NAMES)}")
    return tuple(name for name in CHECK_NAMES if name in names)


def connect(env: dict[str, str]) -> pg8000.native.Connection:
    """A fresh connection per run, as DB_USER (this function's own read-only role)."""
    try:
        settings = platform_db.DbSettings.from_env(env)
    except platform_db.DatabaseConfigError as exc:
        # A configuration problem is the check's finding, reported as-is.
        raise CheckFailed(str(exc)) from None
    return platform_db.connect(settings, application_name="lambda-test-runner", timeout_seconds=CONNECT_TIMEOUT_SECONDS)


class Checks:
    """The checks of one run, sharing the run's database connection and configuration."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = env
        self._connection: pg8000.native.Connection | None = None
        self._connect_error: str | None = None

    def _setting(self, name: str) -> str:
        value = self._env.get(name, "")
        if not value:
            raise CheckFailed(f"{name} is not set")
        return value

    def _database(self) -> pg8000.native.Connection:
        if self._connection is None:
            if self._connect_error is not None:
                raise CheckFailed(f"database unreachable: {self._connect_error}")
            try:
                self._connection = connect(self._env)
            except Exception as exc:
                self._connect_error = f"{type(exc).__name__}: {exc}"
                raise
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                log.warning("could not close the database connection", exc_info=True)

    def database_reachable(self) -> str:
        ((version,),) = self._database().run("SELECT current_setting('server_version')")
        return f"connected; PostgreSQL {version}"

    def database_migrated(self) -> str:
        # Only looks: a missing migration is database-admin's to apply (its migrate action), never this function's.
        recorded = {row[0] for row in self._database().run("SELECT version FROM schema_migrations")}
        missing = sorted({version for version, _ in platform_migrations.MIGRATIONS} - recorded)
        if missing:
            raise CheckFailed(
                f"migration(s) {', '.join(map(str, missing))} not recorded in schema_migrations; "
                'run database-admin with {"action": "migrate"} (the deploy does before the release)'
            )
        return f"schema version {max(recorded)} (this code needs {platform_migrations.schema_version()})"

    def bucket_reachable(self) -> str:
        bucket = self._setting("BUCKET_NAME")
        boto3.client("s3").head_bucket(Bucket=bucket)
        return f"bucket {bucket} reachable"

    def table_reachable(self) -> str:
        table = self._setting("TABLE_NAME")
        status = boto3.client("dynamodb").describe_table(TableName=table)["Table"]["TableStatus"]
        if status != "ACTIVE":
            raise CheckFailed(f"table {table} is {status}, not ACTIVE")
        return f"table {table} is ACTIVE"

    def queue_reachable(self) -> str:
        queue_url = self._setting("QUEUE_URL")
        attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
        return f"queue {attributes['QueueArn']} reachable"

    def run(self, name: str) -> CheckResult:
        check: Callable[[], str] = getattr(self, name.replace("-", "_"))
        started = time.monotonic()
        try:
            detail, passed = check(), True
        except CheckFailed as exc:
            detail, passed = str(exc), False
        except Exception as exc:  # a failing check is a result, never a crash: the others still run
            detail, passed = f"{type(exc).__name__}: {exc}", False
        return CheckResult(name, passed, detail, round((time.monotonic() - started) * 1000))


def run_checks(names: tuple[str, ...], env: dict[str, str]) -> dict[str, Any]:
    checks = Checks(env)
    try:
        results = [checks.run(name) for name in names]
    finally:
        checks.close()
    return {
        "passed": all(result.passed for result in results),
        "checks": [{"name": r.name, "passed": r.passed, "detail": r.detail, "durationMilliseconds": r.duration_ms} for r in results],
    }


def handler(event: Any, context: Any) -> dict[str, Any]:
    bind_invocation(context)
    try:
        names = parse_event(event)
    except BadEvent as exc:
        log.error("rejected invocation", extra={"fields": {"reason": str(exc)}})
        return {"statusCode": 400, "passed": False, "message": str(exc)}
    report = run_checks(names, dict(os.environ))
    for check in report["checks"]:
        log.log(logging.INFO if check["passed"] else logging.ERROR, "check", extra={"fields": check})
    log.info("post-deploy checks", extra={"fields": {"passed": report["passed"]}})
    return report
