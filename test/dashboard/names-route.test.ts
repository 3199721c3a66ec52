/**
 * GET /metrics/names, the explorer's list: this process's definitions merged with the names the
 * store holds (another instance's included), bounded, filtered, under the metric routes' auth,
 * hostile parameters refused with a 400 naming them, and a store that cannot list or fails
 * leaving this process's names.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, MemoryStorage, type Monitor, type MonitoringHandlerOptions, type PulsewatchError, type StorageAdapter } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { delegatingStorage } from '../helpers/delegating-storage.js';

const T0 = Date.parse('2026-12-07T00:00:00Z');
const TOKEN = 'pw_names_7f1c';
const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

interface Entry {
  name: string;
  kind: string;
  local: boolean;
  stored: boolean;
  help?: string;
  unit?: string;
  series?: number;
}
interface Body {
  names: Entry[];
  truncated: boolean;
  store: string;
}

/** Two monitors of one service on one store; `other` writes a metric `self` never defines. */
async function fleet(options: MonitoringHandlerOptions = {}, wrap: (s: StorageAdapter) => StorageAdapter = (s) => s) {
  const clock = new ManualClock(T0);
  const shared = new MemoryStorage({ now: () => clock.now() });
  const self = createMonitor({ service: 'api', instanceId: 'self', clock, storage: wrap(shared) });
  const other = createMonitor({ service: 'api', instanceId: 'other', clock, storage: shared });
  monitors.push(self, other);
  self.histogram({ name: 'http_request_duration_seconds', help: 'Request duration', unit: 'seconds', labelNames: ['route'] }).observe(0.1, { route: '/a' });
  const orders = other.counter({ name: 'orders_elsewhere_total', help: 'Orders taken by the other instance', labelNames: ['shop'] });
  orders.inc(3, { shop: 'x' });
  orders.inc(1, { shop: 'y' });
  await clock.advanceAsync(self.options.histogram.slotLength);
  await other.flush();
  const handle = createMonitoringHandler(self, options);
  const get = async (query = '', headers: Record<string, string> = {}): Promise<{ status: number; body: Body & { error?: { message: string; issues?: { path: string }[] } } }> => {
    const response = await handle(new Request(`http://localhost/metrics/names${query}`, { headers }));
    return { status: response.status, body: (await response.json()) as never };
  };
  return { self, other, get, clock };
}

describe('GET /metrics/names', () => {
  it('lists this process\'s definitions and the names another instance wrote to the store, in name order', async () => {
    const { get } = await fleet();
    const { status, body } = await get();
    expect(status).toBe(200);
    expect(body.store).toBe('listed');
    expect(body.truncated).toBe(false);
    const byName = new Map(body.names.map((n) => [n.name, n]));
    expect(byName.get('orders_elsewhere_total')).toMatchObject({ kind: 'counter', local: false, stored: true, series: 2 });
    expect(byName.get('http_request_duration_seconds')).toMatchObject({ kind: 'histogram', local: true, help: 'Request duration', unit: 'seconds' });
    const names = body.names.map((n) => n.name);
    expect(names).toEqual([...names].sort());
  });

  it('filters by `match` in any case and cuts at `limit`, saying so', async () => {
    const { get } = await fleet();
    expect((await get('?match=ORDERS_else')).body.names.map((n) => n.name)).toEqual(['orders_elsewhere_total']);
    const cut = (await get('?limit=1')).body;
    expect(cut.names).toHaveLength(1);
    expect(cut.truncated).toBe(true);
  });

  it('lists a matching name the store holds past its first 10,000 names', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const names = [...Array.from({ length: 10_000 }, (_, i) => `app_metric_${String(i).padStart(5, '0')}`), 'zz_orders_total'];
    await storage.writeRollups(names.map((name) => ({ name, kind: 'counter' as const, labels: {}, start: T0 - 20_000, end: T0 - 10_000, count: 1, sum: 1, min: 1, max: 1, instance: 'other' })));
    const monitor = createMonitor({ service: 'api', clock, storage });
    monitors.push(monitor);
    const handle = createMonitoringHandler(monitor, { publicRoutes: ['metrics'] });
    const body = (await (await handle(new Request('http://localhost/metrics/names?match=ZZ_orders'))).json()) as Body;
    expect(body.names.map((n) => n.name)).toEqual(['zz_orders_total']);
    expect(body.truncated).toBe(false);
  });

  it('passes `match` to the store, and filters what a store that does not read it lists', async () => {
    const queries: unknown[] = [];
    const { get } = await fleet({}, (s) => ({
      ...delegatingStorage(s, { name: 'ignores-match' }),
      // Lists every name, as a store that predates `match` does.
      listMetricNames: async (query) => {
        queries.push(query);
        return s.listMetricNames!({ since: query.since, limit: query.limit });
      },
    }));
    expect((await get('?match=ORDERS_else')).body.names.map((n) => n.name)).toEqual(['orders_elsewhere_total']);
    expect(queries).toEqual([expect.objectContaining({ match: 'ORDERS_else', limit: 10_000 })]);
    await get();
    expect(queries[1]).not.toHaveProperty('match');
  });

  it('asks the store for one name more than the page without `match`, and says the page was cut when the store has more', async () => {
    const queries: { limit?: number }[] = [];
    const { get } = await fleet({}, (s) => ({
      ...delegatingStorage(s, { name: 'counting' }),
      listMetricNames: async (query) => {
        queries.push(query);
        return s.listMetricNames!(query);
      },
    }));
    await get();
    expect(queries[0]!.limit).toBe(501);
    // The store holds one name this process does not define (orders_elsewhere_total) beside this process's.
    const one = (await get('?limit=1')).body;
    expect(queries[1]!.limit).toBe(2);
    expect(one.truncated).toBe(true);
    const all = (await get('?limit=1000')).body;
    expect(all.truncated).toBe(false);
    expect(all.names.map((n) => n.name)).toContain('orders_elsewhere_total');
  });

  it('lists names in code point order, as the stores cut them (not UTF-16 order)', async () => {
    const { get } = await fleet({}, (s) => ({
      ...delegatingStorage(s, { name: 'non-ascii' }),
      listMetricNames: async () => [
        { name: 'x_\u{1F600}', kind: 'gauge' as const, lastSeen: T0 },
        { name: 'x_\uFF21', kind: 'gauge' as const, lastSeen: T0 },
      ],
    }));
    expect((await get('?match=x_')).body.names.map((n) => n.name)).toEqual(['x_\uFF21', 'x_\u{1F600}']);
  });

  it('lists a stored name only when written within `window` (default 1 h)', async () => {
    const { get, clock } = await fleet();
    await clock.advanceAsync(2 * 3_600_000);
    expect((await get()).body.names.some((n) => n.name === 'orders_elsewhere_total')).toBe(false);
    expect((await get('?window=3h')).body.names.some((n) => n.name === 'orders_elsewhere_total')).toBe(true);
  });

  it('refuses hostile parameters with a 400 naming them', async () => {
    const { get } = await fleet();
    for (const [query, path] of [
      ['?limit=0', 'limit'],
      ['?limit=1001', 'limit'],
      ['?limit=1e3', 'limit'],
      ['?limit=-1', 'limit'],
      ['?limit=99999999999', 'limit'],
      [`?match=${'x'.repeat(201)}`, 'match'],
      ['?match=', 'match'],
      ['?match=a&match=b', 'match'],
      ['?window=-5m', 'window'],
      ['?window=0', 'window'],
      ['?window=400d', 'window'],
      [`?window=${'9'.repeat(30)}`, 'window'],
    ] as const) {
      const { status, body } = await get(query);
      expect({ query, status }).toEqual({ query, status: 400 });
      expect(body.error?.issues?.map((i) => i.path)).toContain(path);
    }
  });

  it('keeps the metric routes\' auth: 401 without the token, open with publicRoutes metrics', async () => {
    const closed = await fleet({ auth: TOKEN });
    expect((await closed.get()).status).toBe(401);
    expect((await closed.get('', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const open = await fleet({ auth: TOKEN, publicRoutes: ['metrics'] });
    expect((await open.get()).status).toBe(200);
  });

  it('lists this process\'s names alone from a store that cannot list names, or that fails (reported)', async () => {
    const unlisted = await fleet({}, (s) => delegatingStorage(s, { name: 'no-names' }));
    const a = (await unlisted.get()).body;
    expect(a.store).toBe('unlisted');
    expect(a.names.map((n) => n.name)).not.toContain('orders_elsewhere_total');
    expect(a.names.map((n) => n.name)).toContain('http_request_duration_seconds');

    const failing = await fleet({}, (s) => ({ ...delegatingStorage(s, { name: 'failing' }), listMetricNames: async () => Promise.reject(new Error('redis down')) }));
    const errors: PulsewatchError[] = [];
    failing.self.on('error', (e) => errors.push(e));
    const { status, body } = await failing.get();
    expect(status).toBe(200);
    expect(body.store).toBe('unavailable');
    expect(body.names.map((n) => n.name)).toContain('http_request_duration_seconds');
    expect(errors.map((e) => String((e.cause as Error | undefined)?.message ?? e.message))).toEqual(['redis down']);
  });
});
