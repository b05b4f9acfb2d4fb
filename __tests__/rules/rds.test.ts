import { rdsCases, rdsFixtures } from './fixtures/rds';
import { testRuleCases, testRuleFixtures } from './rule-fixtures';

testRuleFixtures(rdsFixtures);
testRuleCases(rdsCases);
