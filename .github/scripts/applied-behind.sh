#!/usr/bin/env bash
# Where an account stands against main, for its plan comment: writes applied=<sha> and
# behind=<n> (commits of main not yet applied to it) to $GITHUB_OUTPUT, or nothing when the account
# has no recorded apply (last-applied.sh). An account applied after approval (staging) can be many
# merges behind, and a pull request's plan of it then shows their changes too.
# GET /repos/{owner}/{repo}/compare/{base}...{head} (ahead_by: commits of head not in base):
#   https://docs.github.com/rest/commits/commits#compare-two-commits
# Usage: applied-behind.sh <account> <main-sha>     (needs GH_TOKEN and GITHUB_REPOSITORY)
set -euo pipefail
account="${1:?usage: applied-behind.sh <account> <main-sha>}"
main_sha="${2:?usage: applied-behind.sh <account> <main-sha>}"
output="${GITHUB_OUTPUT:-/dev/stdout}"
if [[ ! "$main_sha" =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::applied-behind.sh needs the full SHA of main's commit." >&2
  exit 1
fi
applied="$("$(dirname "$0")/last-applied.sh" "$account")"
if [ -z "$applied" ]; then
  echo "$account has no recorded apply: its plan comment says nothing about it"
  exit 0
fi
behind="$(gh api "repos/$GITHUB_REPOSITORY/compare/$applied...$main_sha" --jq .ahead_by)"
if [[ ! "$behind" =~ ^[0-9]+$ ]]; then
  echo "::error::GitHub did not compare $applied with $main_sha." >&2
  exit 1
fi
echo "$account was last applied at $applied, $behind commit(s) of main behind"
{
  echo "applied=$applied"
  echo "behind=$behind"
} >> "$output"
