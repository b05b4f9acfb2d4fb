import { Construct } from 'constructs';
import type { AccountConfig } from '../environments/schema';
import { AccountStack } from './account-stack';

export interface MainStackProps {
  readonly config: AccountConfig;
}

/** The account's workload: network, data, functions, API and monitoring. */
export class MainStack extends AccountStack {
  constructor(scope: Construct, id: string, props: MainStackProps) {
    super(scope, id, { config: props.config, unit: 'main' });
  }
}
