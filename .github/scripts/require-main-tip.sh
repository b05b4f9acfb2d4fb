#!/usr/bin/env bash
# Refuses (exit 1) unless the commit this run deploys ($GITHUB_SHA) is still the tip of main: a
# re-run of an old run, or a run that a newer push overtook, must not apply an older commit over a
# newer one. Asks GitHub with the job token (contents: read) because the checkout keeps no
# credentials for a later `git fetch`.
# Usage: require-main-tip.sh     (needs GH_TOKEN, GITHUB_REPOSITORY and GITHUB_SHA)
set -euo pipefail
: "${GITHUB_SHA:?GITHUB_SHA is not set}"
tip="$(gh api "repos/$GITHUB_REPOSITORY/git/ref/heads/main" --jq .object.sha)"
if [[ ! "$tip" =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::Could not read the tip of main." >&2
  exit 1
fi
if [ "$tip" != "$GITHUB_SHA" ]; then
  echo "::error::$GITHUB_SHA is no longer the tip of main ($tip is): the newer commit's run deploys dev." >&2
  exit 1
fi
echo "$GITHUB_SHA is the tip of main"
