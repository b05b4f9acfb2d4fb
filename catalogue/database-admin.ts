import { DB_MIGRATION_USER, type SharedModule } from '.';

/**
 * The database's schema owner (lambda-functions/database-admin/): bootstrap, as the RDS master user,
 * creates the migration role; migrate, as that role, applies the migrations and the functions'
 * roles. One zip, one function per account, built with the functions but outside the catalogue: it
 * serves no request and no release ships it through CodeDeploy. The deploy and apply workflows invoke
 * it after every apply and before the release (.github/scripts/database-admin.sh); an administrator
 * invokes it with `aws lambda invoke --function-name database-admin --payload '{"action":"bootstrap"}'`.
 */
export const DATABASE_ADMIN = {
  functionName: 'database-admin',
  /** Its folder under lambda-functions/. */
  folder: 'database-admin',
  handler: 'handler.handler',
  description: 'Database bootstrap (as the master user) and migrations (as the migration role); invoked after every apply',
  sharedModules: ['platform_log', 'platform_db', 'platform_migrations'] as readonly SharedModule[],
  /** The role migrations log in as (platform_migrations.MIGRATION_ROLE). */
  migrationUser: DB_MIGRATION_USER,
  /** What the workflows run, in order, after every apply; both idempotent. */
  deployActions: ['bootstrap', 'migrate'] as const,
  /** One run at a time; the migrations also serialise on an advisory lock. Counted by the concurrency pre-flight. */
  reservedConcurrency: 1,
} as const;
