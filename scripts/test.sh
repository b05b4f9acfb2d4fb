#!/usr/bin/env bash
# `npm test`: the whole suite. jest (configuration, constructs, stacks, real terraform validate
# and offline plan, CI workflows, rules) and then pytest (handlers against real local servers).
# Arguments go to jest, e.g. `npm test -- __tests__/environments`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TF_PROVIDER_MIRROR:-}" ]; then
  TF_PROVIDER_MIRROR=$(bash scripts/find-provider-mirror.sh)
  [ -n "$TF_PROVIDER_MIRROR" ] && export TF_PROVIDER_MIRROR || unset TF_PROVIDER_MIRROR
fi
bash scripts/setup-python.sh
npx jest "$@"
if [ $# -eq 0 ]; then bash scripts/test-python.sh; fi
