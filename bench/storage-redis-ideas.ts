/**
 * RedisStorage's rollup writes before and after issue 15's changes, in one process (issue 15):
 * `npx tsx bench/storage-redis-ideas.ts [rounds]`. Not part of `npm run bench`; its figures are
 * quoted in docs/performance.md.
 *
 * Method (storage-rounds.ts): each variant writes 30,000 stamped histogram rollups per round
 * (batches of 100, 4 in flight) under a key prefix of its own; an untimed warm-up round, then
 * interleaved rounds with the first variant rotating; median rollups/s per variant, with this
 * process's CPU time per rollup and the Redis server's (one process, shared with whatever else
 * uses it on the machine).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as hdr from 'hdr-histogram-js';
import { Redis } from 'ioredis';
import { canonicalLabels } from '../src/core/labels.js';
import { RedisStorage } from '../src/redis.js';
import type { Rollup } from '../src/storage/contract.js';
import { defaultInstanceId } from '../src/storage/instance.js';
import { RedisKeys } from '../src/storage/redis/redis-keys.js';
import { partitionRollups } from '../src/storage/rollup-validation.js';
import { load, timedWrite } from './storage-rounds.js';
import { deletePrefix } from './storage-redis.js';

const URL = process.env.PULSEWATCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.argv[2] ?? 5);
const SLOTS = 300;
const MINUTE = 60_000;
const instance = defaultInstanceId();

// ---- The write path as of b21763e (script, member encoding, argument building), to compare ----

const OLD_WRITE_BATCH = `
local ttl, cutoff = ARGV[1], ARGV[2]
local a, k = 4, 2
for n = 1, tonumber(ARGV[3]) do
  local name, nSeries, nLengths = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local idx, len = KEYS[k], KEYS[k + 1]
  k = k + 2
  for i = 1, nLengths do
    redis.call('ZADD', len, ARGV[a], ARGV[a])
    a = a + 1
  end
  redis.call('PEXPIRE', len, ttl)
  for s = 1, nSeries do
    local key = KEYS[k]
    k = k + 1
    local trim, m = ARGV[a], tonumber(ARGV[a + 1])
    a = a + 2
    for i = 1, m do
      local score, member, plen = ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2])
      a = a + 3
      if plen > 0 then
        local prefix = string.sub(member, 1, plen)
        for _, old in ipairs(redis.call('ZRANGEBYSCORE', key, score, score)) do
          if old ~= member and string.sub(old, 1, plen) == prefix then redis.call('ZREM', key, old) end
        end
      end
      redis.call('ZADD', key, score, member)
    end
    redis.call('PEXPIRE', key, ttl)
    redis.call('ZREMRANGEBYSCORE', key, '-inf', trim)
  end
  local last = a + 2 * nSeries - 1
  while a <= last do
    local upto = math.min(a + 999, last)
    redis.call('ZADD', idx, 'GT', unpack(ARGV, a, upto))
    a = upto + 1
  end
  redis.call('ZREMRANGEBYSCORE', idx, '-inf', cutoff)
  redis.call('PEXPIRE', idx, ttl)
  redis.call('SADD', KEYS[1], name)
end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1`;



function oldEncode(r: Rollup): string {
  const num = (v: number): number | string => (Number.isFinite(v) && !Object.is(v, -0) ? v : String(Object.is(v, -0) ? '-0' : v));
  const m: Record<string, unknown> = {};
  if (r.instance !== undefined) m.instance = r.instance;
  Object.assign(m, { kind: r.kind, start: r.start, end: r.end, count: num(r.count), sum: num(r.sum), min: num(r.min), max: num(r.max) });
  if (r.last !== undefined) m.last = num(r.last);
  if (r.hdr !== undefined) m.hdr = r.hdr;
  if (r.resolution !== undefined) m.resolution = num(r.resolution);
  if (r.service !== undefined) m.service = r.service;
  return JSON.stringify(m);
}

const bound = (n: number, exclusive: boolean): string => (n === Infinity ? '+inf' : n === -Infinity ? '-inf' : exclusive ? `(${n}` : String(n));

async function oldWrite(client: Redis, keys: RedisKeys, rollups: readonly Rollup[], cutoff: number, retention: number): Promise<void> {
  const valid = partitionRollups(rollups).valid;
  const byName = new Map<string, Map<string, { labelsJson: string; args: (string | number)[]; maxEnd: number; maxLength: number }>>();
  for (const r of valid) {
    if (r.end <= cutoff) continue;
    let series = byName.get(r.name);
    if (series === undefined) byName.set(r.name, (series = new Map()));
    const labelsJson = canonicalLabels(r.labels);
    let s = series.get(labelsJson);
    if (s === undefined) series.set(labelsJson, (s = { labelsJson, args: [], maxEnd: -Infinity, maxLength: 0 }));
    s.args.push(r.start, oldEncode(r), r.instance === undefined ? 0 : Buffer.byteLength(`{"instance":${JSON.stringify(r.instance)},`, 'utf8'));
    if (r.end > s.maxEnd) s.maxEnd = r.end;
    if (r.end - r.start > s.maxLength) s.maxLength = r.end - r.start;
  }
  const scriptKeys: string[] = [keys.names];
  const argv: (string | number)[] = [Math.ceil(retention), bound(cutoff, false), byName.size];
  for (const [name, series] of byName) {
    scriptKeys.push(keys.index(name), keys.lengths(name));
    const lengths = [...new Set([...series.values()].map((s) => s.maxLength))];
    argv.push(name, series.size, lengths.length, ...lengths);
    for (const s of series.values()) {
      scriptKeys.push(keys.series(name, s.labelsJson));
      argv.push(bound(cutoff - s.maxLength, true), s.args.length / 3);
      for (const v of s.args) argv.push(v);
    }
    for (const s of series.values()) argv.push(s.maxEnd, s.labelsJson);
  }
  await client.call('EVAL', [OLD_WRITE_BATCH, scriptKeys.length, ...scriptKeys, ...argv]);
}

// ---- The bench ---------------------------------------------------------------------------

function hdrStrings(): string[] {
  return Array.from({ length: 16 }, (_, k) => {
    const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 2 });
    for (let v = 0; v < 500; v++) h.recordValue(Math.round(Math.exp(Math.log(50_000) + 0.8 * Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random())) + k));
    return hdr.encodeIntoCompressedBase64(h);
  });
}

function rollups(base: number, hdrs: readonly string[]): Rollup[] {
  const out: Rollup[] = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    const start = base + slot * MINUTE;
    for (let s = 0; s < 100; s++) {
      out.push({
        name: 'bench_write_seconds',
        kind: 'histogram',
        labels: { route: `/api/v1/resource${s}`, method: s % 3 ? 'GET' : 'POST', status: '200' },
        start,
        end: start + MINUTE,
        count: 500,
        sum: 31.25 + s,
        min: 0.0031,
        max: 1.9,
        hdr: hdrs[(s + slot) % hdrs.length]!,
        resolution: 1e-6,
        service: 'api',
        instance,
      });
    }
  }
  return out;
}

/** utime + stime (clock ticks) of the Redis server process. */
function serverTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const serverPid = Number(execFileSync('pgrep', ['-o', 'redis-server'], { encoding: 'utf8' }).trim());
const retention = 7 * 86_400_000;
const now = Math.floor(Date.now() / MINUTE) * MINUTE;
const hdrs = hdrStrings();
const oldPrefix = `pulsewatch-bench:${randomUUID()}:`;
const newPrefix = `pulsewatch-bench:${randomUUID()}:`;
const oldClient = new Redis(URL);
const oldKeys = new RedisKeys(oldPrefix);
const storage = new RedisStorage({ url: URL, keyPrefix: newPrefix, retention: '7d' });
const variants = [
  { name: 'as of b21763e: EVAL of the script, members through JSON.stringify, trims on every write', write: (b: Rollup[]) => oldWrite(oldClient, oldKeys, b, Date.now() - retention, retention) },
  { name: 'RedisStorage.writeRollups now', write: (b: Rollup[]) => storage.writeRollups(b) },
].map((v) => ({ ...v, rates: [] as number[], client: [] as number[], server: [] as number[] }));
const loadBefore = load();
try {
  for (let round = -1; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(Math.max(round, 0) + k) % variants.length]!;
      const data = rollups(now - 6 * 86_400_000 + (round + 1) * SLOTS * MINUTE, hdrs);
      const s0 = serverTicks(serverPid);
      const c0 = process.cpuUsage();
      const seconds = await timedWrite({ writeRollups: v.write } as never, data, 4);
      const c = process.cpuUsage(c0);
      if (round < 0) continue;
      v.rates.push(data.length / seconds);
      v.client.push((c.user + c.system) / data.length);
      v.server.push(((serverTicks(serverPid) - s0) * 10_000) / data.length);
    }
  }
  console.log(`load average before: ${loadBefore}; after: ${load()}; ${ROUNDS} rounds of ${SLOTS * 100} rollups`);
  console.log('| variant | rollups/s median (min - max) | client CPU µs/rollup | Redis CPU µs/rollup |');
  console.log('| --- | ---: | ---: | ---: |');
  const f = (n: number): string => Math.round(n).toLocaleString('en-US');
  for (const v of variants) console.log(`| ${v.name} | ${f(median(v.rates))} (${f(Math.min(...v.rates))} - ${f(Math.max(...v.rates))}) | ${median(v.client).toFixed(1)} | ${median(v.server).toFixed(1)} |`);
} finally {
  await storage.close();
  for (const prefix of [oldPrefix, newPrefix]) await deletePrefix(prefix);
  oldClient.disconnect();
}
