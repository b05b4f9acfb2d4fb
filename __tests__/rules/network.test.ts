import { networkFixtures } from './fixtures/network';
import { testRuleFixtures } from './rule-fixtures';

testRuleFixtures(networkFixtures);
