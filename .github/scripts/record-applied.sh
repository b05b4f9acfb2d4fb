#!/usr/bin/env bash
# Records that an account's workload stack was applied at a commit: a GitHub deployment of
# environment terraform/<account> (task terraform-apply) with a success status. The drift check
# plans each account at the newest such record (.github/scripts/last-applied.sh), not at main.
# required_contexts is empty and auto_merge false so GitHub neither checks commit statuses nor
# merges the default branch into the ref: https://docs.github.com/rest/deployments/deployments#create-a-deployment
# A success status makes earlier deployments of the environment inactive:
# https://docs.github.com/rest/deployments/statuses#create-a-deployment-status
# Usage: record-applied.sh <account> <sha> <run-url>     (needs GH_TOKEN and GITHUB_REPOSITORY)
set -euo pipefail
account="${1:?usage: record-applied.sh <account> <sha> <run-url>}"
sha="${2:?commit sha}"
run_url="${3:?run url}"
if [[ ! "$account" =~ ^[a-z][a-z0-9-]*$ ]] || [[ ! "$sha" =~ ^[0-9a-f]{40}$ ]]; then
  echo "::error::record-applied.sh needs an account name and a full commit SHA." >&2
  exit 1
fi
deployment="$(jq -n --arg ref "$sha" --arg environment "terraform/$account" --arg description "terraform apply of $account" \
  '{ref: $ref, environment: $environment, task: "terraform-apply", auto_merge: false, required_contexts: [], production_environment: false, description: $description}' \
  | gh api --method POST "repos/$GITHUB_REPOSITORY/deployments" --input - --jq .id)"
if [[ ! "$deployment" =~ ^[0-9]+$ ]]; then
  echo "::error::GitHub did not create the deployment record for $account." >&2
  exit 1
fi
jq -n --arg url "$run_url" '{state: "success", log_url: $url, description: "applied"}' \
  | gh api --method POST "repos/$GITHUB_REPOSITORY/deployments/$deployment/statuses" --input - --silent
echo "recorded: $account applied at $sha (deployment $deployment)"
