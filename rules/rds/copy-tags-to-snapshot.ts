import { isTrue } from '../attributes';
import type { Rule } from '../rule';

export const rdsCopyTagsToSnapshot: Rule = {
  id: 'PLAT-RDS-11',
  checkov: ['CKV2_AWS_60'],
  resourceTypes: ['aws_db_instance'],
  description: 'RDS copies the instance tags to its snapshots, so ownership and environment survive in backups.',
  fix: 'set copyTagsToSnapshot: true',
  check: (resource) => (isTrue(resource.config.copy_tags_to_snapshot) ? undefined : 'copy_tags_to_snapshot is not true'),
};
