import type { TerraformStack } from 'cdktf';
import { DatabaseAdmin } from '../../constructs/database-admin';
import type { EncryptionKey } from '../../constructs/encryption-key';
import { PostgresDatabase } from '../../constructs/postgres-database';
import { PythonLayer } from '../../constructs/python-layer';
import { readBuildManifest, REPO_ROOT } from '../../build/build-manifest';
import { DATABASE_ADMIN } from '../../catalogue/database-admin';
import { resourcesOf, synthWith } from '../helpers/edge-fixtures';
import { constructionError, testNetwork } from '../helpers/data-fixtures';
import * as path from 'node:path';

const manifest = readBuildManifest();
const FUNCTION_ROLES = ['insert_ppu_data', 'sync_clock'];

function build(stack: TerraformStack, key: EncryptionKey, proxy: boolean, instanceUsers: string[] = [DATABASE_ADMIN.migrationUser]): DatabaseAdmin {
  const network = testNetwork(stack, key);
  const database = new PostgresDatabase(stack, 'Database', {
    identifier: 'ppu-postgres', accountId: '111122223333', region: 'eu-west-1', engineVersion: '16', instanceClass: 'db.t4g.micro',
    databaseName: 'ppu', masterUsername: 'ppu_admin', network, encryptionKey: key, proxy, users: FUNCTION_ROLES, instanceUsers,
  });
  const layer = new PythonLayer(stack, 'Layer', {
    layerName: 'pg-driver', description: 'driver', zipPath: path.resolve(REPO_ROOT, manifest.layers['pg-driver'].zip), zipSha256: manifest.layers['pg-driver'].sha256,
    compatibleRuntimes: ['python3.12'], compatibleArchitectures: ['arm64'],
  });
  return new DatabaseAdmin(stack, 'DatabaseAdmin', {
    network, database, functionRoles: FUNCTION_ROLES, driverLayer: layer, artifact: manifest.databaseAdmin, artifactRoot: REPO_ROOT,
    encryptionKey: key, logRetentionDays: 30, accountId: '111122223333', region: 'eu-west-1',
  });
}

test('behind a proxy it needs the migrator as an instance user, and the error says so', () => {
  expect(constructionError((stack, key) => build(stack, key, true, []))).toBe(
    'DatabaseAdmin: the database has no secret for ppu_migrator; pass them in PostgresDatabaseProps users (functions) or instanceUsers (ppu_migrator)',
  );
});

test.each([true, false])('with proxy %s it runs at the instance in its own security group, reserved to one run at a time', (proxy) => {
  const json = synthWith((stack, key) => build(stack, key, proxy));
  const [[, fn]] = resourcesOf(json, 'aws_lambda_function');
  expect(fn).toMatchObject({ function_name: 'database-admin', handler: 'handler.handler', reserved_concurrent_executions: 1 });
  expect(fn.environment.variables.DB_HOST).toMatch(/^\$\{aws_db_instance\.[^}]+\.address\}$/);
  const [[groupId]] = resourcesOf(json, 'aws_security_group').filter(([, g]) => String(g.tags?.Name).endsWith('-database-admin'));
  expect(fn.vpc_config.security_group_ids).toEqual([`\${aws_security_group.${groupId}.id}`]);
});
