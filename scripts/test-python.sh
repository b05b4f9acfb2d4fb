#!/usr/bin/env bash
# Runs the Lambda handlers' pytest suite with the project's virtualenv.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "No Python virtualenv at .venv: run 'npm run setup:python' (scripts/setup-python.sh) first." >&2
  exit 1
fi
exec .venv/bin/python -m pytest "$@"
