import { describe, expect, it } from 'vitest';
import { durationSchema, parseDuration } from '../../src/index.js';

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
