#!/usr/bin/env bash
# Invokes the post-deploy test-runner function (its `live` alias) with the credentials of the job
# and fails unless the function ran without error and its report says "passed": true.
# Usage: post-deploy-checks.sh <function-name> [alias]
set -euo pipefail
function_name="${1:?usage: post-deploy-checks.sh <function-name> [alias]}"
alias_name="${2:-live}"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT

# The function's own timeout is 300 s; the CLI must wait at least that long for the answer.
response="$(aws lambda invoke \
  --function-name "$function_name" \
  --qualifier "$alias_name" \
  --payload '{}' \
  --cli-binary-format raw-in-base64-out \
  --cli-read-timeout 330 \
  "$report")"

if jq -e 'has("FunctionError")' <<<"$response" >/dev/null; then
  echo "::error::$function_name raised an error: $(jq -c '{errorType, errorMessage}' "$report")"
  exit 1
fi
# Only names, results and details are printed: the report carries no secrets, and nothing else is echoed.
jq '{passed, checks: [(.checks // [])[] | {name, passed, detail}]}' "$report"
if ! jq -e '.passed == true' "$report" >/dev/null; then
  echo "::error::post-deploy checks of $function_name failed: $(jq -r '[(.checks // [])[] | select(.passed != true) | .name] | join(", ")' "$report")"
  exit 1
fi
echo "post-deploy checks of $function_name passed"
