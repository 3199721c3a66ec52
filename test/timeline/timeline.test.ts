import { describe, expect, it } from 'vitest';
import { ConfigError, ValidationError } from '../../src/index.js';
import { SWEEP_INTERVAL_MS } from '../../src/timeline/registry.js';
import { CHAT_PHASES, HOUR, SECOND, T0, setup } from './helpers.js';

const phases = [...CHAT_PHASES];

describe('timeline options', () => {
  it.each([
    [{ phases: ['only'] }, 'phases'],
    [{ phases: ['a', 'a'] }, 'phases'],
    [{ phases: ['a', 'b c'] }, 'phases.1'],
    [{ phases, ttl: 0 }, 'ttl'],
    [{ phases, maxSamples: -1 }, 'maxSamples'],
    [{ phases, maxOpen: 0 }, 'maxOpen'],
    [{ phases, extra: 1 }, 'extra'],
  ])('refuses %j with a ConfigError naming %s', (options, path) => {
    const { timelines } = setup();
    expect(() => timelines.create('chat', options as never)).toThrow(ConfigError);
    expect(() => timelines.create('chat', options as never)).toThrow(`${path}:`);
  });

  it('refuses a name that cannot name metrics', () => {
    const { timelines } = setup();
    expect(() => timelines.create('chat room', { phases })).toThrow(ConfigError);
    expect(() => timelines.create('x'.repeat(500), { phases })).toThrow(/at most 180 characters/);
  });

  it('returns the same timeline for equal options and refuses other options under a taken name', () => {
    const { timelines } = setup();
    const a = timelines.create('chat', { phases, ttl: '1h' });
    expect(timelines.create('chat', { phases, ttl: 3_600_000 })).toBe(a);
    expect(() => timelines.create('chat', { phases, ttl: '2h' })).toThrow(/ttl differs/);
  });

  it('arms no timer until the first mark (a timeline created at module scope)', () => {
    const { timelines, clock } = setup();
    const chat = timelines.create('chat', { phases });
    expect(clock.pendingTimers).toBe(0);
    chat.mark('m1', 'queued');
    expect(clock.pendingTimers).toBeGreaterThan(0);
  });
});

describe('mark', () => {
  it('records each step and the end-to-end duration into histograms, and counts the entry complete', async () => {
    const { timelines, clock, monitor } = setup();
    const chat = timelines.create('chat', { phases });
    chat.mark('m1', 'queued');
    clock.advance(250);
    chat.mark('m1', 'started');
    clock.advance(1_200);
    chat.mark('m1', 'completed');
    clock.advance(400);
    expect(chat.mark('m1', 'delivered')).toBe(true);
    const e2e = await monitor.getAggregatedMetrics({ name: 'chat_latency_ms' });
    expect([e2e.count, e2e.max]).toEqual([1, 1_850]);
    const step = async (phase: string) => (await monitor.getAggregatedMetrics({ name: 'chat_phase_latency_ms', labels: { phase } })).sum;
    expect([await step('queued_to_started'), await step('started_to_completed'), await step('completed_to_delivered')]).toEqual([250, 1_200, 400]);
    expect((await monitor.getAggregatedMetrics({ name: 'chat_entries_total', labels: { status: 'complete' } })).sum).toBe(1);
    expect(chat.counts()).toEqual({ complete: 1, partial: 0, dropped: 0, open: 0 });
  });

  it('takes the time of a phase as `at` (ms or a Date), for phases marked later', async () => {
    const { timelines, monitor } = setup();
    const chat = timelines.create('chat', { phases });
    chat.mark(7, 'queued', T0 - 3_000);
    chat.mark(7, 'started', new Date(T0 - 2_000));
    chat.mark(7, 'completed', T0 - 500);
    chat.mark(7, 'delivered');
    expect((await monitor.getAggregatedMetrics({ name: 'chat_latency_ms' })).max).toBe(3_000);
    expect(chat.recent()[0]).toMatchObject({ id: '7', complete: true });
  });

  it('accepts marks out of call order when their times are in order, recording each step once', async () => {
    const { timelines, monitor, errors } = setup();
    const chat = timelines.create('chat', { phases });
    chat.mark('m', 'completed', T0 - 1_000);
    chat.mark('m', 'queued', T0 - 5_000);
    chat.mark('m', 'started', T0 - 4_000);
    chat.mark('m', 'delivered', T0);
    const steps = await monitor.getAggregatedMetrics({ name: 'chat_phase_latency_ms' });
    expect([steps.count, steps.sum]).toEqual([3, 5_000]);
    expect(errors).toEqual([]);
  });

  it('a mark after the entry finished does not open a second entry that later counts as partial', async () => {
    const { timelines, clock, errors } = setup();
    const chat = timelines.create('chat', { phases, ttl: '1m' });
    chat.mark('m', 'queued', T0 - 5_000);
    chat.mark('m', 'delivered', T0);
    // The worker's "completed" arrives after the delivery, its time in phase order.
    expect(chat.mark('m', 'completed', T0 - 1_000)).toBe(false);
    // An entry finished as partial by its TTL is not reopened by a straggler either.
    chat.mark('p', 'queued');
    await clock.advance(61_000);
    timelines.sweep();
    expect(chat.mark('p', 'started')).toBe(false);
    await clock.advance(61_000);
    timelines.sweep();
    // The last phase marked before the first: a late first phase is a straggler too.
    chat.mark('q', 'delivered');
    expect(chat.mark('q', 'queued', clock.now() - 1_000)).toBe(false);
    expect(chat.counts()).toEqual({ complete: 1, partial: 2, dropped: 0, open: 0 });
    expect(errors.map((e) => (e as ValidationError).issues[0]!.path)).toEqual(['id', 'id', 'id']);
    expect(errors[0]!.message).toMatch(/already finished/);
    // An id reused from its first phase, after a complete entry, is a new entry.
    expect(chat.mark('m', 'queued')).toBe(true);
    expect(chat.openEntries).toBe(1);
  });

  it('refuses a time out of phase order with a ValidationError naming `at`, recording nothing for it', async () => {
    const { timelines, monitor, errors, drops } = setup();
    const chat = timelines.create('chat', { phases });
    chat.mark('m', 'queued', T0 - 1_000);
    expect(chat.mark('m', 'started', T0 - 2_000)).toBe(false);
    // Not only the adjacent phase: a last phase before the first is refused too.
    expect(chat.mark('m', 'delivered', T0 - 1_500)).toBe(false);
    expect(errors.map((e) => (e as ValidationError).issues[0]!.path)).toEqual(['at', 'at']);
    expect(errors[0]!.message).toMatch(/marked 1000 ms before phase "queued"/);
    expect(drops.filter((d) => d.reason === 'invalid_value')).toHaveLength(2);
    expect((await monitor.getAggregatedMetrics({ name: 'chat_phase_latency_ms' })).count).toBe(0);
    expect(chat.openEntries).toBe(1);
  });

  it('refuses an unknown phase and a phase marked twice, naming `phase`', () => {
    const { timelines, errors } = setup();
    const chat = timelines.create('chat', { phases });
    expect(chat.mark('m', 'sent')).toBe(false);
    chat.mark('m', 'queued');
    expect(chat.mark('m', 'queued')).toBe(false);
    expect(chat.mark('m', undefined as never)).toBe(false);
    expect(errors.every((e) => e instanceof ValidationError && e.issues[0]!.path === 'phase')).toBe(true);
    expect(errors.map((e) => e.message)).toEqual([
      'timeline "chat": mark: phase: unknown phase "sent"; the phases of "chat" are queued, started, completed, delivered',
      'timeline "chat": mark: phase: phase "queued" of id "m" is already marked',
      'timeline "chat": mark: phase: unknown phase a value of type undefined; the phases of "chat" are queued, started, completed, delivered',
    ]);
  });

  it('refuses times that are not times, far in the future or older than the TTL', () => {
    const { timelines, errors } = setup();
    const chat = timelines.create('chat', { phases, ttl: '1h' });
    expect(chat.mark('m', 'queued', Number.NaN)).toBe(false);
    expect(chat.mark('m', 'queued', new Date('nope'))).toBe(false);
    expect(chat.mark('m', 'queued', T0 + 2 * 60_000)).toBe(false);
    expect(chat.mark('m', 'queued', T0 - 2 * HOUR)).toBe(false);
    expect(chat.mark('m', 'queued', '5' as never)).toBe(false);
    expect(errors.map((e) => (e as ValidationError).issues[0]!.path)).toEqual(['at', 'at', 'at', 'at', 'at']);
    expect(chat.openEntries).toBe(0);
  });

  it('throws the ValidationError in strict mode', () => {
    const { timelines } = setup({ strict: true });
    const chat = timelines.create('chat', { phases });
    expect(() => chat.mark('m', 'sent')).toThrow(ValidationError);
  });
});

describe('hostile ids', () => {
  it('refuses a huge id with a short message, never truncating it into another id', () => {
    const { timelines, errors } = setup();
    const chat = timelines.create('chat', { phases });
    expect(chat.mark('x'.repeat(1_000_000), 'queued')).toBe(false);
    expect(chat.mark('x'.repeat(257), 'queued')).toBe(false);
    expect(chat.mark('x'.repeat(256), 'queued')).toBe(true);
    expect(errors).toHaveLength(2);
    expect(errors[0]!.message.length).toBeLessThan(200);
    expect(errors[0]!.message).toMatch(/id: must be at most 256 characters, got 1000000/);
    expect(chat.openEntries).toBe(1);
  });

  it('refuses ids that are not strings or finite numbers, and empty ids', () => {
    const { timelines, errors } = setup();
    const chat = timelines.create('chat', { phases });
    for (const id of ['', Number.NaN, Infinity, null, undefined, {}, ['a'], Symbol('s')]) expect(chat.mark(id as never, 'queued')).toBe(false);
    expect(errors.map((e) => (e as ValidationError).issues[0]!.path)).toEqual(Array(8).fill('id'));
    expect(chat.openEntries).toBe(0);
  });

  it('keeps unicode ids as they are (emoji, right-to-left, a lone surrogate) and serialises them', () => {
    const { timelines } = setup();
    const chat = timelines.create('chat', { phases: ['a', 'b'] });
    const ids = ['💬-1', 'مرحبا', '\uD800', '__proto__', 'constructor'];
    for (const id of ids) {
      chat.mark(id, 'a');
      chat.mark(id, 'b');
    }
    expect(chat.recent().map((s) => s.id).reverse()).toEqual(ids);
    expect(JSON.parse(JSON.stringify(chat.recent().map((s) => s.id)))).toHaveLength(5);
  });
});

describe('partial entries', () => {
  it('counts an entry missing its last phase after the TTL as partial, at the next sweep', async () => {
    const { timelines, clock, monitor } = setup();
    const chat = timelines.create('chat', { phases, ttl: '1m' });
    chat.mark('m', 'queued');
    clock.advance(2 * SECOND);
    chat.mark('m', 'started');
    clock.advance(58 * SECOND - 1);
    timelines.sweep();
    expect(chat.counts()).toMatchObject({ partial: 0, open: 1 });
    clock.advance(1);
    timelines.sweep();
    expect(chat.counts()).toMatchObject({ partial: 1, complete: 0, open: 0 });
    expect((await monitor.getAggregatedMetrics({ name: 'chat_entries_total', labels: { status: 'partial' } })).sum).toBe(1);
    // The step it did make is recorded; it has no end-to-end duration. As a partial entry it took
    // at least the TTL (seed 004 counts partial messages in its bands): from its first phase to
    // when the sweep found it expired, 1 min.
    expect((await monitor.getAggregatedMetrics({ name: 'chat_phase_latency_ms', labels: { phase: 'queued_to_started' } })).sum).toBe(2_000);
    expect((await monitor.getAggregatedMetrics({ name: 'chat_latency_ms', labels: { status: 'complete' } })).count).toBe(0);
    const partial = await monitor.getAggregatedMetrics({ name: 'chat_latency_ms', labels: { status: 'partial' } });
    expect([partial.count, partial.sum]).toEqual([1, 60_000]);
    expect(chat.recent()[0]).toMatchObject({ id: 'm', complete: false, latency: 60_000 });
  });

  it('finishes expired entries on the sweep timer, within one sweep interval of their TTL', () => {
    const { timelines, clock } = setup();
    const chat = timelines.create('chat', { phases, ttl: '1m' });
    chat.mark('m', 'queued');
    clock.advance(60 * SECOND + SWEEP_INTERVAL_MS);
    expect(chat.counts()).toMatchObject({ partial: 1, open: 0 });
  });

  it('counts an entry whose last phase comes without its first as partial', () => {
    const { timelines } = setup();
    const chat = timelines.create('chat', { phases });
    chat.mark('m', 'completed');
    chat.mark('m', 'delivered');
    expect(chat.counts()).toMatchObject({ complete: 0, partial: 1, open: 0 });
  });

  it('keeps only the most recent maxSamples finished entries', () => {
    const { timelines } = setup();
    const chat = timelines.create('chat', { phases: ['a', 'b'], maxSamples: 3 });
    for (let i = 0; i < 10; i++) {
      chat.mark(i, 'a');
      chat.mark(i, 'b');
    }
    expect(chat.recent().map((s) => s.id)).toEqual(['9', '8', '7']);
    expect(chat.retainedSamples).toBe(3);
  });
});

describe('bounded memory', () => {
  it('holds at most maxOpen entries when 1M ids are marked and never finished, counting the drops', () => {
    const { timelines, monitor, drops } = setup();
    const chat = timelines.create('chat', { phases });
    const N = 1_000_000;
    for (let i = 0; i < N; i++) chat.mark(`msg-${i}`, 'queued');
    expect(chat.openEntries).toBe(10_000);
    expect(chat.counts().dropped).toBe(N - 10_000);
    // Evictions are counted in one drop per sweep, as pulsewatch counts its other drops.
    timelines.sweep();
    expect(drops).toEqual([{ reason: 'cardinality', count: N - 10_000 }]);
    const dropped = monitor.getMetric('pulsewatch_dropped_total') as { get(labels: Record<string, string>): number };
    expect(dropped.get({ reason: 'cardinality' })).toBe(N - 10_000);
    // The newest ids are the ones kept: they can still finish.
    expect(chat.mark(`msg-${N - 1}`, 'started')).toBe(true);
  });
});
