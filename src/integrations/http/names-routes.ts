import { z } from 'zod';
import { positiveDurationSchema } from '../../core/duration.js';
import type { MetricKind, MetricNameQuery, StoredMetricName } from '../../storage/contract.js';
import { byCodePoint, nameMatches } from '../../storage/metric-names.js';
import type { Monitor } from '../../monitor.js';
import { parseQuery } from './query.js';
import { json } from './responses.js';
import type { Route, RouteContext } from './router.js';

/**
 * `GET /metrics/names`: the metric names of the fleet, for the dashboard's explorer: this
 * process's definitions merged with the names the store holds rollups of (any instance's,
 * through the optional `RollupStore.listMetricNames`). Each name is then read fleet-wide
 * through `GET /metrics/series`.
 */

/** Names answered at most (the `limit` parameter's bound and default). */
export const MAX_NAMES = 1_000;
const DEFAULT_NAMES = 500;
/**
 * Names asked of the store with a `match`: its own maximum. The route's `match` goes with the
 * query, so a store that knows `MetricNameQuery.match` filters before it cuts (a matching name
 * past its first 10,000 is listed); one that does not lists its first names, which are filtered
 * here. Without a match the store is asked for one name more than the answer holds: the answer's
 * names are the first of this process's and the store's first ones together, and the one more
 * says whether it was cut (a page of the store costs its limit, not the store's names).
 */
const STORE_NAMES = 10_000;
/** How far back the store's names go by default: a name nobody wrote for longer is not listed. */
const DEFAULT_SINCE_MS = 3_600_000;

const namesQuery = z.object({
  /** Only names containing this text, in any case. */
  match: z.string().min(1).max(200).optional(),
  limit: z
    .string()
    .regex(/^\d{1,6}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_NAMES, `at most ${MAX_NAMES}`))
    .optional(),
  /** Names the store has a rollup of ending in the last `window` (ms or `'1h'`; default 1 h, at most 365 d). */
  window: z
    .string()
    .max(20)
    .transform((v) => (/^\d+$/.test(v) ? Number(v) : v))
    .pipe(positiveDurationSchema)
    .optional(),
});

/** One name of the answer. */
export interface MetricNameEntry {
  name: string;
  kind: MetricKind;
  /** This process's definition's help and unit, when it has one. */
  help?: string;
  unit?: string;
  /** Defined in this process. */
  local: boolean;
  /** The store holds rollups of it written in the window (by any instance, this one included). */
  stored: boolean;
  /** End of its latest stored slot (epoch ms), when stored. */
  lastSeen?: number;
  /** Series of it in the store in the window, when the store counts them. */
  series?: number;
}

/** What the route answers. */
export interface MetricNames {
  names: MetricNameEntry[];
  /** More names matched than `names` holds (or the store listed its maximum and may hold more). */
  truncated: boolean;
  /** `listed`: the store's names are in; `unlisted`: the store cannot list names; `unavailable`: it failed (this process's names only). */
  store: 'listed' | 'unlisted' | 'unavailable';
}

/** The members the route reads: public ones of `Monitor`, absent on a host that has none. */
type NamesHost = Partial<Pick<Monitor, 'getMetrics' | 'storage' | 'clock'>>;

async function storedNames(host: NamesHost, since: number, match: string | undefined, limit: number): Promise<{ names: StoredMetricName[]; store: MetricNames['store']; full: boolean }> {
  const list = host.storage?.listMetricNames;
  if (typeof list !== 'function') return { names: [], store: 'unlisted', full: false };
  const asked = match === undefined ? limit + 1 : STORE_NAMES;
  const query: MetricNameQuery = { since, limit: asked, ...(match === undefined ? {} : { match }) };
  const names = await list.call(host.storage, query);
  // A store answers a bounded list; one that does not is cut here.
  const kept = Array.isArray(names) ? names.slice(0, asked) : [];
  return { names: kept, store: 'listed', full: kept.length >= asked };
}

async function names(ctx: RouteContext): Promise<Response> {
  const q = parseQuery(namesQuery, ctx.url);
  const host = ctx.monitor as NamesHost;
  const now = host.clock?.now() ?? Date.now();
  let stored: Awaited<ReturnType<typeof storedNames>>;
  const limit = q.limit ?? DEFAULT_NAMES;
  try {
    stored = await storedNames(host, now - (q.window ?? DEFAULT_SINCE_MS), q.match, limit);
  } catch (error) {
    // The explorer still lists what this process knows; the failure is reported once per read.
    ctx.monitor.reportError(error);
    stored = { names: [], store: 'unavailable', full: false };
  }
  // A Map: a name such as `__proto__` is a key like any other.
  const merged = new Map<string, MetricNameEntry>();
  for (const metric of host.getMetrics?.() ?? []) {
    merged.set(metric.name, { name: metric.name, kind: metric.kind, ...(metric.help === '' ? {} : { help: metric.help }), ...(metric.unit === undefined ? {} : { unit: metric.unit }), local: true, stored: false });
  }
  for (const s of stored.names) {
    if (typeof s?.name !== 'string') continue;
    const known = merged.get(s.name);
    const fromStore = { stored: true, lastSeen: s.lastSeen, ...(typeof s.series === 'number' ? { series: s.series } : {}) };
    // This process's definition says the kind; the store's latest rollup says it otherwise.
    merged.set(s.name, known === undefined ? { name: s.name, kind: s.kind, local: false, ...fromStore } : { ...known, ...fromStore });
  }
  // The stores' match (ASCII letters without case) for every name: this process's, and a store's
  // that lists names without reading `match`. Code point order, as the stores list names.
  const matching = [...merged.values()].filter((e) => nameMatches(e.name, q.match)).sort((a, b) => byCodePoint(a.name, b.name));
  const body: MetricNames = { names: matching.slice(0, limit), truncated: matching.length > limit || stored.full, store: stored.store };
  return json(200, body);
}

/** `GET /metrics/names`, under the same rules as `/metrics/aggregate` (`metrics`: open with `publicRoutes: ['metrics']`). */
export const namesRoutes: readonly Route[] = [{ method: 'GET', path: '/metrics/names', access: 'metrics', handle: names }];
