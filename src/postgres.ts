/**
 * `pulsewatch/postgres`: the PostgreSQL storage adapter (needs the `pg` peer dependency).
 * @module
 */
export { PostgresStorage } from './storage/postgres/postgres-storage.js';
export { postgresStorageOptionsSchema } from './storage/postgres/postgres-options.js';
export type { PostgresStorageOptions, ResolvedPostgresStorageOptions } from './storage/postgres/postgres-options.js';
export { MIGRATIONS, SCHEMA_VERSION } from './storage/postgres/postgres-migrations.js';
export type { Migration } from './storage/postgres/postgres-migrations.js';
