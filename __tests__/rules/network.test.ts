import { networkCases, networkFixtures } from './fixtures/network';
import { testRuleCases, testRuleFixtures } from './rule-fixtures';

testRuleFixtures(networkFixtures);
testRuleCases(networkCases);
