"""The CodeDeploy lifecycle hooks against real local HTTP stand-ins of the CodeDeploy and Lambda APIs.

CodeDeploy speaks AWS JSON 1.1 (X-Amz-Target CodeDeploy_20141006.<Operation>); Lambda's Invoke is
REST JSON: POST /2015-03-31/functions/<name>/invocations?Qualifier=<q>, the handler's answer as the
body and X-Amz-Function-Error when it raised. The hook event and the reporting call:
https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#reference-appspec-file-structure-hooks-section-structure-lambda-sample-function
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from testing.http_stand_ins import RecordedRequest, StandIn
from testing.lambda_runtime import FakeContext, load_handler

HOOK_EVENT = {"DeploymentId": "d-ABCDEF123", "LifecycleEventHookExecutionId": "execution-1"}
CONTEXT = FakeContext("CodeDeployHook_pre-traffic")
# What the stack sets: above the invoked function's timeout (constructs/function-delivery.ts).
INVOKE_READ_TIMEOUT_SECONDS = 310


def app_spec(name: str, current: str = "3", target: str = "4") -> str:
    """An AppSpec in AWS's documented JSON form for a Lambda deployment (what npm run release sends).

    https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-example.html#appspec-file-example-lambda
    """
    return json.dumps(
        {
            "version": 0.0,
            "Resources": [
                {
                    name: {
                        "Type": "AWS::Lambda::Function",
                        "Properties": {"Name": name, "Alias": "live", "CurrentVersion": current, "TargetVersion": target},
                    }
                }
            ],
            "Hooks": [{"BeforeAllowTraffic": "CodeDeployHook_pre-traffic"}, {"AfterAllowTraffic": "CodeDeployHook_post-traffic"}],
        }
    )


class CodeDeployStandIn(StandIn):
    """GetDeployment of one deployment with the given AppSpec; records PutLifecycleEventHookExecutionStatus."""

    def __init__(self, deployments: dict[str, str]) -> None:
        super().__init__(self._respond)
        self.deployments = deployments

    def _respond(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        target = request.headers.get("x-amz-target", "")
        payload = json.loads(request.body or b"{}")
        if target == "CodeDeploy_20141006.GetDeployment":
            content = self.deployments.get(payload.get("deploymentId", ""))
            if content is None:
                return 400, headers, json.dumps({"__type": "DeploymentDoesNotExistException", "message": "no such deployment"}).encode()
            info = {
                "deploymentId": payload["deploymentId"],
                "computePlatform": "Lambda",
                "status": "InProgress",
                "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": content}},
            }
            return 200, headers, json.dumps({"deploymentInfo": info}).encode()
        if target == "CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus":
            return 200, headers, json.dumps({"lifecycleEventHookExecutionId": payload.get("lifecycleEventHookExecutionId")}).encode()
        return 400, headers, json.dumps({"__type": "InvalidAction", "message": f"unsupported {target}"}).encode()

    def reported(self) -> list[dict[str, Any]]:
        return [
            json.loads(r.body)
            for r in self.requests
            if r.headers.get("x-amz-target") == "CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus"
        ]


# (function name, qualifier, event) -> (answer, raised?)
Behaviour = Callable[[str, str, Any], tuple[Any, bool]]


class LambdaStandIn(StandIn):
    def __init__(self, behaviour: Behaviour) -> None:
        super().__init__(self._respond)
        self.behaviour = behaviour
        self.invocations: list[tuple[str, str, Any]] = []
        # Invokes to answer as Lambda does beyond reserved concurrency: 429 TooManyRequestsException
        # (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors).
        self.throttle_next = 0

    def _respond(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        url = urlparse(request.path)
        parts = url.path.split("/")
        if len(parts) != 5 or parts[1:3] != ["2015-03-31", "functions"] or parts[4] != "invocations":
            return 404, {"Content-Type": "application/json"}, json.dumps({"Type": "User", "message": "unknown path"}).encode()
        name = unquote(parts[3])
        qualifier = parse_qs(url.query).get("Qualifier", ["$LATEST"])[0]
        event = json.loads(request.body or b"null")
        self.invocations.append((name, qualifier, event))
        if self.throttle_next > 0:
            self.throttle_next -= 1
            body = {"Type": "User", "message": "Rate Exceeded.", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}
            return 429, {"Content-Type": "application/json", "X-Amzn-ErrorType": "TooManyRequestsException"}, json.dumps(body).encode()
        answer, raised = self.behaviour(name, qualifier, event)
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": qualifier}
        if raised:
            headers["X-Amz-Function-Error"] = "Unhandled"
        return 200, headers, json.dumps(answer).encode()


@pytest.fixture
def dry_runs(staged_functions_dir: Path) -> Path:
    """The dry-run events the build put into the hooks' zip (generated from the catalogue)."""
    return staged_functions_dir / "deployment-hooks" / "dry_run_events.json"


@pytest.fixture
def start_stand_ins(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[dict[str, str], Behaviour], tuple[CodeDeployStandIn, LambdaStandIn]]]:
    started: list[StandIn] = []

    def start(deployments: dict[str, str], behaviour: Behaviour) -> tuple[CodeDeployStandIn, LambdaStandIn]:
        codedeploy = CodeDeployStandIn(deployments)
        lambda_api = LambdaStandIn(behaviour)
        for stand_in in (codedeploy, lambda_api):
            stand_in.start()
            started.append(stand_in)
        monkeypatch.setenv("AWS_ENDPOINT_URL_CODEDEPLOY", codedeploy.endpoint_url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", lambda_api.endpoint_url)
        monkeypatch.setenv("INVOKE_READ_TIMEOUT_SECONDS", str(INVOKE_READ_TIMEOUT_SECONDS))
        return codedeploy, lambda_api

    yield start
    for stand_in in started:
        stand_in.stop()


def hooks(staged_functions_dir: Path) -> ModuleType:
    """The handler as built into the zip (its own folder is the code root, dry_run_events.json beside it)."""
    return load_handler("deployment-hooks", staged_functions_dir / "deployment-hooks")


def catalogue_dry_runs(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def test_pre_traffic_invokes_the_target_version_with_its_catalogue_dry_run_and_reports_success(
    start_stand_ins: Any, staged_functions_dir: Path, dry_runs: Path
) -> None:
    expected = catalogue_dry_runs(dry_runs)
    for name, spec in expected.items():
        answer = {**spec.get("expect", {}), **dict.fromkeys(spec.get("expectKeys", []), 1)}
        codedeploy, lambda_api = start_stand_ins({HOOK_EVENT["DeploymentId"]: app_spec(name)}, lambda *_, reply=answer: (reply, False))
        result = hooks(staged_functions_dir).before_allow_traffic(HOOK_EVENT, CONTEXT)
        assert [name, result["status"]] == [name, "Succeeded"]
        assert lambda_api.invocations == [(name, "4", spec["event"])]
        assert codedeploy.reported() == [
            {"deploymentId": "d-ABCDEF123", "lifecycleEventHookExecutionId": "execution-1", "status": "Succeeded"}
        ]


def test_pre_traffic_fails_the_deployment_when_the_new_version_answers_differently(
    start_stand_ins: Any, staged_functions_dir: Path
) -> None:
    codedeploy, _ = start_stand_ins({"d-ABCDEF123": app_spec("api-docs-generator")}, lambda *_: ({"statusCode": 500}, False))
    result = hooks(staged_functions_dir).before_allow_traffic(HOOK_EVENT, CONTEXT)
    assert result["status"] == "Failed"
    assert 'api-docs-generator:4 answered {"statusCode": 500}; expected {"statusCode": 200}' in result["reason"]
    assert [r["status"] for r in codedeploy.reported()] == ["Failed"]


def test_pre_traffic_fails_the_deployment_when_the_new_version_raises(start_stand_ins: Any, staged_functions_dir: Path) -> None:
    error = {"errorMessage": "No module named 'pg8000'", "errorType": "ImportModuleError"}
    codedeploy, _ = start_stand_ins({"d-ABCDEF123": app_spec("sync-clock")}, lambda *_: (error, True))
    result = hooks(staged_functions_dir).before_allow_traffic(HOOK_EVENT, CONTEXT)
    assert result["status"] == "Failed"
    assert "sync-clock:4 raised (Unhandled)" in result["reason"]
    assert "ImportModuleError" in result["reason"]
    assert [r["status"] for r in codedeploy.reported()] == ["Failed"]


def test_pre_traffic_fails_for_a_function_without_a_dry_run(start_stand_ins: Any, staged_functions_dir: Path) -> None:
    codedeploy, lambda_api = start_stand_ins({"d-ABCDEF123": app_spec("not-in-the-catalogue")}, lambda *_: ({}, False))
    result = hooks(staged_functions_dir).before_allow_traffic(HOOK_EVENT, CONTEXT)
    assert result == {
        "status": "Failed",
        "reason": "not-in-the-catalogue has no dry-run event in the catalogue (catalogue/functions/)",
    }
    assert lambda_api.invocations == []
    assert [r["status"] for r in codedeploy.reported()] == ["Failed"]


def test_pre_traffic_reports_failure_when_codedeploy_does_not_know_the_deployment(start_stand_ins: Any, staged_functions_dir: Path) -> None:
    codedeploy, lambda_api = start_stand_ins({}, lambda *_: ({}, False))
    result = hooks(staged_functions_dir).before_allow_traffic(HOOK_EVENT, CONTEXT)
    assert result["status"] == "Failed"
    assert "DeploymentDoesNotExistException" in result["reason"]
    assert lambda_api.invocations == []
    assert [r["status"] for r in codedeploy.reported()] == ["Failed"]


def test_post_traffic_runs_the_test_runner_live_alias_and_reports_its_result(
    start_stand_ins: Any, staged_functions_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_RUNNER_FUNCTION", "lambda-test-runner:live")
    codedeploy, lambda_api = start_stand_ins({}, lambda *_: ({"passed": True, "checks": [{"name": "database", "passed": True}]}, False))
    assert hooks(staged_functions_dir).after_allow_traffic(HOOK_EVENT, CONTEXT)["status"] == "Succeeded"
    assert lambda_api.invocations == [("lambda-test-runner", "live", {})]
    assert [r["status"] for r in codedeploy.reported()] == ["Succeeded"]


def test_post_traffic_fails_naming_the_failed_checks(
    start_stand_ins: Any, staged_functions_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_RUNNER_FUNCTION", "lambda-test-runner:live")
    report = {"passed": False, "checks": [{"name": "database", "passed": True}, {"name": "bucket", "passed": False}]}
    codedeploy, _ = start_stand_ins({}, lambda *_: (report, False))
    result = hooks(staged_functions_dir).after_allow_traffic(HOOK_EVENT, CONTEXT)
    assert result == {"status": "Failed", "reason": "post-deploy checks of lambda-test-runner:live failed: bucket"}
    assert [r["status"] for r in codedeploy.reported()] == ["Failed"]


def test_a_malformed_hook_event_is_refused_before_anything_is_called(start_stand_ins: Any, staged_functions_dir: Path) -> None:
    codedeploy, lambda_api = start_stand_ins({}, lambda *_: ({}, False))
    with pytest.raises(Exception, match="DeploymentId and LifecycleEventHookExecutionId"):
        hooks(staged_functions_dir).before_allow_traffic({"DeploymentId": "d-1"}, CONTEXT)
    assert codedeploy.requests == []
    assert lambda_api.invocations == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("version: 0.0", "the deployment's AppSpec is not JSON"),
        (json.dumps({"version": 0.0, "Resources": []}), "exactly one resource"),
        (
            json.dumps({"version": 0.0, "Resources": [{"f": {"Type": "AWS::ECS::Service", "Properties": {}}}]}),
            "not an AWS::Lambda::Function",
        ),
        (
            json.dumps(
                {"version": 0.0, "Resources": [{"f": {"Type": "AWS::Lambda::Function", "Properties": {"Name": "f", "Alias": "live"}}}]}
            ),
            "lacks CurrentVersion, TargetVersion",
        ),
    ],
)
def test_an_app_spec_that_is_not_one_lambda_resource_fails_the_hook(
    start_stand_ins: Any, staged_functions_dir: Path, content: str, reason: str
) -> None:
    codedeploy, lambda_api = start_stand_ins({"d-ABCDEF123": content}, lambda *_: ({}, False))
    result = hooks(staged_functions_dir).before_allow_traffic(HOOK_EVENT, CONTEXT)
    assert result["status"] == "Failed"
    assert reason in result["reason"]
    assert [r["status"] for r in codedeploy.reported()] == ["Failed"]
    assert lambda_api.invocations == []


def test_the_invoke_client_waits_past_the_targets_timeout_and_retries_in_standard_mode(
    start_stand_ins: Any, staged_functions_dir: Path
) -> None:
    """botocore's default read timeout (60 s) cuts a longer run and legacy retries start it again;
    standard mode backs off on 429 TooManyRequestsException.
    https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html
    """
    start_stand_ins({}, lambda *_: ({}, False))
    config = hooks(staged_functions_dir).lambda_client().meta.config
    assert [config.read_timeout, config.retries] == [INVOKE_READ_TIMEOUT_SECONDS, {"mode": "standard", "total_max_attempts": 3}]


def test_a_throttled_invoke_is_retried_and_the_hook_passes(start_stand_ins: Any, staged_functions_dir: Path, dry_runs: Path) -> None:
    name, spec = next(iter(catalogue_dry_runs(dry_runs).items()))
    answer = {**spec.get("expect", {}), **dict.fromkeys(spec.get("expectKeys", []), 1)}
    _, lambda_api = start_stand_ins({HOOK_EVENT["DeploymentId"]: app_spec(name)}, lambda *_: (answer, False))
    lambda_api.throttle_next = 1
    result = hooks(staged_functions_dir).before_allow_traffic(HOOK_EVENT, CONTEXT)
    assert [result["status"], len(lambda_api.invocations)] == ["Succeeded", 2]


def test_without_a_read_timeout_the_hook_fails_naming_the_variable(
    start_stand_ins: Any, staged_functions_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    codedeploy, _ = start_stand_ins({HOOK_EVENT["DeploymentId"]: app_spec("sync-clock")}, lambda *_: ({}, False))
    monkeypatch.delenv("INVOKE_READ_TIMEOUT_SECONDS")
    result = hooks(staged_functions_dir).before_allow_traffic(HOOK_EVENT, CONTEXT)
    assert result["status"] == "Failed"
    assert "INVOKE_READ_TIMEOUT_SECONDS" in result["reason"]
    assert [r["status"] for r in codedeploy.reported()] == ["Failed"]
