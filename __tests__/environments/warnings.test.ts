import { accountSourceFile, loadEnvironments } from '../../environments/load';
import { ConfigError } from '../../environments/load';
import { alarmDestinationWarnings, configWarnings, idleNatWarnings, isReservedDocumentationAddress } from '../../environments/warnings';

// RFC 2606 (https://www.rfc-editor.org/rfc/rfc2606) reserves example.com/.net/.org and the
// .example, .test, .invalid and .localhost names for documentation and testing: nobody receives mail there.
test.each([
  ['oncall@example.com', true],
  ['oncall@EXAMPLE.NET', true],
  ['oncall@alerts.example.org', true],
  ['oncall@team.test', true],
  ['oncall@host.invalid', true],
  ['oncall@notexample.com', false],
  ['oncall@example.co.uk', false],
  ['oncall@ppu-platform.io', false],
])('%s is on a reserved documentation domain: %s', (email, reserved) => {
  expect(isReservedDocumentationAddress(email)).toBe(reserved);
});

const [first] = loadEnvironments({ overrides: {} });
const withNotifications = (notifications: object) =>
  loadEnvironments({ overrides: { [first.name]: { notifications } } }).find((a) => a.name === first.name)!;

test('a reserved address is a warning naming the account file, the field and the fix', () => {
  const account = withNotifications({ emails: ['real@ppu-platform.io', 'placeholder@example.com'] });
  expect(accountSourceFile(account)).toMatch(/^environments\/accounts\/.+\.ts$/);
  expect(alarmDestinationWarnings(account)).toEqual([
    `${accountSourceFile(account)}: notifications.emails.1: 'placeholder@example.com' is on a domain reserved for documentation (RFC 2606), so alarm mail reaches nobody; use the team's real address`,
  ]);
});

test('no email and no Slack channel is a warning; a Slack channel alone is a destination', () => {
  const silent = withNotifications({ emails: [] });
  expect(alarmDestinationWarnings(silent)).toEqual([
    `${accountSourceFile(silent)}: notifications: no email address and no Slack channel, so alarms reach nobody; add notifications.emails or notifications.slack`,
  ]);
  expect(alarmDestinationWarnings(withNotifications({ emails: [], slack: { workspaceId: 'T01234567', channelId: 'C01234567' } }))).toEqual([]);
  expect(alarmDestinationWarnings(withNotifications({ emails: ['oncall@ppu-platform.io'] }))).toEqual([]);
});

const withNetwork = (network: object) => loadEnvironments({ overrides: { [first.name]: { network } } }).find((a) => a.name === first.name)!;

// NAT gateways bill per hour each (https://aws.amazon.com/vpc/pricing/); with lambdaHttpsToInternet
// off no security group lets anything use them.
test('NAT without internet egress is an idle-cost warning naming file, field and fix; none or egress on is quiet', () => {
  const idle = withNetwork({ natGateways: 'single' });
  expect(idleNatWarnings(idle)).toEqual([
    `${accountSourceFile(idle)}: network.natGateways: 'single' pays for NAT that nothing uses (network.lambdaHttpsToInternet is off); set natGateways to 'none', or turn lambdaHttpsToInternet on for the API that needs it`,
  ]);
  expect(configWarnings(idle)).toEqual(expect.arrayContaining(idleNatWarnings(idle)));
  expect(idleNatWarnings(withNetwork({ natGateways: 'none' }))).toEqual([]);
  expect(idleNatWarnings(withNetwork({ natGateways: 'per-az', lambdaHttpsToInternet: true }))).toEqual([]);
});

test('internet egress with NAT none is a configuration error naming the file, the field and the fix', () => {
  let error: unknown;
  try {
    withNetwork({ natGateways: 'none', lambdaHttpsToInternet: true });
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).problems).toEqual([
    expect.stringMatching(
      new RegExp(`^environments/accounts/[\\w-]+\\.ts: network\\.natGateways: is 'none' but network\\.lambdaHttpsToInternet is on.*set natGateways to 'single' or 'per-az', or turn lambdaHttpsToInternet off`),
    ),
  ]);
});
