import { apiGatewayFixtures, wafFixtures } from './fixtures/edge';
import { testRuleFixtures } from './rule-fixtures';

testRuleFixtures(apiGatewayFixtures);
testRuleFixtures(wafFixtures);
