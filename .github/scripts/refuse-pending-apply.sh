#!/usr/bin/env bash
# Refuses (exit 1, with the other run's link) an apply or rollback request for an account while an
# older apply.yml or rollback.yml run for the same account has not finished: an apply waiting up to
# the approval window for its reviewers holds apply-<account>, and GitHub keeps one pending job per
# concurrency group and cancels the one already waiting when another arrives, so a request queued
# behind it could vanish without a word. This check makes the newer request fail visibly instead,
# in both directions (a rollback behind a pending apply, an apply behind a pending rollback), and
# leaves the older one alone.
# https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/control-the-concurrency-of-workflows-and-jobs
# GET /repos/{owner}/{repo}/actions/workflows/{id}/runs: https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow
# Runs are told apart by their run-name: "Apply <account> at <ref>" (apply.yml) and
# "Rollback <account> [<function>] [<version>]" (rollback.yml).
# Usage: refuse-pending-apply.sh <account>     (needs GH_TOKEN, GITHUB_REPOSITORY, GITHUB_RUN_ID)
set -euo pipefail
account="${1:?usage: refuse-pending-apply.sh <account>}"
: "${GITHUB_RUN_ID:?GITHUB_RUN_ID is not set}"
if [[ ! "$account" =~ ^[a-z][a-z0-9-]*$ ]]; then
  echo "::error::refuse-pending-apply.sh needs an account name." >&2
  exit 1
fi
pending='[]'
for workflow in apply.yml rollback.yml; do
  runs="$(gh api "repos/$GITHUB_REPOSITORY/actions/workflows/$workflow/runs?per_page=100")"
  pending="$(jq -c --argjson pending "$pending" --arg account "$account" --argjson me "$GITHUB_RUN_ID" '
    $pending + [.workflow_runs[]
      | select(.status != "completed" and .id < $me)
      | select((.display_title | startswith("Apply \($account) at ")) or .display_title == "Rollback \($account)" or (.display_title | startswith("Rollback \($account) ")))
      | {id, html_url, display_title, status}]' <<<"$runs")"
done
older="$(jq -r 'sort_by(.id) | .[0] // empty | "\(.display_title) (\(.status)): \(.html_url)"' <<<"$pending")"
if [ -n "$older" ]; then
  echo "::error::Another apply or rollback of $account is queued, waiting for approval or running: $older. This request is refused rather than silently replacing it or being replaced; request again when that run has finished (or cancel it first)." >&2
  exit 1
fi
echo "no other apply or rollback of $account is pending"
