import { policyStatements } from '../attributes';
import type { PolicyStatementJson } from '../attributes';
import type { Rule } from '../rule';

/** A Deny of every S3 action on requests that did not arrive over TLS. */
function deniesInsecureTransport(statement: PolicyStatementJson): boolean {
  const condition = statement.Condition?.Bool?.['aws:SecureTransport'];
  const coversAll = statement.Action.some((action) => action === 's3:*' || action === '*');
  return statement.Effect === 'Deny' && coversAll && String(condition) === 'false';
}

export const s3TlsOnly: Rule = {
  id: 'PLAT-S3-4',
  resourceTypes: ['aws_s3_bucket'],
  description: 'Bucket policies deny every request that does not use TLS (aws:SecureTransport = false).',
  fix: 'add an aws_s3_bucket_policy with a Deny of s3:* on the bucket and its objects when aws:SecureTransport is "false"',
  check: (resource, context) => {
    const policies = context.referencing('aws_s3_bucket_policy', resource);
    if (policies.length === 0) return 'no aws_s3_bucket_policy references this bucket';
    const enforced = policies.some((policy) => {
      const statements = policyStatements(policy.config.policy);
      return typeof statements !== 'string' && statements.some(deniesInsecureTransport);
    });
    return enforced ? undefined : 'the bucket policy does not deny requests without TLS';
  },
};
