// Records the statements a PostgresStorage sends through a pool: through pool.query and through
// the connections it checks out with pool.connect (rollup writes run on one connection, so that
// a rewrite's expected unique_violation does not cost a new one).
import type pg from 'pg';

export interface RecordedStatement {
  text: string;
  /** The prepared statement's name, when it was sent as one. */
  name: string | undefined;
}

/** Wraps `pool.query` and `pool.connect` until `restore()`; `statements` fills in call order. */
export function recordPoolStatements(pool: pg.Pool): { statements: RecordedStatement[]; texts: () => string[]; restore: () => void } {
  const statements: RecordedStatement[] = [];
  const record = (config: unknown): void => {
    if (typeof config === 'string') statements.push({ text: config, name: undefined });
    else statements.push({ text: (config as { text: string }).text, name: (config as { name?: string }).name });
  };
  const query = pool.query;
  const connect = pool.connect;
  const wrapped = new WeakSet<object>();
  (pool as { query: unknown }).query = function (this: pg.Pool, config: unknown, ...rest: unknown[]) {
    record(config);
    return (query as (...args: unknown[]) => unknown).call(this, config, ...rest);
  };
  (pool as { connect: unknown }).connect = async function (this: pg.Pool) {
    const client = await (connect as () => Promise<pg.PoolClient>).call(this);
    if (!wrapped.has(client)) {
      wrapped.add(client);
      const clientQuery = client.query;
      (client as { query: unknown }).query = function (this: pg.PoolClient, config: unknown, ...rest: unknown[]) {
        if (active) record(config);
        return (clientQuery as (...args: unknown[]) => unknown).call(this, config, ...rest);
      };
    }
    return client;
  };
  let active = true;
  return {
    statements,
    texts: () => statements.map((s) => s.text),
    restore: () => {
      active = false;
      (pool as { query: unknown }).query = query;
      (pool as { connect: unknown }).connect = connect;
    },
  };
}
