/**
 * `pulsewatch/postgres`: the PostgreSQL storage adapter (needs the `pg` peer dependency).
 * @module
 */
export { PostgresStorage } from './storage/postgres/postgres-storage.js';
export { instrumentPg, PG_METRICS, QUERY_BUCKETS } from './integrations/instrument/pg.js';
export type { InstrumentPgOptions, PgPool, PgQueryable, PgPoolStats } from './integrations/instrument/pg.js';
export type { Uninstrument } from './integrations/instrument/shared.js';
export type { PostgresStorageOptions, ResolvedPostgresStorageOptions } from './storage/postgres/postgres-options.js';
