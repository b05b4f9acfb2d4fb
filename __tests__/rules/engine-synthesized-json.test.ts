import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { applyRules, SecurityRulesError } from '../../rules/engine';
import { tempDir } from '../helpers/temp';
import { FIXTURE_DAY, KEY_ARN } from './rule-fixtures';

/**
 * The rules run on the JSON the synthesizer wrote instead of resolving every stack a second time
 * (resolving is most of synth's CPU). What they judge is still exactly what Terraform receives.
 */
function appWithLogGroup(retentionInDays?: number): { app: App; stack: TerraformStack; resolves: () => number } {
  const app = new App({ outdir: tempDir('rules-synthesized-') });
  const stack = new TerraformStack(app, 'fixture');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  new CloudwatchLogGroup(stack, 'Group', { name: '/fixture', kmsKeyId: KEY_ARN, retentionInDays });
  applyRules(stack, { today: FIXTURE_DAY });
  const toTerraform = jest.spyOn(stack, 'toTerraform');
  return { app, stack, resolves: () => toTerraform.mock.calls.length };
}

test('a synth resolves each stack once: the rules read the stack file the synthesizer wrote', () => {
  const { app, resolves } = appWithLogGroup(30);
  app.synth();
  expect(resolves()).toBe(1);
});

test('a finding in the synthesized JSON still fails the synth', () => {
  const { app, resolves } = appWithLogGroup();
  expect(() => app.synth()).toThrow(SecurityRulesError);
  expect(() => app.synth()).toThrow(/PLAT-LOGS-1 .* at fixture\/Group/);
  expect(resolves()).toBe(2);
});
