#!/usr/bin/env bash
# Prints "true" when the account's functions exist at this commit, so database-admin, the release
# and the post-deploy checks can run after the units' apply; "false" (with a notice naming why)
# when the app unit did not apply because it is held for approval or waits on a unit that is (on a
# new account: the data unit, held on every merge, leaves no database and no function yet).
# An app unit this change did not touch is in no results file: its functions are already there.
# Usage: functions-ready.sh <results.json of tools/ci/run-units.ts>
set -euo pipefail
results="${1:?usage: functions-ready.sh <results.json>}"
reason="$(jq -r '[.[] | select(.unit == "app" and (.status == "held" or .status == "waiting"))][0] // empty | "\(.stack) \(.status): \(.reason // "")"' "$results")"
if [ -n "$reason" ]; then
  echo "::notice::database-admin, the release and the post-deploy checks wait until the functions exist: $reason" >&2
  echo false
else
  echo true
fi
