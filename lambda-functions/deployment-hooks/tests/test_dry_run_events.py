"""The catalogue's dry-run events (what the pre-traffic hook sends a new version) answered as expected
by the handlers as built, checked with the hook's own check_answer. These three need no data service
for their dry run; the database functions' dry runs are exercised by their handlers' own tests
(a 400 before any query for insert-ppu-data, a scheduled event for sync-clock, {} for the runner).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from testing.lambda_runtime import FakeContext, load_handler

NO_DATA_SERVICE = {
    "api-docs-generator": {},
    "presigned-url-s3-upload": {
        "BUCKET_NAME": "test-uploads",
        "URL_EXPIRY_SECONDS": "900",
        "MAX_UPLOAD_BYTES": "1048576",
        "ALLOWED_CONTENT_TYPES": "application/json,text/csv",
    },
    "software-event-update-handler": {"TABLE_NAME": "software-events"},
}


@pytest.mark.parametrize("name", sorted(NO_DATA_SERVICE))
def test_the_handler_answers_its_catalogue_dry_run_as_the_hook_expects(
    name: str, staged_functions_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in NO_DATA_SERVICE[name].items():
        monkeypatch.setenv(key, value)
    hooks = load_handler("deployment-hooks", staged_functions_dir / "deployment-hooks")
    dry_runs = hooks.load_dry_runs(staged_functions_dir / "deployment-hooks" / "dry_run_events.json")
    handler = load_handler(name, staged_functions_dir / name)
    answer: Any = json.loads(json.dumps(handler.handler(dry_runs[name].event, FakeContext(name))))
    hooks.check_answer(name, dry_runs[name], answer)
