# Sourced by database-admin.sh and post-deploy-checks.sh: one synchronous `aws lambda invoke` whose
# JSON report lands in a file, and the one way a raised function error stops the job.
# A function that raised answers 200 with a FunctionError field, and its report holds errorType and
# errorMessage (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_ResponseSyntax).

# invoke_report <label> <report-file> <read-timeout-seconds> <aws lambda invoke arguments...>
# The read timeout must exceed the function's own timeout, or the CLI cuts a slow run and retries it.
invoke_report() {
  local label="$1" report="$2" read_timeout="$3" response
  shift 3
  response="$(aws lambda invoke "$@" --cli-binary-format raw-in-base64-out --cli-read-timeout "$read_timeout" "$report")"
  if jq -e 'has("FunctionError")' <<<"$response" >/dev/null; then
    echo "::error::$label raised an error: $(jq -c '{errorType, errorMessage}' "$report")"
    exit 1
  fi
}
