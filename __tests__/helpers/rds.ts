/**
 * max_connections per RDS instance class as literals worked out by hand (70% of the nominal
 * memory over RDS's 9531392 bytes per connection), so the stack tests check the code's formula
 * instead of repeating it. An account on a class not listed here fails with a request to add it.
 */
const MAX_CONNECTIONS_BY_CLASS: Readonly<Record<string, number>> = {
  'db.t4g.micro': 78,
  'db.t4g.small': 157,
  'db.t4g.medium': 315,
  'db.t4g.large': 630,
  'db.t4g.xlarge': 1261,
  'db.r6g.large': 1261,
};

export function expectedMaxConnections(instanceClass: string): number {
  const value = MAX_CONNECTIONS_BY_CLASS[instanceClass];
  if (value === undefined) throw new Error(`__tests__/helpers/rds.ts: add the max_connections literal of ${instanceClass}`);
  return value;
}
