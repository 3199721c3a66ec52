import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { assertLabelNames, assertMetricName, matchesLabels, seriesKey } from '../../src/core/labels.js';

describe('metric and label names', () => {
  it('rejects names outside the Prometheus character set with a ConfigError naming them', () => {
    for (const bad of ['', '1abc', 'a-b', 'a.b', 'é', '__reserved']) {
      expect(() => assertMetricName(bad), bad).toThrow(ConfigError);
    }
    expect(() => assertMetricName('http-requests')).toThrow(/"http-requests"/);
  });

  it('accepts colons in metric names but not in label names', () => {
    expect(() => assertMetricName('job:latency:p95')).not.toThrow();
    expect(() => assertLabelNames('m', ['a:b'])).toThrow(ConfigError);
  });

  it('rejects duplicate, reserved and __-prefixed label names', () => {
    expect(() => assertLabelNames('m', ['a', 'a'])).toThrow(/twice/);
    expect(() => assertLabelNames('m', ['le'], ['le'])).toThrow(/reserved/);
    expect(() => assertLabelNames('m', ['__name'])).toThrow(/reserved/);
  });
});

describe('series keys and matchers', () => {
  it('gives equal keys to equal label sets in any key order', () => {
    expect(seriesKey({ a: '1', b: '2' })).toBe(seriesKey({ b: '2', a: '1' }));
    expect(seriesKey({ a: '1', b: '2' })).not.toBe(seriesKey({ a: '12' }));
  });

  it('keeps names and values apart so no two label sets collide', () => {
    expect(seriesKey({ a: 'b=c' })).not.toBe(seriesKey({ 'a=b': 'c' }));
  });

  it('matches when every matcher label is equal', () => {
    expect(matchesLabels({ a: '1', b: '2' }, { a: '1' })).toBe(true);
    expect(matchesLabels({ a: '1' }, { a: '2' })).toBe(false);
    expect(matchesLabels({ a: '1' }, undefined)).toBe(true);
  });
});
