import { accountSourceFile } from './load';
import type { AccountConfig } from './schema';

/**
 * Names RFC 2606 reserves for documentation and testing (https://www.rfc-editor.org/rfc/rfc2606):
 * the second-level domains example.com/.net/.org and the top-level names .example, .test,
 * .invalid and .localhost. Mail to them reaches nobody.
 */
const RESERVED_SECOND_LEVEL = ['example.com', 'example.net', 'example.org'];
const RESERVED_TOP_LEVEL = ['example', 'test', 'invalid', 'localhost'];

/** Whether an email address is on a domain RFC 2606 reserves for documentation. */
export function isReservedDocumentationAddress(email: string): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase().replace(/\.$/, '');
  return (
    RESERVED_SECOND_LEVEL.some((reserved) => domain === reserved || domain.endsWith(`.${reserved}`)) ||
    RESERVED_TOP_LEVEL.includes(domain.split('.').pop() ?? '')
  );
}

/**
 * Configuration that synthesizes and applies but leaves alarms reaching nobody: an address on a
 * reserved documentation domain, or no destination at all. Warnings, not errors: an account may
 * be built before its team has an inbox, but the gap must stay visible (at synth and in the PR
 * plan summary). Each names the account file, the field and the fix.
 */
export function alarmDestinationWarnings(account: AccountConfig): string[] {
  const file = accountSourceFile(account) ?? `environments/accounts/${account.name}.ts`;
  const { emails, slack } = account.notifications;
  const warnings = emails.flatMap((email, index) =>
    isReservedDocumentationAddress(email)
      ? [
          `${file}: notifications.emails.${index}: '${email}' is on a domain reserved for documentation (RFC 2606), so alarm mail ` +
            "reaches nobody; use the team's real address",
        ]
      : [],
  );
  if (emails.length === 0 && !slack) {
    warnings.push(
      `${file}: notifications: no email address and no Slack channel, so alarms reach nobody; add notifications.emails or notifications.slack`,
    );
  }
  return warnings;
}

/**
 * NAT gateways while no VPC function may reach the internet (network.lambdaHttpsToInternet off):
 * nothing can route through them, yet each is billed by the hour.
 */
export function idleNatWarnings(account: AccountConfig): string[] {
  const file = accountSourceFile(account) ?? `environments/accounts/${account.name}.ts`;
  const { natGateways, lambdaHttpsToInternet } = account.network;
  if (natGateways === 'none' || lambdaHttpsToInternet) return [];
  return [
    `${file}: network.natGateways: '${natGateways}' pays for NAT that nothing uses (network.lambdaHttpsToInternet is off); ` +
      "set natGateways to 'none', or turn lambdaHttpsToInternet on for the API that needs it",
  ];
}

/** Every configuration warning of an account, as synth prints them and the PR plan summary shows them. */
export function configWarnings(account: AccountConfig): string[] {
  return [...alarmDestinationWarnings(account), ...idleNatWarnings(account)];
}
