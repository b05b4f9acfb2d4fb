import { rdsFixtures } from './fixtures/rds';
import { testRuleFixtures } from './rule-fixtures';

testRuleFixtures(rdsFixtures);
