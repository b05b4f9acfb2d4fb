import { lambdaFixtures } from './fixtures/lambda';
import { testRuleFixtures } from './rule-fixtures';

testRuleFixtures(lambdaFixtures);
