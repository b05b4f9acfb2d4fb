#!/usr/bin/env bash
# Records that an account's workload stack was applied at a commit: a GitHub deployment of
# environment terraform/<account> (task terraform-apply) with a success status. The drift check
# plans each account at the newest such record (.github/scripts/last-applied.sh), not at main.
# The deployment and its status: deployment.sh (sources cited there; a success status makes the
# environment's earlier deployments inactive).
# Usage: record-applied.sh <account> <sha> <run-url>     (needs GH_TOKEN and GITHUB_REPOSITORY)
set -euo pipefail
account="${1:?usage: record-applied.sh <account> <sha> <run-url>}"
sha="${2:?commit sha}"
run_url="${3:?run url}"
source "$(dirname "$0")/deployment.sh"
require_account_and_sha record-applied.sh "$account" "$sha"
deployment="$(create_deployment "$sha" "terraform/$account" terraform-apply "terraform apply of $account" success "$run_url" applied)"
echo "recorded: $account applied at $sha (deployment $deployment)"
