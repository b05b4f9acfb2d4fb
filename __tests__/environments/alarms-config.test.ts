import { defaults } from '../../environments/defaults';
import { ConfigError, loadEnvironments, type Overrides } from '../../environments/load';
import { alarmDestinationWarnings } from '../../environments/warnings';

function problemsFor(overrides: Overrides): readonly string[] {
  try {
    loadEnvironments({ overrides });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('configuration was accepted');
}

// The thresholds in use before this repository (shared/DESIGN.md section 2) are the defaults every
// account inherits unless its file says otherwise (inheritance itself: load.test.ts).
test('the defaults carry the design alarm thresholds', () => {
  expect([defaults.alarms.apiErrorRatePercent, defaults.alarms.apiP95LatencyMs, defaults.alarms.dbConnectionsPercentOfMax]).toEqual([5, 10000, 80]);
});

test('every account either sends its alarms somewhere or synth warns that they reach nobody', () => {
  for (const account of loadEnvironments({ overrides: {} })) {
    const destination = account.notifications.emails.length > 0 || account.notifications.slack !== undefined;
    const nobody = alarmDestinationWarnings(account).some((w) => w.includes('no email address and no Slack channel'));
    expect([account.name, destination, nobody]).toEqual([account.name, !nobody, !destination]);
  }
});

test('an account may override one threshold and keep the rest', () => {
  const staging = loadEnvironments({ overrides: { staging: { alarms: { apiP95LatencyMs: 3000 } } } }).find((a) => a.name === 'staging');
  expect(staging?.alarms).toMatchObject({ apiP95LatencyMs: 3000, apiErrorRatePercent: 5 });
});

test('an invalid email address is refused naming the file, the field and the value kind', () => {
  expect(problemsFor({ dev: { notifications: { emails: ['platform-alerts@example.com', 'on call'] } } })).toEqual([
    expect.stringMatching(/accounts[/\\]dev\.ts: notifications\.emails\.1: is not a valid email address$/),
  ]);
});

test.each([
  ['apiErrorRatePercent', 0],
  ['apiErrorRatePercent', 150],
  ['dbConnectionsPercentOfMax', 101],
  ['functionDurationPercentOfTimeout', -5],
])('alarm threshold %s = %d is out of range and refused', (field, value) => {
  const [problem, ...rest] = problemsFor({ staging: { alarms: { [field]: value } } });
  expect(rest).toEqual([]);
  expect(problem).toMatch(new RegExp(`accounts[/\\\\]staging\\.ts: alarms\\.${field}: is a percentage: use a number above 0 and at most 100$`));
});

test.each([
  ['apiP95LatencyMs', 0],
  ['apiEvaluationMinutes', 2.5],
  ['wafBlockedRequestsPer5Minutes', -1],
])('non-positive or fractional %s = %d is refused', (field, value) => {
  const problems = problemsFor({ dev: { alarms: { [field]: value } } });
  expect(problems).toHaveLength(1);
  expect(problems[0]).toContain(`dev.ts: alarms.${field}: `);
});

test('a misspelt alarm knob is an error, not a silently ignored threshold', () => {
  const problems = problemsFor({ dev: { alarms: { apiErrorRate: 3 } as never } });
  expect(problems[0]).toMatch(/dev\.ts: alarms: .*apiErrorRate/);
});
