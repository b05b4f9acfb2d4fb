import type { Rule } from '../rule';

export const vpcFlowLogs: Rule = {
  id: 'PLAT-VPC-1',
  checkov: ['CKV2_AWS_11'],
  trivy: ['AVD-AWS-0178'],
  resourceTypes: ['aws_vpc'],
  description: 'Every VPC has a flow log.',
  fix: 'add an aws_flow_log with vpcId = the VPC, trafficType ALL, to an encrypted log group with retention',
  check: (resource, context) =>
    context.referencing('aws_flow_log', resource).some((log) => String(log.config.vpc_id ?? '').includes(resource.address))
      ? undefined
      : 'no aws_flow_log has this vpc_id',
};
