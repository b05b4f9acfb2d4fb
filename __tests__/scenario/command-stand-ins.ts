import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The two command-line programs the workflow scripts call, as executables for a PATH folder:
 *
 * - `gh api`: a stateful GitHub REST API for deployments, so what record-applied.sh writes is what
 *   last-applied.sh reads. Shapes and order from GitHub's reference: POST /repos/{o}/{r}/deployments
 *   answers the deployment with its id, GET lists them newest first filtered by environment and task
 *   (https://docs.github.com/rest/deployments/deployments), POST .../deployments/{id}/statuses
 *   adds a status and GET lists statuses newest first
 *   (https://docs.github.com/rest/deployments/statuses). `--jq` runs the real jq. GET
 *   .../commits/{sha}/pulls answers [] (no pull request: notify-release.sh then comments nowhere).
 * - `aws lambda invoke`: the AWS CLI v2 command (v2's --cli-binary-format; the CLI v1 on these
 *   machines refuses it) against AWS_ENDPOINT_URL_LAMBDA: writes the payload to the outfile and prints
 *   {StatusCode, ExecutedVersion, FunctionError?}; a service error exits 254 with the CLI's message
 *   (https://docs.aws.amazon.com/cli/latest/reference/lambda/invoke.html,
 *   https://docs.aws.amazon.com/cli/latest/topic/return-codes.html).
 */

// Python scripts (standard library only, run by the project's interpreter without site-packages: -S):
// a call starts in tens of milliseconds, where a Node.js script (or a version manager's python3 shim)
// takes several hundred, and the workflow scripts call these often.
const FAKE_GH = `
import json, os, subprocess, sys
from urllib.parse import urlsplit, parse_qs
state_file = os.path.join(os.environ["SCENARIO_GITHUB_STATE"], "state.json")
state = json.load(open(state_file)) if os.path.exists(state_file) else {"next": 1, "deployments": [], "calls": []}
args = sys.argv[1:]
if not args or args[0] != "api":
    sys.exit("gh stand-in: only 'gh api' is implemented")
method, jq, use_input, api_path, silent = "GET", None, False, None, False
i = 1
while i < len(args):
    a = args[i]
    if a in ("--method", "-X"):
        i += 1; method = args[i]
    elif a in ("--jq", "-q"):
        i += 1; jq = args[i]
    elif a == "--input":
        i += 1; use_input = True
    elif a == "--silent":
        silent = True
    elif a.startswith("-"):
        sys.exit("gh stand-in: unsupported flag " + a)
    elif api_path is None:
        api_path = a
    i += 1
body = json.load(sys.stdin) if use_input else None
state["calls"].append({"method": method, "path": api_path, "body": body})
url = urlsplit("/" + api_path)
query = {k: v[0] for k, v in parse_qs(url.query).items()}
parts = [p for p in url.path.split("/") if p]
answer = None
if len(parts) >= 4 and parts[0] == "repos" and parts[3] == "deployments":
    ident = int(parts[4]) if len(parts) > 4 else None
    per_page = int(query.get("per_page", "30"))
    if method == "POST" and ident is None:
        answer = {"id": state["next"], "sha": body["ref"], "ref": body["ref"], "environment": body["environment"], "task": body["task"], "description": body.get("description")}
        state["next"] += 1
        state["deployments"].append({**answer, "statuses": []})
    elif method == "GET" and ident is None:
        env, task = query.get("environment"), query.get("task")
        matching = [d for d in state["deployments"] if (not env or d["environment"] == env) and (not task or d["task"] == task)]
        answer = [{k: v for k, v in d.items() if k != "statuses"} for d in reversed(matching)][:per_page]
    else:
        deployment = next((d for d in state["deployments"] if d["id"] == ident), None)
        if deployment is not None and len(parts) > 5 and parts[5] == "statuses":
            if method == "POST":
                answer = {"id": len(deployment["statuses"]) + 1, **body}
                deployment["statuses"].append(answer)
            else:
                answer = list(reversed(deployment["statuses"]))[:per_page]
elif method == "GET" and len(parts) >= 6 and parts[0] == "repos" and parts[3] == "commits" and parts[5] == "pulls":
    answer = []
json.dump(state, open(state_file, "w"))
if answer is None:
    sys.exit(f"gh: Not Found (HTTP 404) {method} {api_path}")
text = json.dumps(answer)
if jq:
    sys.stdout.write(subprocess.run(["jq", "-r", jq], input=text, capture_output=True, text=True, check=True).stdout)
elif not silent:
    sys.stdout.write(text)
`;

const FAKE_AWS = `
import json, os, sys, urllib.error, urllib.parse, urllib.request
args = sys.argv[1:]
if args[:2] != ["lambda", "invoke"]:
    sys.stderr.write("aws stand-in: only 'aws lambda invoke' is implemented\\n")
    sys.exit(2)
options, positional, i = {}, [], 2
while i < len(args):
    if args[i].startswith("--"):
        options[args[i][2:]] = args[i + 1]; i += 2
    else:
        positional.append(args[i]); i += 1
if "function-name" not in options or len(positional) != 1:
    sys.stderr.write("aws: error: the following arguments are required: --function-name, outfile\\n")
    sys.exit(252)
query = "?Qualifier=" + urllib.parse.quote(options["qualifier"]) if "qualifier" in options else ""
url = os.environ["AWS_ENDPOINT_URL_LAMBDA"] + "/2015-03-31/functions/" + urllib.parse.quote(options["function-name"], safe="") + "/invocations" + query
request = urllib.request.Request(url, data=options.get("payload", "{}").encode(), method="POST", headers={"X-Amz-Invocation-Type": options.get("invocation-type", "RequestResponse")})
try:
    with urllib.request.urlopen(request, timeout=float(options.get("cli-read-timeout", "60"))) as response:
        payload, headers, status = response.read(), response.headers, response.status
except urllib.error.HTTPError as error:
    text = error.read().decode()
    message = json.loads(text).get("message", text) if text.startswith("{") else text
    sys.stderr.write("\\nAn error occurred (" + (error.headers.get("X-Amzn-ErrorType") or "ServiceException") + ") when calling the Invoke operation: " + message + "\\n")
    sys.exit(254)
open(positional[0], "wb").write(payload)
result = {"StatusCode": status, **({"FunctionError": headers["X-Amz-Function-Error"]} if headers.get("X-Amz-Function-Error") else {}), "ExecutedVersion": headers.get("X-Amz-Executed-Version")}
print(json.dumps(result, indent=4))
`;

export interface CommandStandIns {
  /** Put first on PATH. */
  readonly bin: string;
  /** The fake GitHub's state folder (SCENARIO_GITHUB_STATE). */
  readonly githubState: string;
  /** Every `gh api` call so far. */
  githubCalls(): { method: string; path: string; body?: Record<string, unknown> }[];
}

/** Writes `gh` and `aws` into <folder>/bin, run by `python` (an absolute path to a Python 3 interpreter). */
export function writeCommandStandIns(folder: string, python: string): CommandStandIns {
  const bin = path.join(folder, 'bin');
  const githubState = path.join(folder, 'github');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(githubState, { recursive: true });
  fs.writeFileSync(path.join(bin, 'gh'), `#!${python} -S${FAKE_GH}`, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'aws'), `#!${python} -S${FAKE_AWS}`, { mode: 0o755 });
  return {
    bin,
    githubState,
    githubCalls: () => {
      const file = path.join(githubState, 'state.json');
      return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).calls : [];
    },
  };
}
