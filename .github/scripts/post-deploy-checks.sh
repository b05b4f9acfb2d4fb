#!/usr/bin/env bash
# Invokes the post-deploy test-runner function (its `live` alias) with the credentials of the job
# and fails unless the function ran without error and its report says "passed": true.
# Usage: post-deploy-checks.sh <function-name> [alias]
set -euo pipefail
function_name="${1:?usage: post-deploy-checks.sh <function-name> [alias]}"
alias_name="${2:-live}"
source "$(dirname "$0")/lambda-invoke.sh"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT

# The function's own timeout is 300 s; the CLI waits longer for the answer.
invoke_report "$function_name" "$report" 330 --function-name "$function_name" --qualifier "$alias_name" --payload '{}'

# Only names, results and details are printed: the report carries no secrets, and nothing else is echoed.
jq '{passed, checks: [(.checks // [])[] | {name, passed, detail}]}' "$report"
if ! jq -e '.passed == true' "$report" >/dev/null; then
  echo "::error::post-deploy checks of $function_name failed: $(jq -r '[(.checks // [])[] | select(.passed != true) | .name] | join(", ")' "$report")"
  exit 1
fi
echo "post-deploy checks of $function_name passed"
