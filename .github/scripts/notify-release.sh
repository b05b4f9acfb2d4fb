#!/usr/bin/env bash
# Tells GitHub what a deploy released: a deployment of the account's environment (named after the
# account, task release) at the commit with a status of the release's result, so the repository
# shows what is live where (a success status makes the environment's earlier deployments inactive);
# then a comment on each merged pull request of the commit naming the account, the commit and the
# result. The terraform/<account> records of record-applied.sh (read by the drift check) are a
# separate environment and task, untouched here.
# The deployment and its status: deployment.sh (sources cited there).
# GET /repos/{owner}/{repo}/commits/{sha}/pulls (merged_at is set once merged):
#   https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit
# POST /repos/{owner}/{repo}/issues/{number}/comments (a pull request's conversation is its issue's):
#   https://docs.github.com/rest/guides/working-with-comments
# Usage: notify-release.sh <account> <sha> <success|failure> <run-url>   (needs GH_TOKEN and GITHUB_REPOSITORY)
set -euo pipefail
usage="usage: notify-release.sh <account> <sha> <success|failure> <run-url>"
account="${1:?$usage}"
sha="${2:?$usage}"
result="${3:?$usage}"
run_url="${4:?$usage}"
source "$(dirname "$0")/deployment.sh"
require_account_and_sha notify-release.sh "$account" "$sha"
case "$result" in
  success) summary="released" ;;
  failure) summary="release failed" ;;
  *)
    echo "::error::notify-release.sh: the release result must be success or failure, not '$result'." >&2
    exit 1
    ;;
esac

deployment="$(create_deployment "$sha" "$account" release "release of $account" "$result" "$run_url" "$summary")"
echo "deployment $deployment of $account at $sha: $result"

pulls="$(gh api "repos/$GITHUB_REPOSITORY/commits/$sha/pulls" --jq '.[] | select(.merged_at != null) | .number')"
if [ -z "$pulls" ]; then
  echo "no merged pull request has commit $sha: no comment"
  exit 0
fi
if [ "$result" = success ]; then outcome="the release succeeded"; else outcome="the release **failed** (the run names each function CodeDeploy rolled back and why)"; fi
body="$(printf 'Deployed to **%s** at commit %s: %s. [Run](%s)' "$account" "$sha" "$outcome" "$run_url")"
for number in $pulls; do
  jq -n --arg body "$body" '{body: $body}' \
    | gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$number/comments" --input - --silent
  echo "commented on pull request #$number"
done
