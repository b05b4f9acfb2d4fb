import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { checkStack, type StackReport } from '../../rules/engine';

/** The day the fixtures are judged on, so date-dependent rules give the same answer every run. */
export const FIXTURE_DAY = new Date('2026-06-01T00:00:00Z');
export const ACCOUNT = '123456789012';
export const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/fixture`;

// Apps create their outdir even when nothing is written; one scratch folder serves every fixture.
const OUTDIR = fs.mkdtempSync(path.join(os.tmpdir(), 'rule-fixtures-'));
afterAll(() => fs.rmSync(OUTDIR, { recursive: true, force: true }));

/** A minimal violating and a minimal compliant construct tree for one rule. */
export interface RuleFixtures {
  readonly violating: (stack: TerraformStack) => void;
  readonly compliant: (stack: TerraformStack) => void;
}

export type FixtureTable = Readonly<Record<string, RuleFixtures>>;

/** Builds a one-provider stack with `build` and runs every rule over it. */
export function reportFor(build: (stack: TerraformStack) => void): StackReport {
  const stack = new TerraformStack(new App({ outdir: OUTDIR, skipValidation: true }), 'fixture');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  build(stack);
  return checkStack(stack, { today: FIXTURE_DAY });
}

export function ruleIdsFor(build: (stack: TerraformStack) => void): string[] {
  return reportFor(build).violations.map((violation) => violation.ruleId);
}

/** Two tests per rule: the violating fixture is reported under the rule's id, the compliant one is not. */
export function testRuleFixtures(table: FixtureTable): void {
  for (const [ruleId, fixtures] of Object.entries(table)) {
    describe(ruleId, () => {
      it('reports the violating fixture with its id', () => {
        expect(ruleIdsFor(fixtures.violating)).toContain(ruleId);
      });
      it('passes the compliant fixture', () => {
        expect(ruleIdsFor(fixtures.compliant)).not.toContain(ruleId);
      });
    });
  }
}

/**
 * Further fixtures for one rule, each named after the case: violating ones are loopholes that must
 * stay closed, compliant ones are the exemptions the rule still grants.
 */
export interface RuleCases {
  readonly violating?: Readonly<Record<string, (stack: TerraformStack) => void>>;
  readonly compliant?: Readonly<Record<string, (stack: TerraformStack) => void>>;
}

export type CaseTable = Readonly<Record<string, RuleCases>>;

/** One test per case: a violating case is reported under the rule's id, a compliant one is not. */
export function testRuleCases(table: CaseTable): void {
  for (const [ruleId, cases] of Object.entries(table)) {
    describe(`${ruleId} cases`, () => {
      for (const [name, build] of Object.entries(cases.violating ?? {})) {
        it(`reports ${name}`, () => {
          expect(ruleIdsFor(build)).toContain(ruleId);
        });
      }
      for (const [name, build] of Object.entries(cases.compliant ?? {})) {
        it(`passes ${name}`, () => {
          expect(ruleIdsFor(build)).not.toContain(ruleId);
        });
      }
    });
  }
}

/** Alias name and alias ARN of an AWS-managed key: encrypted, but not customer-managed. */
export function awsManagedKeys(service: string): { readonly alias: string; readonly aliasArn: string } {
  return { alias: `alias/aws/${service}`, aliasArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/aws/${service}` };
}
