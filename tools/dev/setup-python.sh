#!/usr/bin/env bash
# Creates .venv with the pinned Python test tooling (requirements-dev.txt).
# PIP_RETRIES defaults to 0: on machines with only a local index, pip's retries against the
# unreachable default index turn a one-second install into minutes. CI with internet may raise it.
set -euo pipefail
for arg in "$@"; do
  case "$arg" in
    --help | -h)
      echo "Usage: npm run setup:python   (no arguments: creates .venv with the pinned Python tooling of requirements-dev.txt; PYTHON picks the interpreter, PIP_RETRIES pip's retries)"
      exit 0
      ;;
  esac
done
cd "$(dirname "$0")/../.."
python="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
PIP_RETRIES="${PIP_RETRIES:-0}" .venv/bin/python -m pip install --quiet --require-hashes --only-binary=:all: -r requirements-dev.txt
