#!/usr/bin/env bash
# Refuses (exit 1, with the other run's link) an apply request while an older apply.yml run for the
# same account has not finished. GitHub keeps one pending run per concurrency group and cancels the
# one already waiting when another arrives, so a workflow-level group would drop a request
# silently; this check makes the newer request fail visibly instead and leaves the older one alone.
# https://docs.github.com/actions/writing-workflows/choosing-what-your-workflow-does/control-the-concurrency-of-workflows-and-jobs
# Runs are told apart by their run-name, "Apply <account> at <ref>" (apply.yml).
# Usage: refuse-pending-apply.sh <account>     (needs GH_TOKEN, GITHUB_REPOSITORY, GITHUB_RUN_ID)
set -euo pipefail
account="${1:?usage: refuse-pending-apply.sh <account>}"
: "${GITHUB_RUN_ID:?GITHUB_RUN_ID is not set}"
runs="$(gh api "repos/$GITHUB_REPOSITORY/actions/workflows/apply.yml/runs?per_page=100")"
older="$(jq -r --arg title "Apply $account at " --argjson me "$GITHUB_RUN_ID" \
  '[.workflow_runs[] | select(.status != "completed" and .id < $me and (.display_title | startswith($title)))] | sort_by(.id) | .[0].html_url // ""' <<<"$runs")"
if [ -n "$older" ]; then
  echo "::error::An apply of $account is already queued, waiting for approval or running: $older. This request is refused rather than silently replacing it; request again when that run has finished (or cancel it first)." >&2
  exit 1
fi
echo "no other apply of $account is pending"
