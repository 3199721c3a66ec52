import { describe, expect, it } from 'vitest';
import { isErrorSeries } from '../../src/metrics/time-series-errors.js';

describe('isErrorSeries', () => {
  it("counts Prometheus' code label and the grouped status_class", () => {
    expect(isErrorSeries({ code: '500' })).toBe(true);
    expect(isErrorSeries({ code: '503', method: 'GET' })).toBe(true);
    expect(isErrorSeries({ status_class: '5xx' })).toBe(true);
    expect(isErrorSeries({ code: '200' })).toBe(false);
    expect(isErrorSeries({ code: '404' })).toBe(false);
    expect(isErrorSeries({ status_class: '2xx' })).toBe(false);
  });

  it('reads own labels only', () => {
    const inherited = Object.create({ code: '500' }) as Record<string, string>;
    expect(isErrorSeries(inherited)).toBe(false);
  });
});
