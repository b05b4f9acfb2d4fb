import { iamFixtures, kmsFixtures } from './fixtures/identity';
import { testRuleFixtures } from './rule-fixtures';

testRuleFixtures(iamFixtures);
testRuleFixtures(kmsFixtures);
