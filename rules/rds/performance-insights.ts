import { customerManagedKeyProblem, isTrue } from '../attributes';
import type { Rule } from '../rule';

export const rdsPerformanceInsights: Rule = {
  id: 'PLAT-RDS-9',
  checkov: ['CKV_AWS_353', 'CKV_AWS_354'],
  trivy: ['AVD-AWS-0133', 'AVD-AWS-0078'],
  resourceTypes: ['aws_db_instance'],
  description: 'RDS Performance Insights is on and encrypted with a customer-managed KMS key.',
  fix: "set performanceInsightsEnabled: true and performanceInsightsKmsKeyId to the platform key ARN",
  check: (resource) => {
    if (!isTrue(resource.config.performance_insights_enabled)) return 'performance_insights_enabled is not true';
    return customerManagedKeyProblem('performance_insights_kms_key_id', resource.config.performance_insights_kms_key_id);
  },
};
