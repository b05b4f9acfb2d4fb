import { iamCases, iamFixtures, kmsFixtures } from './fixtures/identity';
import { testRuleCases, testRuleFixtures } from './rule-fixtures';

testRuleFixtures(iamFixtures);
testRuleCases(iamCases);
testRuleFixtures(kmsFixtures);
