/**
 * `pulsewatch/postgres`: the PostgreSQL storage adapter (needs the `pg` peer dependency).
 * @module
 */
export { PostgresStorage } from './storage/postgres/postgres-storage.js';
export type { PostgresStorageOptions, ResolvedPostgresStorageOptions } from './storage/postgres/postgres-options.js';
