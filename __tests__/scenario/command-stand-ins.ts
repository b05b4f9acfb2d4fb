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

const FAKE_GH = `#!/usr/bin/env node
const fs = require('fs'), path = require('path'), { execFileSync } = require('child_process');
const stateFile = path.join(process.env.SCENARIO_GITHUB_STATE, 'state.json');
const state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : { next: 1, deployments: [], calls: [] };
const args = process.argv.slice(2);
if (args[0] !== 'api') { process.stderr.write('gh stand-in: only "gh api" is implemented\\n'); process.exit(1); }
let method = 'GET', jq, input = false, apiPath, silent = false;
for (let i = 1; i < args.length; i++) {
  const a = args[i];
  if (a === '--method' || a === '-X') method = args[++i];
  else if (a === '--jq' || a === '-q') jq = args[++i];
  else if (a === '--input') { input = true; i++; }
  else if (a === '--silent') silent = true;
  else if (a.startsWith('-')) { process.stderr.write('gh stand-in: unsupported flag ' + a + '\\n'); process.exit(1); }
  else if (!apiPath) apiPath = a;
}
const body = input ? JSON.parse(fs.readFileSync(0, 'utf8')) : undefined;
state.calls.push({ method, path: apiPath, body });
const url = new URL(apiPath, 'https://api.github.com/');
const parts = url.pathname.split('/').filter(Boolean);
let answer;
if (parts[0] === 'repos' && parts[3] === 'deployments') {
  const id = parts[4] ? Number(parts[4]) : undefined;
  if (method === 'POST' && id === undefined) {
    answer = { id: state.next++, sha: body.ref, ref: body.ref, environment: body.environment, task: body.task, description: body.description, statuses: [] };
    state.deployments.push(answer);
  } else if (method === 'GET' && id === undefined) {
    const env = url.searchParams.get('environment'), task = url.searchParams.get('task');
    answer = state.deployments.filter((d) => (!env || d.environment === env) && (!task || d.task === task)).reverse()
      .slice(0, Number(url.searchParams.get('per_page') || 30)).map(({ statuses, ...d }) => d);
  } else {
    const deployment = state.deployments.find((d) => d.id === id);
    if (!deployment || parts[5] !== 'statuses') answer = undefined;
    else if (method === 'POST') { answer = { id: deployment.statuses.length + 1, ...body }; deployment.statuses.push(answer); }
    else answer = [...deployment.statuses].reverse().slice(0, Number(url.searchParams.get('per_page') || 30));
  }
} else if (method === 'GET' && parts[0] === 'repos' && parts[3] === 'commits' && parts[5] === 'pulls') {
  answer = [];
}
fs.writeFileSync(stateFile, JSON.stringify(state));
if (answer === undefined) { process.stderr.write('gh: Not Found (HTTP 404) ' + method + ' ' + apiPath + '\\n'); process.exit(1); }
const text = JSON.stringify(answer);
if (jq) process.stdout.write(execFileSync('jq', ['-r', jq], { input: text }));
else if (!silent) process.stdout.write(text);
`;

const FAKE_AWS = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
if (args[0] !== 'lambda' || args[1] !== 'invoke') { process.stderr.write('aws stand-in: only "aws lambda invoke" is implemented\\n'); process.exit(2); }
const options = {}; const positional = [];
for (let i = 2; i < args.length; i++) {
  if (args[i].startsWith('--')) options[args[i].slice(2)] = args[++i]; else positional.push(args[i]);
}
if (!options['function-name'] || positional.length !== 1) { process.stderr.write('aws: error: the following arguments are required: --function-name, outfile\\n'); process.exit(252); }
const query = options.qualifier ? '?Qualifier=' + encodeURIComponent(options.qualifier) : '';
const url = process.env.AWS_ENDPOINT_URL_LAMBDA + '/2015-03-31/functions/' + encodeURIComponent(options['function-name']) + '/invocations' + query;
fetch(url, { method: 'POST', body: options.payload ?? '{}', headers: { 'X-Amz-Invocation-Type': options['invocation-type'] ?? 'RequestResponse' } }).then(async (response) => {
  const text = await response.text();
  if (response.status >= 300) {
    const type = response.headers.get('x-amzn-errortype') || 'ServiceException';
    process.stderr.write('\\nAn error occurred (' + type + ') when calling the Invoke operation: ' + (JSON.parse(text).message || text) + '\\n');
    process.exit(254);
  }
  fs.writeFileSync(positional[0], text);
  const error = response.headers.get('x-amz-function-error');
  process.stdout.write(JSON.stringify({ StatusCode: response.status, ...(error ? { FunctionError: error } : {}), ExecutedVersion: response.headers.get('x-amz-executed-version') }, null, 4) + '\\n');
});
`;

export interface CommandStandIns {
  /** Put first on PATH. */
  readonly bin: string;
  /** The fake GitHub's state folder (SCENARIO_GITHUB_STATE). */
  readonly githubState: string;
  /** Every `gh api` call so far. */
  githubCalls(): { method: string; path: string; body?: Record<string, unknown> }[];
}

export function writeCommandStandIns(folder: string): CommandStandIns {
  const bin = path.join(folder, 'bin');
  const githubState = path.join(folder, 'github');
  fs.mkdirSync(bin, { recursive: true });
  fs.mkdirSync(githubState, { recursive: true });
  fs.writeFileSync(path.join(bin, 'gh'), FAKE_GH, { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'aws'), FAKE_AWS, { mode: 0o755 });
  return {
    bin,
    githubState,
    githubCalls: () => {
      const file = path.join(githubState, 'state.json');
      return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).calls : [];
    },
  };
}
