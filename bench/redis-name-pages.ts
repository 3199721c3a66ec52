/**
 * A page of metric names on Redis (issue 19): `listMetricNames({ since, limit: 100 })` among
 * 50,000 names, before (every name seen since the bound read by score, sorted here, then cut:
 * the read of 4f0e19e..ba8afca, inlined below) and after (the page walks `P namelex`,
 * redis-name-page.ts). Standalone: `npx tsx bench/redis-name-pages.ts` (Redis at 127.0.0.1:6379).
 *
 * Method, fixed before any result was seen: 50,000 names `m_00000_total`.. written straight into
 * the index keys (`P nameidx` by latest end, `P namekind`, one series each in `P idx:<name>`),
 * ends spread over the last 50 minutes. Cases: every name ended after the bound (the explorer's
 * default hour), match 'm_4' (a tenth of the names), since 5 minutes ago (a tenth). Per case,
 * ROUNDS rounds alternating which of before/after goes first, OPS pages each; figures: median
 * and min over the rounds of wall ms and of this process's CPU ms (`process.cpuUsage`) per page,
 * the Redis server's CPU (INFO used_cpu_user + used_cpu_sys, which other clients of the server
 * also move) per page, and the load average (1 min) before and after.
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { byCodePoint, nameMatches } from '../src/storage/metric-names.js';
import { RedisKeys } from '../src/storage/redis/redis-keys.js';
import { RedisNames } from '../src/storage/redis/redis-names.js';
import { exec } from '../src/storage/redis/redis-exec.js';
import type { StoredMetricName } from '../src/storage/contract.js';

const NAMES = 50_000;
const ROUNDS = 7;
const OPS = 10;
const LIMIT = 100;
const prefix = `n:bench:${process.pid}:`;
const client = new Redis('redis://127.0.0.1:6379');
const keys = new RedisKeys(prefix);
const now = Date.now();
const retention = 3_600_000;
const cutoff = now - retention;

const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
const serverCpu = async (): Promise<number> => {
  const info = await client.info('cpu');
  const get = (k: string): number => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (get('used_cpu_user') + get('used_cpu_sys')) * 1000;
};

/** The read before: every name ended after the bound, sorted and cut here (redis-names.ts before the name order). */
async function before(query: { since: number; limit: number; match?: string }): Promise<StoredMetricName[]> {
  const after = Math.max(query.since, cutoff);
  const flat = (await client.zrangebyscore(keys.nameIndex, `(${after}`, '+inf', 'WITHSCORES')) as string[];
  const seen: { name: string; lastSeen: number }[] = [];
  for (let i = 0; i < flat.length; i += 2) if (nameMatches(flat[i]!, query.match)) seen.push({ name: flat[i]!, lastSeen: Number(flat[i + 1]) });
  const listed = seen.sort((a, b) => byCodePoint(a.name, b.name)).slice(0, query.limit);
  if (listed.length === 0) return [];
  const pipe = client.pipeline().hmget(keys.nameKinds, ...listed.map((n) => n.name));
  for (const n of listed) pipe.zcount(keys.index(n.name), `(${after}`, '+inf');
  const [kinds, ...counts] = (await exec(pipe)) as [(string | null)[], ...number[]];
  return listed.map((n, i) => ({ name: n.name, kind: kinds[i] as 'counter', lastSeen: n.lastSeen, series: Number(counts[i]) }));
}

const names = new RedisNames(client, keys, retention, () => now);
const afterRead = (query: { since: number; limit: number; match?: string }): Promise<StoredMetricName[]> => names.list(query, cutoff);

async function setup(): Promise<void> {
  for (let i = 0; i < NAMES; i += 1_000) {
    const pipe = client.pipeline();
    for (let k = i; k < i + 1_000; k++) {
      const name = `m_${String(k).padStart(5, '0')}_total`;
      const end = now - ((k * 7919) % 50) * 60_000;
      pipe.zadd(keys.nameIndex, end, name).hset(keys.nameKinds, name, 'counter').zadd(keys.index(name), end, '{}').sadd(keys.names, name);
    }
    await exec(pipe);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(read: typeof before, query: { since: number; limit: number; match?: string }): Promise<{ wall: number; cpu: number; server: number }> {
  const s0 = await serverCpu();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < OPS; i++) await read(query);
  const wall = (performance.now() - t0) / OPS;
  const c = process.cpuUsage(c0);
  const server = ((await serverCpu()) - s0) / OPS;
  return { wall, cpu: (c.user + c.system) / 1000 / OPS, server };
}

try {
  await setup();
  // The first page builds the name order from the index once (ZUNIONSTORE): timed apart.
  const t0 = performance.now();
  await afterRead({ since: 0, limit: LIMIT });
  console.log(`first page (builds P namelex from ${NAMES} names): ${(performance.now() - t0).toFixed(1)} ms wall`);
  // The rebuild alone (what a page does at most once a minute when the order lacks names, and every 10 minutes).
  const rebuilds: { wall: number; server: number }[] = [];
  for (let r = 0; r < 5; r++) {
    const s0 = await serverCpu();
    const t = performance.now();
    await client.zunionstore(keys.nameLex, 1, keys.nameIndex, 'WEIGHTS', 0);
    rebuilds.push({ wall: performance.now() - t, server: (await serverCpu()) - s0 });
  }
  // The mend a page makes instead when the order exists (two ZDIFFs), here with 10 names missing and 10 stale.
  const mends: { wall: number; server: number }[] = [];
  for (let r = 0; r < 5; r++) {
    await client.zrem(keys.nameLex, ...Array.from({ length: 10 }, (_, k) => `m_${String(k * 997).padStart(5, '0')}_total`));
    await client.zadd(keys.nameLex, ...Array.from({ length: 10 }, (_, k) => [0, `stale_${k}`]).flat());
    await client.del(keys.nameLexMark);
    const s0 = await serverCpu();
    const t = performance.now();
    await names.list({ since: 0, limit: 1 }, cutoff);
    mends.push({ wall: performance.now() - t, server: (await serverCpu()) - s0 });
    if ((await client.zcard(keys.nameLex)) !== NAMES) throw new Error('the mend left the order unlike the index');
  }
  console.log(`page that mends P namelex (10 missing, 10 stale of ${NAMES}): wall ms median ${median(mends.map((x) => x.wall)).toFixed(1)}, Redis CPU ms median ${median(mends.map((x) => x.server)).toFixed(1)}; load ${load()}`);
  console.log(`rebuild of P namelex (ZUNIONSTORE, ${NAMES} names): wall ms median ${median(rebuilds.map((x) => x.wall)).toFixed(1)}, Redis CPU ms median ${median(rebuilds.map((x) => x.server)).toFixed(1)}; load ${load()}`);
  const cases = [
    { label: 'since 1 h (every name), limit 100', query: { since: now - retention, limit: LIMIT } },
    { label: "match 'm_4' (a tenth), limit 100", query: { since: now - retention, limit: LIMIT, match: 'm_4' } },
    { label: 'since 5 min (a tenth), limit 100', query: { since: now - 5 * 60_000 - 1, limit: LIMIT } },
  ];
  for (const { label, query } of cases) {
    // Same answer from both.
    const a = await before(query);
    const b = await afterRead(query);
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${label}: the two reads differ`);
    const rows: Record<'before' | 'after', { wall: number[]; cpu: number[]; server: number[] }> = { before: { wall: [], cpu: [], server: [] }, after: { wall: [], cpu: [], server: [] } };
    const l0 = load();
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
      for (const which of order) {
        const m = await measure(which === 'before' ? before : afterRead, query);
        rows[which].wall.push(m.wall);
        rows[which].cpu.push(m.cpu);
        rows[which].server.push(m.server);
      }
    }
    const f = (xs: number[]): string => `${median(xs).toFixed(2)} (min ${Math.min(...xs).toFixed(2)})`;
    console.log(`\n${label}: load ${l0} -> ${load()}`);
    for (const which of ['before', 'after'] as const) console.log(`  ${which.padEnd(6)} wall ms ${f(rows[which].wall)}, client CPU ms ${f(rows[which].cpu)}, Redis CPU ms ${f(rows[which].server)}`);
  }
} finally {
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5_000);
    cursor = next;
    if (found.length > 0) await client.del(...found);
  } while (cursor !== '0');
  client.disconnect();
}
