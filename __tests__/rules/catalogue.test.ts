import { RULES } from '../../rules/index';
import { lambdaFixtures } from './fixtures/lambda';
import { rdsFixtures } from './fixtures/rds';
import { networkFixtures } from './fixtures/network';
import { apiGatewayFixtures, wafFixtures } from './fixtures/edge';
import { dynamodbFixtures, logsFixtures, messagingFixtures, s3Fixtures, secretsFixtures } from './fixtures/data';
import { iamFixtures, kmsFixtures } from './fixtures/identity';

const TABLES = [lambdaFixtures, rdsFixtures, networkFixtures, apiGatewayFixtures, wafFixtures, logsFixtures, messagingFixtures, s3Fixtures, secretsFixtures, dynamodbFixtures, iamFixtures, kmsFixtures];

describe('rule catalogue', () => {
  it('gives every rule a unique id of the form PLAT-<AREA>-<n>', () => {
    const ids = RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^PLAT-[A-Z0-9]+-\d+$/);
  });

  it('names scanner checks in their published formats', () => {
    for (const rule of RULES) {
      for (const id of [...(rule.checkov ?? []), ...Object.keys(rule.replacesCheckov ?? {})]) expect(id).toMatch(/^CKV2?_AWS_\d+$/);
      for (const id of rule.trivy ?? []) expect(id).toMatch(/^AVD-AWS-\d{4}$/);
    }
  });

  it('describes each rule and its fix, for Terraform AWS resource types', () => {
    for (const rule of RULES) {
      expect(rule.description.length).toBeGreaterThan(20);
      expect(rule.fix.length).toBeGreaterThan(10);
      expect(rule.resourceTypes.length).toBeGreaterThan(0);
      for (const type of rule.resourceTypes) expect(type).toMatch(/^aws_[a-z0-9_]+$/);
    }
  });

  it('has a violating and a compliant fixture for every rule, and none for unknown rules', () => {
    const fixtureIds = TABLES.flatMap((table) => Object.keys(table)).sort();
    expect(fixtureIds).toEqual(RULES.map((rule) => rule.id).sort());
  });
});
