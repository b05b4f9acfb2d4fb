#!/usr/bin/env bash
# The aggregate `plan` status of a pull request, from the results of plan.yml's jobs (success,
# failure, cancelled or skipped: https://docs.github.com/actions/reference/workflows-and-actions/contexts#needs-context).
# Green only when the pull request synthesized (its affected stacks found) and every affected stack
# planned, or none was affected. Anything else is red with the reason, including a Dependabot run,
# which is not planned with credentials until a person pushes to its branch (plan.yml, plan job).
# Usage: FORK=true|false DEPENDABOT=true|false SYNTH=<result> TARGETS=<json> PLAN=<result> plan-status.sh
set -euo pipefail
if [ "${FORK:-false}" = true ]; then
  echo "::error::Pull requests from forks are not planned (no role trusts a fork, and GitHub gives it no OIDC token while \"Send write tokens to workflows from pull requests\" is off): push the branch to this repository."
  exit 1
fi
if [ "${SYNTH:-}" != success ]; then
  echo "::error::The pull request does not synthesize, or its affected stacks could not be found (synth job: ${SYNTH:-missing})."
  exit 1
fi
if [ "${TARGETS:-}" = '[]' ]; then
  echo "no stack is affected by this pull request"
  exit 0
fi
if [ "${DEPENDABOT:-false}" = true ]; then
  echo "::error::Dependabot's own run is synthesized but not planned with AWS credentials (a new action or package must not run with id-token: write before review). Review the update, then push a commit to its branch (e.g. git commit --allow-empty) so the plan runs as yours."
  exit 1
fi
case "${PLAN:-}" in
  success) echo "every affected stack planned" ;;
  *)
    echo "::error::At least one affected stack failed to plan (plan jobs: ${PLAN:-missing}); see the stack comments."
    exit 1
    ;;
esac
