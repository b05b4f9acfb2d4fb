/**
 * Static AWS facts the configuration is validated against. They live in code (not data sources)
 * because synth is offline: nothing may call AWS to learn them. Extend a table when an account
 * needs a region, instance class or runtime that is not listed yet.
 */

/** Regions this estate may use, with the availability-zone letters each one has. */
export const REGION_AZ_LETTERS: Readonly<Record<string, readonly string[]>> = {
  'us-east-1': ['a', 'b', 'c', 'd', 'e', 'f'],
  'us-east-2': ['a', 'b', 'c'],
  'us-west-2': ['a', 'b', 'c', 'd'],
  'eu-west-1': ['a', 'b', 'c'],
  'eu-west-2': ['a', 'b', 'c'],
  'eu-west-3': ['a', 'b', 'c'],
  'eu-central-1': ['a', 'b', 'c'],
  'eu-north-1': ['a', 'b', 'c'],
  'ap-southeast-2': ['a', 'b', 'c'],
};

export const KNOWN_REGIONS = Object.keys(REGION_AZ_LETTERS);

/**
 * RDS instance classes by family, with memory in GiB per size. Memory drives the max_connections
 * every parameter group sets explicitly (see dbMaxConnections), which the connections alarm needs.
 */
const SIZES_T = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, '2xlarge': 32 };
const SIZES_M = { large: 8, xlarge: 16, '2xlarge': 32, '4xlarge': 64, '8xlarge': 128 };
const SIZES_R = { large: 16, xlarge: 32, '2xlarge': 64, '4xlarge': 128, '8xlarge': 256 };

export const DB_INSTANCE_FAMILIES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  'db.t3': SIZES_T,
  'db.t4g': SIZES_T,
  'db.m5': SIZES_M,
  'db.m6g': SIZES_M,
  'db.m6i': SIZES_M,
  'db.m7g': SIZES_M,
  'db.r5': SIZES_R,
  'db.r6g': SIZES_R,
  'db.r6i': SIZES_R,
  'db.r7g': SIZES_R,
};

/** Memory of an RDS instance class in GiB, or undefined when the class is not in the table. */
export function dbInstanceMemoryGiB(instanceClass: string): number | undefined {
  const match = /^(db\.[a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceClass);
  if (!match) return undefined;
  return DB_INSTANCE_FAMILIES[match[1]]?.[match[2]];
}

/**
 * The max_connections this estate sets in every PostgreSQL parameter group (and alarms against).
 * RDS's default is LEAST(DBInstanceClassMemory/9531392, 5000), but DBInstanceClassMemory is the
 * nominal memory less what the OS and RDS processes reserve (a db.t4g.micro defaults to about 81,
 * not the nominal 112), so the formula here takes 70% of the nominal memory: below the real
 * default of every class in the table, never a limit the instance cannot back with memory.
 */
export function dbMaxConnections(instanceClass: string): number {
  const gib = dbInstanceMemoryGiB(instanceClass);
  if (gib === undefined) throw new Error(`Unknown RDS instance class '${instanceClass}'`);
  return Math.min(Math.floor((gib * 1024 ** 3 * 7) / (10 * 9531392)), 5000);
}

/**
 * Lambda Python runtimes with the date AWS deprecates them (block-function-create date).
 * A runtime is allowed while its deprecation date is in the future; python3.9 and older are
 * refused outright. Dates from the AWS Lambda runtimes page.
 */
export const PYTHON_RUNTIME_DEPRECATION: Readonly<Record<string, string>> = {
  'python3.10': '2026-10-31',
  'python3.11': '2027-06-30',
  'python3.12': '2028-10-31',
  'python3.13': '2029-06-30',
};

export const REFUSED_PYTHON_RUNTIMES = ['python2.7', 'python3.6', 'python3.7', 'python3.8', 'python3.9'];

/** Runtimes allowed on a given day (defaults to today). */
export function allowedPythonRuntimes(today: Date = new Date()): string[] {
  const day = today.toISOString().slice(0, 10);
  return Object.entries(PYTHON_RUNTIME_DEPRECATION)
    .filter(([, deprecated]) => deprecated > day)
    .map(([runtime]) => runtime);
}
