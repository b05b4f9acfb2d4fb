"""Each built zip is self-contained: its handler imports with only the zip and its layers on the path.

The other tests import shared modules from lambda-functions/shared; this one proves the build put
every module a handler imports into that handler's zip, as Lambda will see it.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
BUILD_DIR = REPO_ROOT / ".build"
FUNCTION_NAMES = sorted(json.loads((BUILD_DIR / "manifest.json").read_text())["functions"])
LAYER_DIR = BUILD_DIR / "layers" / "pg-driver" / "python"

# -I: no current folder, PYTHONPATH or user site on the path, so only what is inserted here counts.
PROBE = """
import sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import handler
print(handler.__file__)
"""


@pytest.mark.parametrize("function_name", FUNCTION_NAMES)
def test_handler_imports_from_its_zip_alone(function_name: str) -> None:
    zip_file = BUILD_DIR / "functions" / f"{function_name}.zip"

    probe = subprocess.run([sys.executable, "-I", "-c", PROBE, str(zip_file), str(LAYER_DIR)], capture_output=True, text=True)

    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == str(zip_file / "handler.py")
