#!/usr/bin/env bash
# Creates or updates the pull-request comment carrying one stack's plan summary. The summary's
# first line is a hidden marker (<!-- plan-summary:<stack> -->): the bot's comment starting with
# it is edited in place, so each stack has exactly one comment per pull request.
# Usage: upsert-pr-comment.sh <pr-number> <summary.md>     (needs GH_TOKEN and GITHUB_REPOSITORY)
set -euo pipefail
pr="${1:?usage: upsert-pr-comment.sh <pr-number> <summary.md>}"
body_file="${2:?usage: upsert-pr-comment.sh <pr-number> <summary.md>}"
marker="$(head -n 1 "$body_file")"
if [[ ! "$marker" =~ ^\<!--\ plan-summary:[a-z0-9-]+\ --\>$ ]]; then
  echo "$body_file does not start with a plan-summary marker (write it with tools/ci/plan-summary.ts)" >&2
  exit 1
fi

comment_id="$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$pr/comments" \
  | jq -r --arg marker "$marker" '.[] | select(.user.login == "github-actions[bot]" and (.body | startswith($marker))) | .id' \
  | head -n 1)"

if [ -n "$comment_id" ]; then
  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$comment_id" -F "body=@$body_file" --silent
  echo "updated comment $comment_id on #$pr"
else
  gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$pr/comments" -F "body=@$body_file" --silent
  echo "created a comment on #$pr"
fi
