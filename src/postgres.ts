/**
 * `pulsewatch/postgres`: the PostgreSQL storage adapter (needs the `pg` peer dependency).
 * @module
 */
export { PostgresStorage } from './storage/postgres.js';
export { postgresStorageOptionsSchema } from './storage/postgres-options.js';
export type { PostgresStorageOptions, ResolvedPostgresStorageOptions } from './storage/postgres-options.js';
export { MIGRATIONS, SCHEMA_VERSION } from './storage/postgres-migrations.js';
export type { Migration } from './storage/postgres-migrations.js';
