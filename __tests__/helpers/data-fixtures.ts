import { Testing, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { EncryptionKey } from '../../constructs/encryption-key';
import { Network, type NetworkProps } from '../../constructs/network';
import { ServiceRole } from '../../constructs/service-role';

/** Network props shaped like an account's configuration (dev-sized). */
export const NETWORK_PROPS: Omit<NetworkProps, 'encryptionKey'> = {
  name: 'test',
  accountId: '111122223333',
  region: 'eu-west-1',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  cidr: '10.10.0.0/16',
  publicSubnetCidrs: ['10.10.0.0/24', '10.10.1.0/24'],
  privateSubnetCidrs: ['10.10.16.0/20', '10.10.32.0/20'],
  natGateways: 'single',
  interfaceEndpoints: ['secretsmanager', 'logs', 'sts'],
  flowLogRetentionDays: 30,
};

export function testNetwork(scope: Construct, key: EncryptionKey, overrides: Partial<NetworkProps> = {}): Network {
  return new Network(scope, 'Network', { ...NETWORK_PROPS, encryptionKey: key, ...overrides });
}

/** A real role to grant to; its grantedStatements show what a grant produced. */
export function testRole(scope: Construct, id = 'Role'): ServiceRole {
  return new ServiceRole(scope, id, { roleName: `test-${id.toLowerCase()}`, servicePrincipal: 'lambda.amazonaws.com', description: 'test grantee' });
}

/** The message `build` throws while constructing in a fresh stack with a key ('' if it does not throw). */
export function constructionError(build: (stack: TerraformStack, key: EncryptionKey) => void): string {
  const stack = new TerraformStack(Testing.app(), 'test');
  const key = new EncryptionKey(stack, 'Key', { alias: 'test', description: 'test key', accountId: '111122223333', region: 'eu-west-1' });
  try {
    build(stack, key);
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}

/** The Terraform reference expression a synthesized property holds for `type.id.attribute`. */
export const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;
