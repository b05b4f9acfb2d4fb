#!/usr/bin/env bash
# Prints the commit an account's workload stack was last applied at (the newest terraform/<account>
# deployment with a success status, written by record-applied.sh), or nothing if it never was.
# Deployments are listed newest first: https://docs.github.com/rest/deployments/deployments#list-deployments
# Usage: last-applied.sh <account>     (needs GH_TOKEN and GITHUB_REPOSITORY)
set -euo pipefail
account="${1:?usage: last-applied.sh <account>}"
if [[ ! "$account" =~ ^[a-z][a-z0-9-]*$ ]]; then
  echo "::error::last-applied.sh needs an account name." >&2
  exit 1
fi
deployments="$(gh api "repos/$GITHUB_REPOSITORY/deployments?environment=terraform%2F$account&task=terraform-apply&per_page=30" --jq '.[] | "\(.id) \(.sha)"')"
while read -r id sha; do
  [ -n "$id" ] || continue
  state="$(gh api "repos/$GITHUB_REPOSITORY/deployments/$id/statuses?per_page=1" --jq '.[0].state // ""')"
  # Newest first: a record whose status never reached success (the recording job died) is skipped.
  if [ "$state" = success ]; then
    echo "$sha"
    exit 0
  fi
done <<<"$deployments"
