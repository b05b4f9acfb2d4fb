#!/usr/bin/env bash
# Decides whether a deploy run may apply its commit ($GITHUB_SHA) and writes proceed=true|false to
# $GITHUB_OUTPUT. It proceeds when the commit is the tip of main, or when every newer commit on main
# touches only paths deploy.yml ignores (those pushes start no deploy of their own, so refusing
# here would strand this commit). When a newer commit changes code, its own run deploys: this run
# was overtaken and ends with a notice, not red (a re-run of an old run ends the same way).
# Exit 1 only when the tip or the comparison cannot be read, or main no longer contains the commit.
# GitHub's compare API lists at most 300 changed files: a longer list counts as a code change.
# https://docs.github.com/rest/commits/commits#compare-two-commits
# Usage: require-main-tip.sh     (needs GH_TOKEN, GITHUB_REPOSITORY and GITHUB_SHA)
set -euo pipefail
: "${GITHUB_SHA:?GITHUB_SHA is not set}"
output="${GITHUB_OUTPUT:-/dev/stdout}"
# deploy.yml's on.push.paths-ignore, as shell patterns (a test keeps the two lists equal).
IGNORED_PATHS=('*.md' 'docs/*')

tip="$(gh api "repos/$GITHUB_REPOSITORY/git/ref/heads/main" --jq .object.sha)"
if [[ ! "$tip" =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::Could not read the tip of main." >&2
  exit 1
fi
if [ "$tip" = "$GITHUB_SHA" ]; then
  echo "$GITHUB_SHA is the tip of main"
  echo "proceed=true" >> "$output"
  exit 0
fi

comparison="$(gh api "repos/$GITHUB_REPOSITORY/compare/$GITHUB_SHA...$tip")"
status="$(jq -r '.status // ""' <<<"$comparison")"
if [ "$status" != ahead ]; then
  echo "::error::main ($tip) does not descend from $GITHUB_SHA (compare status '$status'): refusing to deploy a commit main no longer contains." >&2
  exit 1
fi
if [ "$(jq '.files | length' <<<"$comparison")" -ge 300 ]; then
  echo "::notice::Overtaken: main moved on by $(jq -r .total_commits <<<"$comparison") commit(s) with 300 or more changed files; the newest run deploys them."
  echo "proceed=false" >> "$output"
  exit 0
fi
while IFS= read -r file; do
  [ -n "$file" ] || continue
  ignored=false
  for pattern in "${IGNORED_PATHS[@]}"; do
    # shellcheck disable=SC2053 # the pattern is a glob on purpose
    if [[ "$file" == $pattern ]]; then ignored=true; break; fi
  done
  if [ "$ignored" = false ]; then
    echo "::notice::Overtaken: $tip is newer than $GITHUB_SHA and changes $file; the run for the newer commit deploys both."
    echo "proceed=false" >> "$output"
    exit 0
  fi
done < <(jq -r '.files[].filename' <<<"$comparison")
echo "Newer commits up to $tip touch only ignored paths (${IGNORED_PATHS[*]}): deploying $GITHUB_SHA, whose code is still main's"
echo "proceed=true" >> "$output"
