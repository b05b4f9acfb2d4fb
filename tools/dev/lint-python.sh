#!/usr/bin/env bash
# The Python gates over lambda-functions/ and the scaffold templates new:function copies
# (tools/scaffold/templates/), configured in pyproject.toml: ruff's lint rules
# (including flake8-bandit's security rules), ruff's formatter in check mode, and mypy --strict.
# `npm run lint` runs it after ESLint; `ruff format lambda-functions` applies the formatting.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/dev/setup-python.sh
.venv/bin/ruff check --quiet lambda-functions tools/scaffold/templates
.venv/bin/ruff format --check --quiet lambda-functions tools/scaffold/templates || {
  echo "Python files above are not formatted: run '.venv/bin/ruff format lambda-functions tools/scaffold/templates'" >&2
  exit 1
}
# Every function's module is handler.py (the name Lambda's handler setting points at), and the
# folders are not packages, so mypy sees one module named `handler` per run: each function's
# handler gets its own run, and everything else (shared modules, tests, test harness) one more.
mapfile -t handlers < <(find lambda-functions tools/scaffold/templates -path lambda-functions/layers -prune -o -name handler.py -print | sort)
mapfile -t others < <(find lambda-functions tools/scaffold/templates -path lambda-functions/layers -prune -o -name '*.py' ! -name handler.py -print | sort)
mypy=(.venv/bin/mypy --no-error-summary)
status=0
"${mypy[@]}" "${others[@]}" || status=1
for handler in "${handlers[@]}"; do
  "${mypy[@]}" "$handler" || status=1
done
exit "$status"
