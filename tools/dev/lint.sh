#!/usr/bin/env bash
# `npm run lint`: ESLint over the repository, then the Python gates (tools/dev/lint-python.sh).
set -euo pipefail
for arg in "$@"; do
  case "$arg" in
    --help | -h)
      echo "Usage: npm run lint   (no arguments: ESLint over the repository, then ruff, ruff format --check and mypy --strict over lambda-functions/)"
      exit 0
      ;;
  esac
done
cd "$(dirname "$0")/../.."
npx eslint .
bash tools/dev/lint-python.sh
