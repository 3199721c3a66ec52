/**
 * The Redis part of bench/fleet-evaluation.ts alone (its `measure`, copied unchanged), for
 * profiling and A/B runs: `node --cpu-prof --import tsx bench/fleet-evaluation-redis-profile.ts`.
 * Prints the Redis row's figures (median wall, p95, median CPU, follower) and the load average.
 * PULSEWATCH_PROFILE_RUNS: how many runs (default 1), each on a fresh prefix.
 */
import { loadavg } from 'node:os';
import { MemoryStorage } from '../src/index.js';
import { benchClock, measure, type TickHooks } from './fleet-evaluation.js';
import { RedisStorage } from '../src/redis.js';
import { deletePrefix } from './storage-redis.js';
import { writeFileSync } from 'node:fs';

/** The measured ticks of A (µs, the monotonic clock the CPU profile's timestamps use), for filtering a profile. */
const marks: [number, number][] = [];

/** Store calls (and rollups read from the change log) during A's measured ticks, when PULSEWATCH_PROFILE_CALLS is set. */
const calls = new Map<string, number>();
let counting = false;

function counted(storage: RedisStorage): RedisStorage {
  if (!process.env.PULSEWATCH_PROFILE_CALLS) return storage;
  return new Proxy(storage, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof v !== 'function' || typeof key !== 'string') return v;
      return (...args: unknown[]) => {
        if (counting) calls.set(key, (calls.get(key) ?? 0) + 1);
        const out = v.apply(target, args);
        if (counting && key === 'readRollupChanges') void (out as Promise<{ rollups: unknown[] }>).then((c) => calls.set('rollups read', (calls.get('rollups read') ?? 0) + c.rollups.length));
        return out;
      };
    },
  });
}

const WARMUP = 3;
let mark = 0n;
/** Counts store calls and keeps the evaluating instance's tick spans, for the measured ticks only. */
const hooks: TickHooks = {
  before(t) {
    counting = t >= WARMUP;
    mark = process.hrtime.bigint();
  },
  after(t) {
    counting = false;
    if (t >= WARMUP) marks.push([Number(mark / 1000n), Number(process.hrtime.bigint() / 1000n)]);
  },
};

const runs = Number(process.env.PULSEWATCH_PROFILE_RUNS ?? 1);
for (let i = 0; i < runs; i++) {
  const prefix = `pw-e3-fleet-${process.pid}-${i}:`;
  const clock = benchClock();
  const load = loadavg().map((v) => v.toFixed(2)).join(' / ');
  // PULSEWATCH_PROFILE_STORE=memory: the same on MemoryStorage, to tell what Redis adds.
  const memory = process.env.PULSEWATCH_PROFILE_STORE === 'memory';
  const redis = memory ? (new MemoryStorage({ now: () => clock.now() }) as unknown as RedisStorage) : new RedisStorage({ url: process.env.PULSEWATCH_REDIS_URL ?? 'redis://127.0.0.1:6379', keyPrefix: prefix, now: () => clock.now() });
  try {
    const r = await measure(counted(redis), clock, hooks);
    console.log(JSON.stringify({ median: +r.median.toFixed(2), cpuMedian: +r.cpuMedian.toFixed(2), p95: +r.p95.toFixed(2), follower: +r.followerMedian.toFixed(2), firing: r.firing, load }));
  } finally {
    await redis.close();
    if (!memory) await deletePrefix(prefix);
  }
}
if (calls.size > 0) console.log('per measured tick of A:', Object.fromEntries([...calls].map(([k, v]) => [k, v / marks.length])));
if (process.env.PULSEWATCH_PROFILE_MARKS) writeFileSync(process.env.PULSEWATCH_PROFILE_MARKS, JSON.stringify(marks));
