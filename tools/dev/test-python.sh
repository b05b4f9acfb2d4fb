#!/usr/bin/env bash
# Runs the Lambda handlers' pytest suite with the project's virtualenv.
set -euo pipefail
for arg in "$@"; do
  case "$arg" in
    --help | -h)
      echo "Usage: npm run test:python [-- <pytest arguments or test paths>]   (the handlers' pytest suite in .venv; .venv/bin/python -m pytest --help lists pytest's options)"
      exit 0
      ;;
  esac
done
cd "$(dirname "$0")/../.."
if [ ! -x .venv/bin/python ]; then
  echo "No Python virtualenv at .venv: run 'npm run setup:python' (tools/dev/setup-python.sh) first." >&2
  exit 1
fi
exec .venv/bin/python -m pytest "$@"
