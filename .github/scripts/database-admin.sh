#!/usr/bin/env bash
# Runs database-admin's actions in order with the job's credentials, and fails at the first action
# whose function raised or whose report is not passed. Without actions it runs what every apply
# runs before the release: bootstrap, then migrate (catalogue/database-admin.ts deployActions;
# both idempotent, so a new or rebuilt database needs nothing by hand).
# Usage: database-admin.sh <function-name> [action...]
set -euo pipefail
function_name="${1:?usage: database-admin.sh <function-name> [action...]}"
shift
[ "$#" -gt 0 ] || set -- bootstrap migrate
source "$(dirname "$0")/lambda-invoke.sh"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT

for action in "$@"; do
  # The function's timeout is 120 s; the CLI waits longer for the answer.
  invoke_report "$function_name $action" "$report" 150 \
    --function-name "$function_name" --payload "$(jq -cn --arg action "$action" '{action: $action}')"
  # The report names the action, its result and a detail; it never holds a secret.
  jq -c '{action, passed, detail, message}' "$report"
  if ! jq -e '.passed == true' "$report" >/dev/null; then
    echo "::error::$function_name $action failed: $(jq -r '.detail // .message // "no report"' "$report")"
    exit 1
  fi
done
