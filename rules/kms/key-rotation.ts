import { isTrue } from '../attributes';
import type { Rule } from '../rule';

export const kmsKeyRotation: Rule = {
  id: 'PLAT-KMS-1',
  checkov: ['CKV_AWS_7'],
  trivy: ['AVD-AWS-0065'],
  resourceTypes: ['aws_kms_key'],
  description: 'Symmetric KMS keys rotate their key material yearly.',
  fix: 'set enableKeyRotation: true (the EncryptionKey construct does)',
  check: (resource) => {
    if (String(resource.config.customer_master_key_spec ?? 'SYMMETRIC_DEFAULT') !== 'SYMMETRIC_DEFAULT') return undefined;
    return isTrue(resource.config.enable_key_rotation) ? undefined : 'enable_key_rotation is not true';
  },
};
