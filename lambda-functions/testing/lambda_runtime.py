"""Loads a function's handler.py the way Lambda does (its own folder as the code root)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

FUNCTIONS_DIR = Path(__file__).resolve().parents[1]


@dataclass
class FakeContext:
    """The LambdaContext attributes the handlers read."""

    function_name: str
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    memory_limit_in_mb: int = 128

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def load_handler(function_name: str, code_dir: Path | None = None) -> ModuleType:
    """A fresh import of <code_dir>/handler.py, so no cached client or connection leaks between tests.

    Every function's module is called `handler`; each load gets a unique module name instead.
    """
    path = (code_dir or FUNCTIONS_DIR / function_name) / "handler.py"
    module_name = f"handler_{function_name.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
