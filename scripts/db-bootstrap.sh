#!/usr/bin/env bash
# `npm run db:bootstrap -- [options]`: builds the pg-driver layer (the driver and the RDS CA bundle
# scripts/db_bootstrap.py uses), then runs the one-time database bootstrap with it.
set -euo pipefail
for arg in "$@"; do
  case "$arg" in
    --help | -h)
      # The options are db_bootstrap.py's (parse_args); its own --help needs the built driver.
      echo "Usage: npm run db:bootstrap -- [--instance <id>] [--region <region>] [--host <address>] [--port <n>] [--database <name>] [--master-secret-arn <arn>] [--migrator-secret <name>] [--ca-bundle <file>]   (one-time, as an administrator of the account: creates the migration role; see scripts/db_bootstrap.py)"
      exit 0
      ;;
  esac
done
cd "$(dirname "$0")/.."
npx tsx scripts/build-artifacts.ts
PYTHONPATH=.build/layers/pg-driver/python:lambda-functions/shared exec .venv/bin/python scripts/db_bootstrap.py "$@"
