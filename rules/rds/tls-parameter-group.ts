import { blocks } from '../attributes';
import type { ResourceView, Rule, RuleContext } from '../rule';

/** The parameter that makes each engine refuse unencrypted connections. */
const TLS_PARAMETER: Readonly<Record<string, { name: string; value: string }>> = {
  postgres: { name: 'rds.force_ssl', value: '1' },
  mysql: { name: 'require_secure_transport', value: '1' },
  mariadb: { name: 'require_secure_transport', value: '1' },
};

function parameterGroup(instance: ResourceView, context: RuleContext): ResourceView | undefined {
  const reference = instance.config.parameter_group_name;
  return context.resolve(reference) ?? context.resources('aws_db_parameter_group').find((group) => group.config.name === reference);
}

export const rdsTlsParameterGroup: Rule = {
  id: 'PLAT-RDS-6',
  checkov: ['CKV2_AWS_69'],
  resourceTypes: ['aws_db_instance'],
  description: 'RDS instances use a parameter group of this stack that forces TLS (rds.force_ssl=1 for PostgreSQL).',
  fix: 'create an aws_db_parameter_group with rds.force_ssl = 1 and set parameterGroupName to it',
  check: (resource, context) => {
    const engine = String(resource.config.engine ?? '');
    const required = TLS_PARAMETER[engine];
    if (!required) return `engine ${engine || '(not set)'} has no known TLS-forcing parameter`;
    const group = parameterGroup(resource, context);
    if (!group) return 'parameter_group_name does not name a parameter group of this stack';
    const value = String(blocks(group.config.parameter).find((p) => p.name === required.name)?.value ?? '').toUpperCase();
    if (value !== required.value && value !== 'ON') {
      return `parameter group ${group.address} does not set ${required.name} = ${required.value}`;
    }
    return undefined;
  },
};
