#!/usr/bin/env bash
# Requests this job's GitHub OIDC token for the STS audience, prints the claims a trust policy can
# see (sub, job_workflow_ref, repository and owner with their ids, ref, environment, event) and
# writes sub=<sub> to $GITHUB_OUTPUT. The token itself is masked and never printed; nothing here
# talks to AWS. The job needs `permissions: id-token: write`, which sets the two request variables:
# https://docs.github.com/actions/reference/security/oidc#methods-for-requesting-the-oidc-token
# Usage: print-oidc-claims.sh
set -euo pipefail
if [ -z "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" ] || [ -z "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" ]; then
  echo "::error::GitHub gave this job no OIDC token (the job needs permissions: id-token: write; fork and Dependabot runs may get none)." >&2
  exit 1
fi
token="$(curl --silent --show-error --fail \
  --header "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" \
  "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com" | jq -r .value)"
echo "::add-mask::$token"
payload="$(cut -d . -f 2 <<<"$token" | tr -- '-_' '+/')"
# base64url drops the padding; base64 -d needs it back.
while [ $((${#payload} % 4)) -ne 0 ]; do payload="$payload="; done
claims="$(base64 -d <<<"$payload")"
jq '{sub, job_workflow_ref, repository, repository_id, repository_owner, repository_owner_id, ref, environment, event_name}' <<<"$claims"
echo "sub=$(jq -r .sub <<<"$claims")" >> "${GITHUB_OUTPUT:-/dev/stdout}"
