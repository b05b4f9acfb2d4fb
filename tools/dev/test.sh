#!/usr/bin/env bash
# `npm test`: the quick loop, run often. jest (configuration, constructs, stacks, IAM simulation,
# CI workflows, rules, scripts against local stand-ins) and pytest (handlers against real local
# servers) side by side; the slow tier and coverage are left out.
# `npm run test:all` (--all): the whole suite, as CI runs it: the quick loop plus the slow tier
# (files named *.slow.test.ts: the offline Terraform plan of every stack and the other real plans,
# build determinism across two clones, the scaffolding acceptance test on a copy of the
# repository, and the account-life scenario), with line and branch coverage
# per file and its thresholds.
# Other arguments go to jest alone, e.g. `npm test -- __tests__/environments` (any file named,
# slow or not, runs).
set -euo pipefail
# INFRA_TEST_JEST and INFRA_TEST_PYTEST replace the two runners (npx jest, tools/dev/test-python.sh):
# the test of this script (__tests__/quality/test-runner-output.test.ts) runs stand-ins.
for arg in "$@"; do
  case "$arg" in
    --help | -h)
      echo "Usage: npm test [-- <jest arguments or test files>]   (the quick loop: jest and pytest side by side; arguments go to jest alone, npx jest --help lists them)"
      echo "Usage: npm run test:all   (the whole suite as CI runs it: the quick loop plus the slow tier, with coverage)"
      exit 0
      ;;
  esac
done
cd "$(dirname "$0")/../.."
tier=quick
if [ "${1:-}" = --all ]; then
  tier=all
  shift
fi
# GitHub runners reach the registry: the setup action sets TF_PROVIDER_MIRROR_SEARCH=off.
if [ -z "${TF_PROVIDER_MIRROR:-}" ] && [ "${TF_PROVIDER_MIRROR_SEARCH:-on}" != off ]; then
  TF_PROVIDER_MIRROR=$(node --import tsx tools/lib/provider-mirror.ts)
  [ -n "$TF_PROVIDER_MIRROR" ] && export TF_PROVIDER_MIRROR || unset TF_PROVIDER_MIRROR
fi
bash tools/dev/setup-python.sh

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
# So is Node's module compile cache, <tmpdir>/node-compile-cache, where tools that call
# module.enableCompileCache() without a folder (tsc, ESLint's worker) keep it on Node 22.
compile_cache=node-compile-cache
for cache in "$tsx_cache" "$compile_cache"; do
  mkdir -p "${parent_tmp%/}/$cache"
  ln -s "${parent_tmp%/}/$cache" "$run_tmp/$cache"
done
# pytest keeps an (emptied) per-user root for tmp_path; it must hold nothing after the session.
pytest_root="pytest-of-$(id -un)"
export TMPDIR="$run_tmp"

if [ $# -eq 0 ]; then
  if [ "$tier" = all ]; then
    # Coverage per file, line and branch, with the thresholds (jest.config.js, pyproject.toml).
    jest_args=(--coverage)
    pytest_args=(--cov --cov-report=term)
  else
    # No coverage in the quick loop: V8's coverage about doubles jest's CPU time (measured
    # 2026-11-30: 186 s -> 376 s for the quick tier), which alone would break its 90 s budget.
    jest_args=(--testPathIgnorePatterns '\.slow\.test\.ts$')
    pytest_args=()
  fi
  # pytest mostly waits on the servers it starts: it runs beside jest, and its lines show as they
  # come, each prefixed "pytest | " (unbuffered, so a slow file is seen while jest still runs).
  # Its closing line ("N passed in ...") is repeated as the run's last line, after jest's summary.
  pytest_log="$run_tmp/pytest.log"
  pytest_status_file="$run_tmp/pytest.status"
  {
    status=0
    PYTHONUNBUFFERED=1 ${INFRA_TEST_PYTEST:-bash tools/dev/test-python.sh} "${pytest_args[@]}" 2>&1 || status=$?
    echo "$status" >"$pytest_status_file"
  } | tee "$pytest_log" | sed -u 's/^/pytest | /' &
  pytest_pid=$!
  jest_status=0
  ${INFRA_TEST_JEST:-npx jest} "${jest_args[@]}" || jest_status=$?
  wait "$pytest_pid"
  pytest_status=$(cat "$pytest_status_file")
  echo "pytest: $(tail -n 1 "$pytest_log")"
  rm -f "$pytest_log" "$pytest_status_file"
  [ "$jest_status" -eq 0 ] || { echo "jest failed (exit $jest_status)" >&2; exit "$jest_status"; }
  [ "$pytest_status" -eq 0 ] || { echo "pytest failed (exit $pytest_status)" >&2; exit "$pytest_status"; }
else
  npx jest "$@"
fi

leftovers=$(cd "$run_tmp" && { find . -mindepth 1 -maxdepth 1 ! -name "$tsx_cache" ! -name "$compile_cache" ! -name "$pytest_root"; [ ! -d "$pytest_root" ] || find "$pytest_root" -mindepth 1 -maxdepth 1; } | sed 's|^\./||')
if [ -n "$leftovers" ]; then
  printf 'The tests left these in the temp folder (remove every temp file, folder and process a test creates):\n%s\n' "$leftovers" >&2
  exit 1
fi
