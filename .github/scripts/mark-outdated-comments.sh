#!/usr/bin/env bash
# Marks the bot's plan comments of accounts the pull request's latest commit no longer affects as
# outdated: the comment stays (reviewers may want it) but says which commit superseded it and keeps
# the old plan folded away. A stack planned again later gets its comment replaced by
# upsert-pr-comment.sh, which finds it by the same first-line marker.
# Usage: mark-outdated-comments.sh <pr-number> <head-sha> <targets.json>
#        (targets.json: the plan matrix, [{account: ...}], one comment per account grouped by unit;
#        needs GH_TOKEN and GITHUB_REPOSITORY)
set -euo pipefail
pr="${1:?usage: mark-outdated-comments.sh <pr-number> <head-sha> <targets.json>}"
head_sha="${2:?head sha}"
targets="${3:?targets file}"
# The plan matrix comes out of a job that ran the pull request's code: account names only, or nothing.
current="$(jq -c '[.[].account] | if all(type == "string" and test("^[a-z][a-z0-9-]*$")) then . else error("not a list of account names") end' "$targets")" || {
  echo "::error::$targets is not a plan matrix of account names; no comment was marked outdated." >&2
  exit 1
}
body_file="$(mktemp)"
trap 'rm -f "$body_file"' EXIT

gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$pr/comments" \
  | jq -c --argjson current "$current" '.[]
      | select(.user.login == "github-actions[bot]")
      | (.body | capture("^<!-- plan-summary:(?<stack>[a-z0-9-]+) -->") // null) as $m
      | select($m != null and ($current | index($m.stack) | not))
      | select(.body | contains("<!-- outdated -->") | not)
      | {id, stack: $m.stack, body}' \
  | while IFS= read -r comment; do
      id="$(jq -r .id <<<"$comment")"
      stack="$(jq -r .stack <<<"$comment")"
      jq -r --arg sha "$head_sha" '.stack as $s | (.body | split("\n")) as $lines
        | [$lines[0], "<!-- outdated -->",
           "> **Outdated:** commit `\($sha)` no longer changes anything `\($s)` is built from, so this account was not planned again. The plan below is of an earlier commit.",
           "", "<details><summary>Earlier plan</summary>", "", ($lines[1:] | join("\n")), "", "</details>"] | join("\n")' <<<"$comment" > "$body_file"
      gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -F "body=@$body_file" --silent
      echo "marked the plan comment of $stack as outdated"
    done
