#!/usr/bin/env bash
# The aggregate `plan` status of a pull request, from the results of plan.yml's jobs (success,
# failure, cancelled or skipped: https://docs.github.com/actions/reference/workflows-and-actions/contexts#needs-context).
# Green only when the affected stacks were found, the pull request synthesized, and every stack
# planned (or none was affected: the plan job is skipped then). Anything else is red with the reason.
# Usage: FORK=true|false AFFECTED=<result> SYNTH=<result> PLAN=<result> plan-status.sh
set -euo pipefail
if [ "${FORK:-false}" = true ]; then
  echo "::error::Pull requests from forks are not planned (GitHub gives them no OIDC token and no role trusts them): push the branch to this repository."
  exit 1
fi
if [ "${AFFECTED:-}" != success ]; then
  echo "::error::Could not work out which stacks this pull request affects (affected job: ${AFFECTED:-missing})."
  exit 1
fi
if [ "${SYNTH:-}" != success ]; then
  echo "::error::The pull request does not synthesize (synth job: ${SYNTH:-missing})."
  exit 1
fi
case "${PLAN:-}" in
  success) echo "every affected stack planned" ;;
  skipped) echo "no stack is affected by this pull request" ;;
  *)
    echo "::error::At least one affected stack failed to plan (plan jobs: ${PLAN:-missing}); see the stack comments."
    exit 1
    ;;
esac
