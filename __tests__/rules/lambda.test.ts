import { lambdaCases, lambdaFixtures } from './fixtures/lambda';
import { testRuleCases, testRuleFixtures } from './rule-fixtures';

testRuleFixtures(lambdaFixtures);
testRuleCases(lambdaCases);
