#!/usr/bin/env bash
# Resolves a git ref (branch, tag or commit) to a commit SHA and prints it, refusing (exit 1) unless
# that commit is reachable from origin/main: a job holding AWS credentials may only run code that
# was reviewed and merged. Run it from the workflow's own checkout of main with full history
# (actions/checkout with fetch-depth: 0), before anything of the ref is checked out or run.
# Usage: reviewed-commit.sh <ref>
set -euo pipefail
ref="${1:?usage: reviewed-commit.sh <ref>}"
# Only plain ref or SHA spellings: nothing git could read as an option or a revision expression.
if [[ ! "$ref" =~ ^[A-Za-z0-9][A-Za-z0-9._/-]*$ ]] || [[ "$ref" == *..* ]]; then
  echo "::error::The ref is not a branch, tag or commit name." >&2
  exit 1
fi
if [ "$(git rev-parse --is-shallow-repository)" = true ] || ! git rev-parse --verify --quiet origin/main >/dev/null; then
  echo "::error::Needs the full history with origin/main (actions/checkout with fetch-depth: 0)." >&2
  exit 1
fi

sha=""
# Tags and SHAs resolve as given; branches exist as origin/<branch> after a full fetch.
for candidate in "$ref" "origin/${ref#refs/heads/}"; do
  if sha="$(git rev-parse --verify --quiet "$candidate^{commit}")"; then break; fi
  sha=""
done
if [ -z "$sha" ]; then
  echo "::error::$ref is not a branch, tag or commit of this repository." >&2
  exit 1
fi
if ! git merge-base --is-ancestor "$sha" origin/main; then
  echo "::error::$ref ($sha) is not on main: only reviewed, merged commits run with AWS credentials." >&2
  exit 1
fi
echo "$sha"
