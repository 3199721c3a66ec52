/**
 * pulsewatch's breaker against opossum, run side by side as the reference, for the option and
 * event names we keep. opossum is driven through its public API only: its constructor options
 * (`rotateBucketController` to rotate its window in step with our ManualClock, `state` to start
 * it half-open, since its reset timer is a global setTimeout no test here drives), `fire`,
 * `fallback`, `on`, and the `opened`/`halfOpen`/`stats` getters. Timeouts are not compared: an
 * opossum timeout needs its global timer (ours are tested on the ManualClock in breaker-calls).
 */
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import Opossum from 'opossum';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BreakerEventName } from '../../src/resilience/breaker-events.js';
import { fcParams } from '../helpers/fast-check.js';
import { breakerHarness, deferred, type BreakerHarness } from './helpers.js';

type Step = 'ok' | 'fail' | 'ignored' | 'rotate';
type Call = Exclude<Step, 'rotate'>;

/** What both breakers wrap: a value, a counted error, or an error the filter lets pass. */
async function service(step: Call): Promise<string> {
  if (step === 'fail') throw new Error('fail');
  if (step === 'ignored') throw new Error('ignored');
  return 'ok';
}
const counted = (error: unknown): boolean => (error as Error).message !== 'ignored';

const EVENTS: BreakerEventName[] = ['fire', 'success', 'failure', 'timeout', 'reject', 'open', 'halfOpen', 'close', 'fallback'];
const BUCKET_MS = 1_000;

function stateOf(reference: Opossum): string {
  if (reference.opened) return 'open';
  return reference.halfOpen ? 'halfOpen' : 'closed';
}

/** Records the names of the events in {@link EVENTS} that `emitter` emits, in order. */
function eventsOf(emitter: { on(event: BreakerEventName, listener: () => void): unknown }): string[] {
  const seen: string[] = [];
  for (const name of EVENTS) emitter.on(name, () => seen.push(name));
  return seen;
}

const created: Opossum[] = [];
/** An opossum breaker with its timers off or shared: no snapshots, its window rotated by `rotation`. */
function opossum(options: Opossum.Options, action: (step: Call) => Promise<string> = service): Opossum<[Call], string> {
  const reference = new Opossum(action, { timeout: false, enableSnapshots: false, rollingPercentilesEnabled: false, errorFilter: (e: Error) => !counted(e), ...options });
  created.push(reference);
  return reference;
}
afterEach(() => {
  // Clears the reset timer opossum arms on its own when it opens.
  for (const reference of created.splice(0)) reference.shutdown();
});

describe('the percentage rule, step by step against opossum', () => {
  let h: BreakerHarness;
  let runs = 0;
  beforeAll(() => {
    h = breakerHarness();
  });
  afterAll(async () => {
    await h.monitor.close();
  });

  it('opens at the same call, with the same window counts, for any sequence of calls and rotations', async () => {
    const step = fc.constantFrom<Step>('ok', 'ok', 'fail', 'fail', 'ignored', 'rotate');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(10, 50, 75), fc.integer({ min: 0, max: 6 }), fc.array(step, { maxLength: 40 }), async (percentage, volumeThreshold, steps) => {
        const rotation = new EventEmitter();
        const options = { errorThresholdPercentage: percentage, volumeThreshold, rollingCountTimeout: 10 * BUCKET_MS, rollingCountBuckets: 10 };
        const reference = opossum({ ...options, rotateBucketController: rotation });
        const ours = h.monitor.circuitBreaker(`run_${runs++}`, service, { ...options, timeout: false, isFailure: counted });
        const trail: string[] = [];
        for (const s of steps) {
          if (s === 'rotate') {
            rotation.emit('rotate');
            h.clock.advance(BUCKET_MS);
          } else {
            const [a, b] = await Promise.all([reference.fire(s).then(String, String), ours.fire(s).then(String, String)]);
            trail.push(`${s}: ${a} | ${b}`);
          }
          const { fires, failures } = reference.stats;
          const window = ours.stats().window!;
          expect({ state: ours.state, calls: window.calls, failures: window.failures }, trail.join('\n')).toEqual({ state: stateOf(reference), calls: fires, failures });
        }
        reference.shutdown();
      }),
      fcParams(150),
    );
  });
});

describe('the half-open trial against opossum', () => {
  let h: BreakerHarness;
  beforeEach(() => {
    h = breakerHarness();
  });
  afterEach(async () => {
    await h.monitor.close();
  });

  /** opossum started half-open through its `state` option; ours opened, then moved by the ManualClock. */
  async function bothHalfOpen(action: (step: Call) => Promise<string> = service, withFallback = false) {
    const reference = opossum({ state: { closed: false, halfOpen: true } } as Opossum.Options, action);
    const fallback = (_step: Call, _error: unknown): string => 'fallback';
    if (withFallback) reference.fallback(fallback);
    const ours = h.monitor.circuitBreaker('api', action, { failureThreshold: 1, resetTimeout: 1_000, timeout: false, isFailure: counted, ...(withFallback ? { fallback } : {}) });
    await ours.fire('fail').catch(() => undefined);
    h.clock.advance(1_000);
    expect([ours.state, stateOf(reference)]).toEqual(['halfOpen', 'halfOpen']);
    return { reference, ours, referenceEvents: eventsOf(reference as never), ourEvents: eventsOf(ours) };
  }

  it.each<[Call, string]>([
    ['ok', 'closed'],
    ['fail', 'open'],
    ['ignored', 'closed'],
  ])('a trial that ends %s leaves both %s', async (trial, after) => {
    const { reference, ours } = await bothHalfOpen();
    const results = await Promise.all([reference.fire(trial).then(String, String), ours.fire(trial).then(String, String)]);
    expect(results[1]).toBe(results[0]);
    expect([ours.state, stateOf(reference)]).toEqual([after, after]);
  });

  it('refuses every other call while the trial runs, then closes on its success', async () => {
    const trial = deferred<string>();
    let running = false;
    const action = (step: Call): Promise<string> => (step === 'ok' && !running ? ((running = true), trial.promise) : service(step));
    const { reference, ours } = await bothHalfOpen(action);
    const referenceTrial = reference.fire('ok');
    running = false;
    const ourTrial = ours.fire('ok');
    const refused = await Promise.all([reference.fire('ok').then(String, (e: Error & { code?: string }) => e.code), ours.fire('ok').then(String, (e: Error & { code?: string }) => e.code)]);
    expect(refused).toEqual(['EOPENBREAKER', 'ERR_PULSEWATCH_BREAKER_OPEN']);
    trial.resolve('recovered');
    expect(await Promise.all([referenceTrial, ourTrial])).toEqual(['recovered', 'recovered']);
    expect([ours.state, stateOf(reference)]).toEqual(['closed', 'closed']);
  });

  it.each<[Call, boolean]>([
    ['ok', false],
    ['fail', false],
    ['fail', true],
    ['ignored', false],
  ])('emits the same events as opossum for a %s trial (fallback: %s), and for a refused call after it', async (trial, withFallback) => {
    const { reference, ours, referenceEvents, ourEvents } = await bothHalfOpen(service, withFallback);
    await Promise.all([reference.fire(trial).catch(() => undefined), ours.fire(trial).catch(() => undefined)]);
    await Promise.all([reference.fire('ok').catch(() => undefined), ours.fire('ok').catch(() => undefined)]);
    // opossum's errorFilter emits `success` for a filtered error; an error `isFailure` rejects emits none.
    const expected = trial === 'ignored' ? referenceEvents.filter((_, i) => i !== referenceEvents.indexOf('success')) : referenceEvents;
    expect(ourEvents).toEqual(expected);
  });
});

describe('closed calls against opossum', () => {
  let h: BreakerHarness;
  beforeEach(() => {
    h = breakerHarness();
  });
  afterEach(async () => {
    await h.monitor.close();
  });

  it.each<[Call, boolean]>([
    ['ok', false],
    ['fail', false],
    ['fail', true],
  ])('emits the same events for a %s call (fallback: %s), and gives the same answer', async (call, withFallback) => {
    const fallback = (_step: Call, _error: unknown): string => 'fallback';
    const reference = opossum({ rotateBucketController: new EventEmitter() });
    if (withFallback) reference.fallback(fallback);
    const ours = h.monitor.circuitBreaker('api', service, { errorThresholdPercentage: 50, timeout: false, ...(withFallback ? { fallback } : {}) });
    const referenceEvents = eventsOf(reference as never);
    const ourEvents = eventsOf(ours);
    const answers = await Promise.all([reference.fire(call).then(String, String), ours.fire(call).then(String, String)]);
    expect(answers[1]).toBe(answers[0]);
    expect(ourEvents).toEqual(referenceEvents);
  });
});
