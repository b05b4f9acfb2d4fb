#!/usr/bin/env bash
# `npm test`: the whole suite. jest (configuration, constructs, stacks, real terraform validate
# and offline plan, CI workflows, rules) and then pytest (handlers against real local servers).
# Arguments go to jest, e.g. `npm test -- __tests__/environments`.
set -euo pipefail
cd "$(dirname "$0")/.."
# GitHub runners reach the registry: the setup action sets TF_PROVIDER_MIRROR_SEARCH=off.
if [ -z "${TF_PROVIDER_MIRROR:-}" ] && [ "${TF_PROVIDER_MIRROR_SEARCH:-on}" != off ]; then
  TF_PROVIDER_MIRROR=$(node --import tsx scripts/lib/provider-mirror.ts)
  [ -n "$TF_PROVIDER_MIRROR" ] && export TF_PROVIDER_MIRROR || unset TF_PROVIDER_MIRROR
fi
bash scripts/setup-python.sh

# One temp folder per run: TMPDIR for jest, pytest and everything they start (os.tmpdir(), Python's
# tempfile, Terraform, the stand-in servers). It must be empty when the run ends, or the run fails
# naming what was left; it is removed either way. Each jest file also gets (and must empty) its
# own folder inside it (__tests__/helpers/scratch-environment.js).
parent_tmp="${TMPDIR:-/tmp}"
run_tmp=$(mktemp -d "${parent_tmp%/}/infra-test-run.XXXXXX")
trap 'rm -rf "$run_tmp"' EXIT
# As root, PostgreSQL runs as an unprivileged user (lambda-functions/testing/servers.py): it must
# be able to reach its data folder inside this one.
chmod 711 "$run_tmp"
# Caches meant to outlive runs stay where they are: tsx's transform cache is <tmpdir>/tsx-<uid>.
tsx_cache="tsx-$(id -u)"
mkdir -p "${parent_tmp%/}/$tsx_cache"
ln -s "${parent_tmp%/}/$tsx_cache" "$run_tmp/$tsx_cache"
# pytest keeps an (emptied) per-user root for tmp_path; it must hold nothing after the session.
pytest_root="pytest-of-$(id -un)"
export TMPDIR="$run_tmp"

if [ $# -eq 0 ]; then
  # The whole suite: coverage per file, line and branch, with thresholds (jest.config.js, pyproject.toml).
  npx jest --coverage
  bash scripts/test-python.sh --cov --cov-report=term
else
  npx jest "$@"
fi

leftovers=$(cd "$run_tmp" && { find . -mindepth 1 -maxdepth 1 ! -name "$tsx_cache" ! -name "$pytest_root"; [ ! -d "$pytest_root" ] || find "$pytest_root" -mindepth 1 -maxdepth 1; } | sed 's|^\./||')
if [ -n "$leftovers" ]; then
  printf 'The tests left these in the temp folder (remove every temp file, folder and process a test creates):\n%s\n' "$leftovers" >&2
  exit 1
fi
