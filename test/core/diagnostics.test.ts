import { describe, expect, it } from 'vitest';
import { Diagnostics, LOG_INTERVAL_MS, type DropCounter } from '../../src/core/diagnostics.js';
import { PulsewatchError, StorageError, ValidationError } from '../../src/core/errors.js';

function setup(options: { strict?: boolean; logger?: false } = {}) {
  let now = 0;
  const lines: string[] = [];
  const logger = options.logger ?? { warn: (message: string) => lines.push(message) };
  const diagnostics = new Diagnostics({ now: () => now, strict: options.strict ?? false, logger });
  const drops: Record<string, number> = {};
  const counter: DropCounter = { inc: ({ reason }, amount = 1) => void (drops[reason] = (drops[reason] ?? 0) + amount) };
  diagnostics.countDropsIn(counter);
  return { diagnostics, lines, drops, advance: (ms: number) => (now += ms) };
}

describe('Diagnostics: every emit is isolated', () => {
  it('runs every listener when one throws, and reports the throw on error once', () => {
    const { diagnostics } = setup();
    const heard: number[] = [];
    const errors: PulsewatchError[] = [];
    diagnostics.on('error', (e) => errors.push(e));
    diagnostics.on('flushed', () => {
      throw new Error('first listener bug');
    });
    diagnostics.on('flushed', (e) => heard.push(e.rollups));
    expect(() => diagnostics.emit('flushed', { rollups: 3, batches: 1, durationMs: 1 })).not.toThrow();
    expect(heard).toEqual([3]);
    expect(errors.map((e) => [e.code, e.message])).toEqual([['ERR_PULSEWATCH_INTERNAL', 'a "flushed" listener threw: first listener bug']]);
  });

  it("logs an error listener's throw instead of emitting it again, and still runs the next error listener", () => {
    const { diagnostics, lines } = setup();
    const heard: string[] = [];
    diagnostics.on('error', () => {
      throw new Error('error listener bug');
    });
    diagnostics.on('error', (e) => heard.push(e.message));
    diagnostics.fail(new StorageError('store down'));
    expect(heard).toEqual(['store down']);
    expect(lines).toEqual(['pulsewatch: a "error" listener threw: error listener bug; listen to the monitor\'s "error" event to handle these']);
  });

  it('isolates listeners in strict mode too; strict throws only a caller\'s rejected value', () => {
    const { diagnostics, drops } = setup({ strict: true });
    diagnostics.on('metricRecorded', () => {
      throw new Error('bug');
    });
    expect(() => diagnostics.emit('metricRecorded', { name: 'x', value: 1, labels: {}, timestamp: 0 })).not.toThrow();
    expect(() => diagnostics.reject(new ValidationError('bad value'))).toThrow('bad value');
    expect(() => diagnostics.fail(new Error('internal'))).not.toThrow();
    expect(drops).toEqual({});
  });

  it('removes a once listener before calling it, and off() removes every subscription of a listener', () => {
    const { diagnostics } = setup();
    const calls: string[] = [];
    const listener = () => calls.push('on');
    diagnostics.on('flushed', () => calls.push('once'), true);
    diagnostics.on('flushed', listener);
    diagnostics.on('flushed', listener);
    diagnostics.emit('flushed', { rollups: 1, batches: 1, durationMs: 0 });
    diagnostics.off('flushed', listener);
    diagnostics.emit('flushed', { rollups: 1, batches: 1, durationMs: 0 });
    expect(calls).toEqual(['once', 'on', 'on']);
    expect(diagnostics.listenerCount('flushed')).toBe(0);
  });
});

describe('Diagnostics: counting and logging what nobody heard', () => {
  it('counts rejected values as invalid_value and drops by reason', () => {
    const { diagnostics, drops } = setup();
    diagnostics.on('error', () => {});
    diagnostics.reject(new ValidationError('bad'));
    diagnostics.reject(new ValidationError('bad, counted elsewhere'), false);
    diagnostics.drop('buffer_full', 5);
    expect(drops).toEqual({ invalid_value: 1, buffer_full: 5 });
  });

  it('writes one line per error code a minute, with the count of lines not written', () => {
    const { diagnostics, lines, advance } = setup();
    diagnostics.fail(new StorageError('write failed (1)'));
    diagnostics.fail(new StorageError('write failed (2)'));
    diagnostics.reject(new ValidationError('bad value'));
    advance(LOG_INTERVAL_MS - 1);
    diagnostics.fail(new StorageError('write failed (3)'));
    advance(1);
    diagnostics.fail(new StorageError('write failed (4)'));
    expect(lines).toEqual([
      'pulsewatch: write failed (1); listen to the monitor\'s "error" event to handle these',
      'pulsewatch: bad value; listen to the monitor\'s "error" event to handle these',
      'pulsewatch: write failed (4) (2 more since the last warning); listen to the monitor\'s "error" event to handle these',
    ]);
  });

  it('logs a loss of accepted data only when nobody listens to dropped or error', () => {
    const { diagnostics, lines } = setup();
    diagnostics.drop('late', 1); // refused at the call, not a loss
    diagnostics.drop('shutdown', 3);
    expect(lines).toEqual(['pulsewatch: 3 rollups or notifications were dropped (shutdown); listen to the monitor\'s "error" event to handle these']);
    diagnostics.on('dropped', () => {});
    diagnostics.drop('buffer_full', 2);
    expect(lines).toHaveLength(1);
  });

  it('writes nothing with logger: false, and survives a logger that throws', () => {
    const silent = setup({ logger: false });
    expect(() => silent.diagnostics.fail(new StorageError('down'))).not.toThrow();
    expect(silent.lines).toEqual([]);
    const broken = new Diagnostics({
      now: () => 0,
      strict: false,
      logger: {
        warn() {
          throw new Error('logger bug');
        },
      },
    });
    expect(() => broken.fail(new StorageError('down'))).not.toThrow();
  });

  it('keeps the lines of a close for one line at its end, losses first', () => {
    const { diagnostics, lines } = setup();
    diagnostics.hold();
    diagnostics.fail(new StorageError('writing 2 rollups failed (attempt 1)'));
    diagnostics.fail(new StorageError('writing 2 rollups failed (attempt 2)'));
    diagnostics.drop('shutdown', 2);
    expect(lines).toEqual([]);
    diagnostics.release();
    expect(lines).toEqual([
      'pulsewatch: while closing: 2 rollups or notifications were dropped (shutdown); writing 2 rollups failed (attempt 1) (and 1 more like it); listen to the monitor\'s "error" event to handle these',
    ]);
    diagnostics.fail(new StorageError('after the close')); // within the minute of the release
    expect(lines).toHaveLength(1);
  });
});
