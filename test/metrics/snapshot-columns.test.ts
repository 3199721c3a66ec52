// A snapshot's StoredRollupCache holds its series as columns (KeptSeries, one per series) rather
// than one part object per rollup: on random histories (reads out of order, rollups repeated or
// rewritten, rollups without an instance, labels in another key order or frozen and shared as a
// MemoryStorage keeps them, change logs, gaps, stores without a log) it must hold what the cache
// of part objects holds after every read, series for series, part for part and in the same order,
// and keep the same series objects (and the same array) where that one keeps them.
import { describe, expect, it } from 'vitest';
import type { Rollup, RollupChanges } from '../../src/storage/contract.js';
import { StoredRollupCache, type CacheRead } from '../../src/metrics/window-query-cache.js';
import { Pacer } from '../../src/metrics/window-query-cache-pieces.js';
import { groupInColumns } from '../../src/metrics/window-query-cache-columns.js';
import { isKept } from '../../src/metrics/window-query-columns.js';
import { groupRollups, type StoredSeries } from '../../src/metrics/window-query-series.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;
const WINDOW = 10 * SLOT;
const T0 = 1_800_000_000_000;
const NAME = 'h_seconds';

/** Every series in order, each with every field of its parts in order. */
function rows(series: readonly StoredSeries[]): string[] {
  return series.map((s) => `${JSON.stringify(s.labels)} ${s.hash} | ${s.parts.map((p) => [p.kind, p.start - T0, p.end - T0, p.instance ?? '-', p.count, p.sum, p.min, p.max, p.last ?? '-', p.hdr ?? '-', p.resolution ?? '-'].join('/')).join(' ')}`);
}

/** The store's answers, recorded from the first cache's reads and given again, in order, to the second's. */
interface Tape {
  reads: Rollup[][];
  changes: (RollupChanges | Error)[];
}

async function history(seed: number, withLog: boolean): Promise<number> {
  const rnd = random(seed);
  let now = T0 + 20 * SLOT;
  const written: { r: Rollup; seq: number }[] = [];
  const frozen = new Map<string, Readonly<Record<string, string>>>();
  const routes = ['/a', '/b', '/c', '/d', '/e'];
  const instances = ['a', 'b', 'c', 'a#r2'];
  const labelsOf = (route: string, status: string | undefined): Record<string, string> => {
    const key = `${route} ${status ?? ''}`;
    // Frozen and shared per series (a MemoryStorage's), or a new object in either key order.
    if (rnd() < 0.5) {
      let l = frozen.get(key);
      if (l === undefined) frozen.set(key, (l = Object.freeze<Record<string, string>>(status === undefined ? { route } : { route, status })));
      return l;
    }
    return status === undefined ? { route } : rnd() < 0.5 ? { route, status } : { status, route };
  };
  const make = (start: number, instance: string | undefined): Rollup => {
    const sum = Math.floor(rnd() * 100) / 4;
    const route = routes[Math.floor(rnd() * routes.length)]!;
    return { name: NAME, kind: 'histogram', labels: labelsOf(route, rnd() < 0.3 ? '500' : undefined), start, end: start + SLOT, count: 1 + Math.floor(rnd() * 3), sum, min: 0, max: sum, last: rnd() < 0.2 ? undefined : sum, instance, hdr: `h${Math.floor(rnd() * 5)}`, resolution: rnd() < 0.5 ? 0.001 : undefined };
  };
  let seq = 0;
  const objects = new StoredRollupCache({ lateness: 2 * SLOT + 60_000, refreshEvery: 5 * 60_000, maxMetrics: 10 });
  const columns = new StoredRollupCache({ lateness: 2 * SLOT + 60_000, refreshEvery: 5 * 60_000, maxMetrics: 10, columns: true });
  let lastObjects: readonly StoredSeries[] = [];
  let lastColumns: readonly StoredSeries[] = [];
  let checks = 0;
  for (let step = 0; step < 30; step++) {
    const current = Math.floor((now - T0) / SLOT) * SLOT + T0 - SLOT;
    const n = Math.floor(rnd() * 8);
    for (let i = 0; i < n; i++) {
      const again = written.length > 0 && rnd() < 0.15 ? written[Math.floor(rnd() * written.length)]!.r : undefined;
      // A retried write (the same rollup, or new numbers), or a new one, late now and then.
      const r = again !== undefined ? (rnd() < 0.5 ? { ...again } : { ...again, sum: again.sum + 1, max: again.max + 1 }) : make(current - (rnd() < 0.2 ? Math.floor(rnd() * 6) * SLOT : 0), rnd() < 0.1 ? undefined : instances[Math.floor(rnd() * instances.length)]);
      written.push({ r, seq: ++seq });
    }
    now += rnd() < 0.1 ? 3 * 60_000 + Math.floor(rnd() * 4 * 60_000) : 15_000;
    const from = now - WINDOW;
    const tape: Tape = { reads: [], changes: [] };
    // A range read: in order of start mostly, shuffled or with a rollup twice now and then.
    const read = async (since: number): Promise<Rollup[]> => {
      const out = written.filter((w) => w.r.end > since).map((w) => w.r);
      if (rnd() < 0.7) out.sort((a, b) => a.start - b.start);
      else for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      if (out.length > 0 && rnd() < 0.2) out.push(out[Math.floor(rnd() * out.length)]!);
      tape.reads.push(out);
      return out;
    };
    const changes = async (cursor: string | undefined): Promise<RollupChanges> => {
      const since = cursor === undefined ? seq : Number(cursor);
      const answer: RollupChanges = { rollups: written.filter((w) => w.seq > since).map((w) => w.r), cursor: String(seq), complete: cursor === undefined || rnd() < 0.9 };
      if (rnd() < 0.05) {
        const error = new Error('log down');
        tape.changes.push(error);
        throw error;
      }
      tape.changes.push(answer);
      return answer;
    };
    const req: Omit<CacheRead, 'read' | 'changes'> = { name: NAME, from, now, waitingEnd: Infinity };
    const a = await objects.series({ ...req, read, changes: withLog ? changes : undefined });
    const replay = { reads: [...tape.reads], changes: [...tape.changes] };
    const b = await columns.series({
      ...req,
      read: async () => replay.reads.shift()!,
      changes: withLog
        ? async () => {
            const answer = replay.changes.shift()!;
            if (answer instanceof Error) throw answer;
            return answer;
          }
        : undefined,
    });
    expect(replay.reads.length + replay.changes.length, `seed ${seed}, step ${step}: the same reads`).toBe(0);
    expect(b.every((s) => isKept(s))).toBe(true);
    expect(rows(b), `seed ${seed}, step ${step}`).toEqual(rows(a));
    expect(b === lastColumns, `seed ${seed}, step ${step}: the same array`).toBe(a === lastObjects);
    expect(b.map((s) => lastColumns.includes(s)), `seed ${seed}, step ${step}: the same series kept`).toEqual(a.map((s) => lastObjects.includes(s)));
    lastObjects = a;
    lastColumns = b;
    checks++;
  }
  return checks;
}

describe('a snapshot cache of columns against the cache of part objects', () => {
  it('holds the same series, parts and order, and keeps the same objects, with a change log', async () => {
    let checks = 0;
    for (let seed = 1; seed <= 40; seed++) checks += await history(seed, true);
    expect(checks).toBe(40 * 30);
  });

  it('holds the same series, parts and order, and keeps the same objects, without a change log', async () => {
    let checks = 0;
    for (let seed = 1; seed <= 40; seed++) checks += await history(seed, false);
    expect(checks).toBe(40 * 30);
  });

  it('groups as groupRollups does when many instances write a slot, one of them twice past the scanned ones', async () => {
    const labels = Object.freeze({ route: '/a' });
    const at = (start: number, i: number, sum: number): Rollup => ({ name: NAME, kind: 'counter', labels, start, end: start + SLOT, count: 1, sum, min: sum, max: sum, last: sum, instance: `i${i}` });
    const input: Rollup[] = [];
    for (let s = 0; s < 3; s++) for (let i = 0; i < 40; i++) input.push(at(T0 + s * SLOT, i, i));
    // Instance 3 of the second slot again, with other numbers, 30 rollups after its first.
    const repeated = [...input.slice(0, 73), at(T0 + SLOT, 3, 99), ...input.slice(73)];
    for (const rollups of [input, repeated])
      for (const later of [false, true]) expect(rows(await groupInColumns(rollups, later, new Pacer(undefined)))).toEqual(rows(groupRollups(rollups, later)));
  });

  it('groups as groupRollups does, in pieces, from a range read and from a change log', async () => {
    const rnd = random(7);
    const input: Rollup[] = [];
    for (let i = 0; i < 3_000; i++) {
      const again = input.length > 0 && rnd() < 0.1 ? input[Math.floor(rnd() * input.length)]! : undefined;
      if (again !== undefined) {
        input.push({ ...again, labels: Object.fromEntries(Object.entries(again.labels).reverse()), sum: again.sum + (rnd() < 0.5 ? 0 : 1) });
        continue;
      }
      const start = T0 + Math.floor(rnd() * 10) * SLOT;
      input.push({ name: NAME, kind: 'counter', labels: { route: `/r/${Math.floor(rnd() * 300)}`, ...(rnd() < 0.3 ? { status: '500' } : {}) }, start, end: start + SLOT, count: 1, sum: 1, min: 1, max: 1, last: 1, instance: rnd() < 0.1 ? undefined : `i${Math.floor(rnd() * 3)}` });
    }
    for (const later of [false, true]) {
      let turns = 0;
      const pacer = new Pacer(async () => void turns++, 500);
      expect(rows(await groupInColumns(input, later, pacer))).toEqual(rows(groupRollups(input, later)));
      expect(turns).toBeGreaterThanOrEqual(6);
    }
  });
});
