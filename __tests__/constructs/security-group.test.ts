import type { Construct } from 'constructs';
import { SecurityGroup } from '../../constructs/security-group';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';
import { constructionError } from '../helpers/data-fixtures';

const group = (scope: Construct, id: string) =>
  new SecurityGroup(scope, id, { vpcId: 'vpc-123', groupName: id.toLowerCase(), description: `${id} group` });

test('connectTo opens egress on the source and ingress on the target, group to group', () => {
  const json = synthWith((stack) => {
    const app = group(stack, 'App');
    const db = group(stack, 'Db');
    app.connectTo(db, 5432, 'AppToDb', 'PostgreSQL from the app');
  });
  const [[, egress]] = resourcesOf(json, 'aws_vpc_security_group_egress_rule');
  const [[, ingress]] = resourcesOf(json, 'aws_vpc_security_group_ingress_rule');
  const [[appId], [dbId]] = resourcesOf(json, 'aws_security_group');
  expect(egress).toMatchObject({ security_group_id: `\${aws_security_group.${appId}.id}`, referenced_security_group_id: `\${aws_security_group.${dbId}.id}`, from_port: 5432, to_port: 5432, ip_protocol: 'tcp' });
  expect(ingress).toMatchObject({ security_group_id: `\${aws_security_group.${dbId}.id}`, referenced_security_group_id: `\${aws_security_group.${appId}.id}`, description: 'PostgreSQL from the app' });
});

test('adding the same rule twice creates it once', () => {
  const json = synthWith((stack) => {
    const app = group(stack, 'App');
    for (let i = 0; i < 2; i += 1) app.allowEgress({ id: 'Https', peer: { cidrIpv4: '0.0.0.0/0' }, port: 443, description: 'HTTPS out' });
  });
  expect(resourcesOf(json, 'aws_vpc_security_group_egress_rule')).toHaveLength(1);
});

test('a replacement group is created before the old one goes, under a generated name so the two never clash', () => {
  const json = synthWith((stack) => group(stack, 'App'));
  const [[, sg]] = resourcesOf(json, 'aws_security_group');
  expect(sg.lifecycle).toEqual({ create_before_destroy: true });
  // A fixed name with create-before-destroy fails every replacement with InvalidGroup.Duplicate.
  expect(sg.name).toBeUndefined();
  expect(sg.name_prefix).toBe('app-');
  expect(sg.tags).toEqual({ Name: 'app' });
  expect(sg.description).toBe('App group');
});

test('a group name that cannot prefix a security group name is refused', () => {
  expect(constructionError((stack) => new SecurityGroup(stack, 'G', { vpcId: 'vpc-1', groupName: 'x'.repeat(100), description: 'd' }))).toMatch(
    /groupName must be 1-99 letters/,
  );
});

test('a rule without a description is refused', () => {
  expect(
    constructionError((stack) => group(stack, 'App').allowEgress({ id: 'Out', peer: { cidrIpv4: '10.0.0.0/8' }, port: 443, description: ' ' })),
  ).toBe('SecurityGroup app: rule Out has no description; say why the traffic is allowed');
});

test('a port outside 1-65535 is refused', () => {
  expect(constructionError((stack) => group(stack, 'App').allowIngress({ id: 'In', peer: { cidrIpv4: '10.0.0.0/8' }, port: 70000, description: 'x' }))).toMatch(
    /rule In port 70000 is not a TCP port/,
  );
});

test('a group without a description is refused', () => {
  expect(constructionError((stack) => new SecurityGroup(stack, 'G', { vpcId: 'vpc-1', groupName: 'g', description: '' }))).toMatch(/description is empty/);
});
