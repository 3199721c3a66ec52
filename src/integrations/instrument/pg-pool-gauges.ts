import { ConfigError } from '../../core/errors.js';
import type { Gauge } from '../../metrics/gauge.js';
import type { Monitor } from '../../monitor.js';
import { reportFailure } from './shared.js';

/** What a pg `Pool` tells about its connections (pg-pool's public getters). */
export interface PgPoolStats {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount?: number;
  readonly options?: { readonly max?: unknown };
}

/** Gauge names, repeated from PG_METRICS (pg.ts imports this file). */
const NAMES = { connections: 'db_pool_connections', waiting: 'db_pool_waiting_clients', max: 'db_pool_max_connections' } as const;

const byMonitor = new WeakMap<Monitor, PoolGauges>();

/**
 * The pool gauges of one monitor, read from every instrumented pool each time the monitor reads
 * them: one set of gauges (a gauge has one `collect`), one series per pool name.
 */
export class PoolGauges {
  private readonly pools = new Map<string, PgPoolStats>();
  private readonly connections: Gauge<'pool' | 'state'>;
  private readonly waiting: Gauge<'pool'>;
  private readonly max: Gauge<'pool'>;

  private constructor(private readonly monitor: Monitor) {
    this.connections = monitor.gauge({
      name: NAMES.connections,
      help: 'Connections of a database pool by state: in_use (checked out) or idle',
      labelNames: ['pool', 'state'] as const,
      collect: () => this.read((name, p) => {
        this.connections.set(p.totalCount - p.idleCount, { pool: name, state: 'in_use' });
        this.connections.set(p.idleCount, { pool: name, state: 'idle' });
      }),
    });
    this.waiting = monitor.gauge({
      name: NAMES.waiting,
      help: 'Requests waiting for a connection of a database pool (pool exhausted when above 0)',
      labelNames: ['pool'] as const,
      collect: () => this.read((name, p) => this.waiting.set(typeof p.waitingCount === 'number' ? p.waitingCount : 0, { pool: name })),
    });
    this.max = monitor.gauge({
      name: NAMES.max,
      help: 'Most connections a database pool opens (its max option)',
      labelNames: ['pool'] as const,
      collect: () => this.read((name, p) => {
        const max = p.options?.max;
        if (typeof max === 'number' && Number.isFinite(max)) this.max.set(max, { pool: name });
      }),
    });
  }

  /** The gauges of `monitor`, defined on first use. */
  static of(monitor: Monitor): PoolGauges {
    let gauges = byMonitor.get(monitor);
    if (gauges === undefined) {
      gauges = new PoolGauges(monitor);
      byMonitor.set(monitor, gauges);
    }
    return gauges;
  }

  /** Reads `pool` under `name` from now on. */
  claim(name: string, pool: PgPoolStats): void {
    const holder = this.pools.get(name);
    if (holder !== undefined && holder !== pool) {
      throw new ConfigError(`instrumentPg: name: another pool is already instrumented as "${name}" on this monitor; give each pool its own name`);
    }
    this.pools.set(name, pool);
  }

  /**
   * Stops reading `pool` and removes its series: a pool nobody watches is no longer reported
   * (an exposition or dashboard would otherwise show a pool that went away, at its last or a
   * made-up value). The store keeps what was written before.
   */
  release(name: string, pool: PgPoolStats): void {
    if (this.pools.get(name) !== pool) return;
    this.pools.delete(name);
    this.connections.remove({ pool: name, state: 'in_use' });
    this.connections.remove({ pool: name, state: 'idle' });
    this.waiting.remove({ pool: name });
    this.max.remove({ pool: name });
  }

  private read(fn: (name: string, pool: PgPoolStats) => void): void {
    for (const [name, pool] of this.pools) {
      try {
        fn(name, pool);
      } catch (error) {
        reportFailure(this.monitor, 'instrumentPg', error);
      }
    }
  }
}
