# Sourced by notify-release.sh and record-applied.sh: the argument check both make and the one
# GitHub deployment (with its status) each of them records. Needs GH_TOKEN and GITHUB_REPOSITORY.
# POST /repos/{owner}/{repo}/deployments: required_contexts empty and auto_merge false, so GitHub
# neither checks commit statuses nor merges the default branch into the ref:
#   https://docs.github.com/rest/deployments/deployments#create-a-deployment
# POST /repos/{owner}/{repo}/deployments/{id}/statuses (a success status makes earlier
# deployments of the environment inactive):
#   https://docs.github.com/rest/deployments/statuses#create-a-deployment-status

# require_account_and_sha <script> <account> <sha>: exits 1 unless both look right.
require_account_and_sha() {
  if [[ ! "$2" =~ ^[a-z][a-z0-9-]*$ ]] || [[ ! "$3" =~ ^[0-9a-f]{40}$ ]]; then
    echo "::error::$1 needs an account name and a full commit SHA." >&2
    exit 1
  fi
}

# create_deployment <sha> <environment> <task> <description> <state> <log-url> <status-description>:
# creates the deployment and its status; prints the deployment's id.
create_deployment() {
  local deployment
  deployment="$(jq -n --arg ref "$1" --arg environment "$2" --arg task "$3" --arg description "$4" \
    '{ref: $ref, environment: $environment, task: $task, auto_merge: false, required_contexts: [], production_environment: false, description: $description}' \
    | gh api --method POST "repos/$GITHUB_REPOSITORY/deployments" --input - --jq .id)"
  if [[ ! "$deployment" =~ ^[0-9]+$ ]]; then
    echo "::error::GitHub did not create the deployment of environment $2." >&2
    exit 1
  fi
  jq -n --arg state "$5" --arg url "$6" --arg description "$7" '{state: $state, log_url: $url, description: $description}' \
    | gh api --method POST "repos/$GITHUB_REPOSITORY/deployments/$deployment/statuses" --input - --silent
  echo "$deployment"
}
