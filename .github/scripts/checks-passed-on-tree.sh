#!/usr/bin/env bash
# Decides whether a push to main may skip re-running ci.yml: writes passed=true to $GITHUB_OUTPUT
# when a merged pull request of the commit has a head commit with the same tree (the file
# contents, not the history) and ci.yml's `checks` passed on that head. Branches must be up to date
# before merging (docs/github-setup.md), so the pull request's checks ran on a merge of that
# head into main whose tree is this tree: the same files were tested. Anything else (no pull
# request, another tree, checks not green, an API error) writes passed=false and the suite runs.
# GET /repos/{owner}/{repo}/commits/{sha}/pulls: https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit
# GET /repos/{owner}/{repo}/git/commits/{sha} (its tree.sha): https://docs.github.com/rest/git/commits#get-a-commit-object
# GET /repos/{owner}/{repo}/commits/{ref}/check-runs?check_name=: https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference
# Usage: checks-passed-on-tree.sh     (needs GH_TOKEN, GITHUB_REPOSITORY and GITHUB_SHA)
set -euo pipefail
: "${GITHUB_SHA:?GITHUB_SHA is not set}"
output="${GITHUB_OUTPUT:-/dev/stdout}"
verdict() {
  echo "$2"
  echo "passed=$1" >> "$output"
  exit 0
}
tree_of() { gh api "repos/$GITHUB_REPOSITORY/git/commits/$1" --jq .tree.sha; }

tree="$(tree_of "$GITHUB_SHA")" || verdict false "Could not read the tree of $GITHUB_SHA: running the checks."
heads="$(gh api "repos/$GITHUB_REPOSITORY/commits/$GITHUB_SHA/pulls" --jq '.[] | select(.merged_at != null) | .head.sha')" \
  || verdict false "Could not list the pull requests of $GITHUB_SHA: running the checks."
for head in $heads; do
  [[ "$head" =~ ^[0-9a-f]{40}$ ]] || continue
  [ "$(tree_of "$head" || true)" = "$tree" ] || continue
  passed="$(gh api "repos/$GITHUB_REPOSITORY/commits/$head/check-runs?check_name=checks" \
    --jq '[.check_runs[] | select(.status == "completed" and .conclusion == "success")] | length' || echo 0)"
  if [ "${passed:-0}" -gt 0 ]; then
    verdict true "The checks passed on $head, whose tree ($tree) is this commit's: not running them again."
  fi
done
verdict false "No merged pull request of $GITHUB_SHA passed the checks on this tree ($tree): running them."
