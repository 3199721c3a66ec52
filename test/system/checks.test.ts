import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/core/errors.js';
import { checks as edgeChecks } from '../../src/health/checks/index.js';
import type { HealthCheckContext, HealthCheckOutcome } from '../../src/health/types.js';
import { checks } from '../../src/system/checks.js';
import { readMemory } from '../../src/system/node-reader.js';
import { pollUntil } from '../helpers/real-time.js';

const ctx = {} as HealthCheckContext;
const run = async (check: (c: HealthCheckContext) => unknown) => (await check(ctx)) as HealthCheckOutcome;

describe('pulsewatch/node checks', () => {
  it('is a superset of the edge-safe checks', () => {
    for (const [name, fn] of Object.entries(edgeChecks)) expect(checks[name as keyof typeof checks]).toBe(fn);
    expect(Object.keys(checks)).toEqual([...Object.keys(edgeChecks), 'memory', 'eventLoop', 'disk']);
  });
});

describe('checks.memory', () => {
  it('grades memory in use against warn and fail', async () => {
    const used = readMemory().percent;
    expect(used).toBeGreaterThan(0);
    expect(await run(checks.memory({ warn: 100, fail: 100 }))).toMatchObject({ status: 'healthy', details: { result: 'pass', threshold: 100 } });
    expect(await run(checks.memory({ warn: 0, fail: 100 }))).toMatchObject({ status: 'degraded', details: { result: 'warn', threshold: 0 } });
    expect(await run(checks.memory({ warn: 0, fail: 0 }))).toMatchObject({ status: 'unhealthy', message: expect.stringMatching(/^Memory usage: \d+\.\d%$/) });
  });

  it('measures the V8 heap against its limit with measure: heap', async () => {
    const out = await run(checks.memory({ measure: 'heap' }));
    expect(out.message).toMatch(/^Heap usage: \d+\.\d%$/);
    expect((out.details as { value: number }).value).toBeLessThan(85);
  });

  it('defaults to seed 002 thresholds and validates options', () => {
    expect(() => checks.memory({ warn: 96 })).toThrow('checks.memory options: fail: must be at or above warn');
    let error: unknown;
    try {
      checks.memory({ warn: 101 });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^checks\.memory options: warn: .*, got 101$/);
  });
});

describe('checks.disk', () => {
  it('grades disk usage of a path, as df shows it', async () => {
    expect(await run(checks.disk({ path: '.', warn: 100, fail: 100 }))).toMatchObject({ status: 'healthy', message: expect.stringMatching(/^Disk usage of \.: \d+\.\d%$/) });
    expect(await run(checks.disk({ path: '.', warn: 0, fail: 0 }))).toMatchObject({ status: 'unhealthy', details: { result: 'fail' } });
  });

  it('fails (throws into the registry) for a path that does not exist', async () => {
    await expect(run(checks.disk({ path: '/no/such/path/pulsewatch' }))).rejects.toThrow(/ENOENT/);
  });
});

describe('checks.eventLoop', () => {
  it('is healthy before the first delay sample, then grades the p99 lag', async () => {
    const check = checks.eventLoop({ warn: 0, fail: 10_000 });
    expect(await run(check)).toEqual({ status: 'healthy', message: 'Event-loop lag: no samples yet' });
    // The delay histogram samples the real event loop (a libuv timer every 10 ms): this test
    // needs real time. Poll each loop turn, with a deadline, instead of sleeping a guessed while:
    // until the histogram has samples, then again after blocking the loop 40 ms until a run
    // grades a lag (Node reports only part of a block as delay, so its size is not asserted).
    const lag = (out: HealthCheckOutcome): number => (out.details as { value?: number } | undefined)?.value ?? 0;
    await pollUntil(() => run(check), (out) => out.message !== 'Event-loop lag: no samples yet', 'a first event-loop delay sample');
    const end = performance.now() + 40;
    while (performance.now() < end);
    const out = await pollUntil(() => run(check), (o) => lag(o) > 0, 'a graded event-loop lag after the block');
    expect(out.status).toBe('degraded');
    expect(out.message).toMatch(/^Event-loop lag p99: [\d.]+ ms$/);
  });
});
