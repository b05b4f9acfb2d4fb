#!/usr/bin/env bash
# Cancels every apply.yml run still waiting for its reviewers after the approval window: its saved
# plan (kept exactly that long) is gone or stale, and while it waits it holds apply-<account>, so
# every later apply or rollback request of the account is refused (refuse-pending-apply.sh). Run
# daily by the drift check. Prints each cancelled run; cancels nothing younger than the window.
# GET /repos/{owner}/{repo}/actions/workflows/{id}/runs?status=waiting and
# POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel:
#   https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow
#   https://docs.github.com/rest/actions/workflow-runs#cancel-a-workflow-run
# Usage: cancel-stale-applies.sh <approval-window-days>     (needs GH_TOKEN and GITHUB_REPOSITORY)
set -euo pipefail
days="${1:?usage: cancel-stale-applies.sh <approval-window-days>}"
if [[ ! "$days" =~ ^[1-9][0-9]*$ ]]; then
  echo "::error::cancel-stale-applies.sh needs the approval window in whole days, not '$days'." >&2
  exit 1
fi
stale="$(gh api "repos/$GITHUB_REPOSITORY/actions/workflows/apply.yml/runs?status=waiting&per_page=100" \
  | jq -r --argjson days "$days" '.workflow_runs[]
      | select(.status == "waiting" and (now - (.created_at | fromdateiso8601)) >= $days * 86400)
      | "\(.id) \(.display_title)"')"
if [ -z "$stale" ]; then
  echo "no apply has waited longer than the approval window ($days days)"
  exit 0
fi
while read -r id title; do
  gh api --method POST "repos/$GITHUB_REPOSITORY/actions/runs/$id/cancel" --silent
  echo "::warning::Cancelled run $id ($title): it waited for approval longer than the approval window ($days days); request the apply again."
done <<<"$stale"
