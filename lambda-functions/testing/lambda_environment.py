"""One Lambda execution environment for the scenario test (__tests__/scenario): a process that loads a
function's built code the way Lambda does and runs one invocation at a time.

Lambda's model, followed here (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html):
the code is extracted to the task root, which comes first on the path, then the layers' python/
folders (https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths);
the environment variables are the function version's; the module is imported once (the init phase)
and the handler is called once per invocation, keeping module state between invocations; an
exception escaping the handler is an unhandled function error whose payload is
{"errorMessage", "errorType", "stackTrace"} (https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html).

Usage: python lambda_environment.py <task root> <module.function> <function name> <version>
Invocations arrive on stdin as JSON lines {"requestId", "event"}; each answer goes to file
descriptor 3 as one JSON line {"payload"} or {"error": {...}}, with "durationMs": the handler's own
run, which is what Lambda's Duration metric counts (not the init phase:
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html). The function's own output (its logs)
stays on stdout and stderr, as in Lambda.

The harness passes, besides the function's variables, SCENARIO_LAYERS (the layers' python/ folders)
and SCENARIO_DATABASE_LOGIN (how a login reaches the database, see testing.rds_logins); both are
removed from the environment before the function's code is loaded.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

TESTING_PARENT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    task_root, handler_name, function_name, version = argv
    layers = [layer for layer in os.environ.pop("SCENARIO_LAYERS", "").split(os.pathsep) if layer]
    login = os.environ.pop("SCENARIO_DATABASE_LOGIN", "")
    sys.path[:0] = [task_root, *layers]
    # The harness's own helpers come last, so the function's zip shadows nothing of it.
    sys.path.append(str(TESTING_PARENT))
    os.environ.update({"AWS_LAMBDA_FUNCTION_NAME": function_name, "AWS_LAMBDA_FUNCTION_VERSION": version, "LAMBDA_TASK_ROOT": task_root})
    answers = os.fdopen(3, "w", buffering=1)
    module_name, _, function = handler_name.rpartition(".")
    try:
        if login:
            from testing.rds_logins import install

            install(json.loads(login))
        handler = getattr(importlib.import_module(module_name), function)
    except Exception as exc:  # an init error fails every invocation of this environment, as in Lambda
        init_error = _error(exc)
        for _ in sys.stdin:
            answers.write(json.dumps({"error": init_error}) + "\n")
        return 0

    from testing.lambda_runtime import FakeContext

    for line in sys.stdin:
        request = json.loads(line)
        context = FakeContext(function_name=function_name, aws_request_id=request["requestId"])
        started = time.monotonic()
        try:
            payload: Any = handler(request["event"], context)
            answer = json.dumps({"payload": payload, "durationMs": _since(started)}, default=str)
        except Exception as exc:
            answer = json.dumps({"error": _error(exc), "durationMs": _since(started)})
        sys.stdout.flush()
        sys.stderr.flush()
        answers.write(answer + "\n")
    return 0


def _since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 3)


def _error(exc: BaseException) -> dict[str, Any]:
    return {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": traceback.format_tb(exc.__traceback__)}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
