import { dataCases, dynamodbFixtures, logsFixtures, messagingFixtures, s3Fixtures, secretsFixtures } from './fixtures/data';
import { testRuleCases, testRuleFixtures } from './rule-fixtures';

testRuleFixtures(logsFixtures);
testRuleFixtures(messagingFixtures);
testRuleFixtures(s3Fixtures);
testRuleFixtures(secretsFixtures);
testRuleFixtures(dynamodbFixtures);
testRuleCases(dataCases);
