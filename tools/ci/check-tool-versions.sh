#!/usr/bin/env bash
# Fails unless the Node.js, Python and Terraform on PATH are the versions pinned in .nvmrc,
# .python-version and .terraform-version (a pin may name only a prefix, e.g. 20 or 3.11).
# .ci/run calls it so CI runs what the files say; GitHub's setup action installs from the same files.
set -euo pipefail
cd "$(dirname "$0")/../.."
status=0
check() { # name pin actual
  case "$3." in
    "$2".*) ;;
    *) echo "$1 $3 is on PATH but $4 pins $2: install $1 $2 (nvm, pyenv or tfenv read that file)" >&2; status=1 ;;
  esac
}
check Node.js "$(tr -d '[:space:]' < .nvmrc)" "$(node --version | sed 's/^v//')" .nvmrc
check Python "$(tr -d '[:space:]' < .python-version)" "$(python3 -c 'import platform; print(platform.python_version())')" .python-version
check Terraform "$(tr -d '[:space:]' < .terraform-version)" "$(terraform version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p')" .terraform-version
exit "$status"
