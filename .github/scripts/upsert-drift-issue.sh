#!/usr/bin/env bash
# Keeps one open issue per drifted stack (`<account>` or `<account>-bootstrap`): opens it (label
# `drift`) or updates its body when the daily plan is not empty or failed, and closes it with a note
# once the stack matches again.
# Usage: upsert-drift-issue.sh <stack> <summary.md> <drift|clean|failed> <run-url>
#        (needs GH_TOKEN and GITHUB_REPOSITORY)
set -euo pipefail
stack="${1:?usage: upsert-drift-issue.sh <stack> <summary.md> <drift|clean|failed> <run-url>}"
body_file="${2:?summary file}"
status="${3:?drift, clean or failed}"
run_url="${4:?run url}"
marker="<!-- plan-summary:$stack -->"
if [ "$(head -n 1 "$body_file")" != "$marker" ]; then
  echo "$body_file is not the plan summary of $stack" >&2
  exit 1
fi

issue="$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues?state=open&labels=drift" \
  | jq -r --arg marker "$marker" '.[] | select(.pull_request == null and ((.body // "") | startswith($marker))) | .number' \
  | head -n 1)"

case "$status" in
  drift | failed)
    title="Drift detected in $stack"
    [ "$status" = failed ] && title="Drift check failed for $stack"
    if [ -n "$issue" ]; then
      gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/$issue" -f "title=$title" -F "body=@$body_file" --silent
      echo "updated issue #$issue for $stack"
    else
      gh label create drift --color D93F0B --description "Infrastructure differs from the configuration" --force >/dev/null
      gh api --method POST "repos/$GITHUB_REPOSITORY/issues" -f "title=$title" -F "body=@$body_file" -f "labels[]=drift" --silent
      echo "opened a drift issue for $stack"
    fi
    ;;
  clean)
    if [ -n "$issue" ]; then
      gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$issue/comments" -f "body=No drift in $stack any more: $run_url" --silent
      gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/$issue" -f state=closed -f state_reason=completed --silent
      echo "closed issue #$issue: $stack matches its configuration"
    else
      echo "no drift in $stack"
    fi
    ;;
  *)
    echo "status must be drift, clean or failed, not '$status'" >&2
    exit 1
    ;;
esac
