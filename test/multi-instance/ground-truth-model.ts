// The model of test/multi-instance/ground-truth-fuzz.test.ts (see its header for the semantics):
// what each monitor recorded, when its rollups reached the store, and what a reader is expected
// to see over a window.
import type { Monitor, Rollup, StorageAdapter } from '../../src/index.js';

/** Slot length of the fuzz's monitors (the default). */
export const SLOT = 30_000;

/** One recorded value: its monitor, metric, series, and slot [start, end) (end: once closed). */
export interface Obs {
  m: number;
  name: string;
  route: string;
  v: number;
  start: number;
  end: number | undefined;
  /** Which of its monitor's slots (two zero-length slots share start and end). */
  seq: number;
}

/** A live monitor of the fuzz and what the model knows of it. */
export interface Mon {
  serial: number;
  id: string;
  monitor: Monitor;
  /** Its gauge series (value, set in the open slot), and those removed after a set in it (held until it closes). */
  gauges: Map<string, { value: number; set: boolean }>;
  heldGauges: Map<string, { value: number; set: boolean }>;
  /** Start of its open slot, and its number. */
  slot: number;
  seq: number;
  /** Its store writes fail while set. */
  failing: boolean;
  /** When its writes stored rollups, by `name|route|start|end|count|sum` (in write order). */
  written: Map<string, number[]>;
}

export const rollupKey = (name: string, route: string, start: number, end: number, count: number, sum: number): string => `${name}|${route}|${start}|${end}|${count}|${sum.toFixed(6)}`;

/** The shared store seen through one monitor's wrapper: writes fail on demand and are recorded. */
export function wrap(inner: StorageAdapter, now: () => number, state: { failing: boolean; written: Map<string, number[]> }): StorageAdapter {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'writeRollups') {
        return async (rollups: readonly Rollup[], options?: unknown) => {
          if (state.failing) throw new Error('gfuzz: store writes are failing');
          await target.writeRollups(rollups, options as never);
          for (const r of rollups) {
            const key = rollupKey(r.name, r.labels.route ?? '', r.start, r.end, r.count, r.sum);
            state.written.set(key, [...(state.written.get(key) ?? []), now()]);
          }
        };
      }
      // The store outlives its monitors: closed once, by the test.
      if (prop === 'close') return async () => undefined;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A reader keeping stored rollups between reads, on a store without a change log: the moment of its read (see the header). */
export interface Lagging {
  now: number;
}

/** Counts and sums the model expects a reader to see over [from, to) (`to`: now when absent); undefined: an edge the docs leave open. */
export function expected(obs: readonly Obs[], mons: ReadonlyMap<number, Mon>, reader: number | undefined, name: string, from: number, lagging?: Lagging, to = Infinity): { count: number; sum: number; values: number[] } | undefined {
  // Each slot's rollup: the count and sum of its values, as the store holds them.
  // Slots of one monitor with the same content (two zero-length ones of an unchanged gauge) are
  // told apart by order: the n-th is stored once n of them were written.
  const slots = new Map<string, { count: number; sum: number; key: string; rank: number }>();
  const slotOf = (o: Obs) => `${o.m}|${o.route}|${o.seq}`;
  for (const o of obs) {
    if (o.name !== name) continue;
    const t = slots.get(slotOf(o)) ?? { count: 0, sum: 0, key: '', rank: 0 };
    t.count++;
    t.sum += o.v;
    slots.set(slotOf(o), t);
  }
  const ranks = new Map<string, number>();
  for (const [id, t] of slots) {
    const o = obs.find((x) => x.name === name && slotOf(x) === id)!;
    if (o.end === undefined) continue;
    t.key = `${o.m}|${rollupKey(name, o.route, o.start, o.end, t.count, t.sum)}`;
    t.rank = ranks.get(t.key) ?? 0;
    ranks.set(t.key, t.rank + 1);
  }
  const values: number[] = [];
  let sum = 0;
  for (const o of obs) {
    if (o.name !== name) continue;
    const own = o.m === reader;
    const slot = slots.get(slotOf(o))!;
    const writtenAt = o.end === undefined ? undefined : mons.get(o.m)!.written.get(rollupKey(o.name, o.route, o.start, o.end, slot.count, slot.sum))?.[slot.rank];
    if (!own && writtenAt === undefined) continue;
    if (!own && lagging !== undefined && writtenAt! - o.end! > 2 * SLOT + 60_000 && lagging.now - writtenAt! <= 300_000) return undefined;
    // A range ending before now: the slots that start before its end (a zero-length one at it does not).
    if (o.start >= to) continue;
    if (o.end !== undefined) {
      if (o.end < o.start + SLOT && o.end <= from && from < o.start + SLOT) return undefined;
      if (o.end === o.start ? o.start < from : o.end <= from) continue;
    }
    values.push(o.v);
    sum += o.v;
  }
  return { count: values.length, sum, values };
}

/** The value at quantile `q` of sorted `values` (nearest rank, as HDR readers answer). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}
