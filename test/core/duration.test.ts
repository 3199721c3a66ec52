import { describe, expect, it } from 'vitest';
import { ConfigError, createMonitor } from '../../src/index.js';
import { durationSchema, parseDuration } from '../../src/core/duration.js';
import { MAX_DURATION_MS } from '../../src/core/duration.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

describe('parseDuration', () => {
  it('rejects what is not a non-negative finite duration', () => {
    for (const bad of ['', '5', '5 minutes', '-5m', 'm', '1w', -1, Number.NaN, Infinity, null, {}, '5mm']) {
      expect(parseDuration(bad), String(bad)).toBeUndefined();
    }
  });

  it('reads numbers as milliseconds and each unit suffix', () => {
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('1d')).toBe(86_400_000);
  });

  it('gives zod a message that shows the value received', () => {
    const result = durationSchema.safeParse('5 minutes');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('"5 minutes"');
  });
});

describe('durations out of range (issue 14)', () => {
  const huge = `${'9'.repeat(309)}ms`;

  it('rejects a duration that parses as Infinity or beyond 365 days, as a string or a number', () => {
    for (const bad of [huge, '1e400ms', '366d', '8761h', `${MAX_DURATION_MS + 1}`, MAX_DURATION_MS + 1, Number.MAX_VALUE, 1e400]) {
      expect(parseDuration(bad), String(bad).slice(0, 20)).toBeUndefined();
    }
    expect(parseDuration('365d')).toBe(MAX_DURATION_MS);
    expect(parseDuration(MAX_DURATION_MS)).toBe(MAX_DURATION_MS);
  });

  it('says why in the zod issue, with the value cut short', () => {
    const result = durationSchema.safeParse(huge);
    expect(result.success).toBe(false);
    const message = result.error!.issues[0]!.message;
    expect(message).toContain('must be at most 365d');
    expect(message.length).toBeLessThan(160);
    expect(durationSchema.safeParse('400d').error!.issues[0]!.message).toBe(`must be at most 365d (${MAX_DURATION_MS} ms), got "400d"`);
  });

  it('surfaces as a ConfigError naming the option in createMonitor', () => {
    expect(() => createMonitor({ clock: new ManualClock(), flush: { closeTimeout: huge as never } })).toThrow(ConfigError);
    expect(() => createMonitor({ clock: new ManualClock(), limits: { seriesTtl: '1000d' } })).toThrow(/limits\.seriesTtl: must be at most 365d/);
  });
});
