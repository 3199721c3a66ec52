import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { assertLabelNames, assertMetricName, canonicalLabels, matchesLabels, seriesKey, toWellFormed } from '../../src/core/labels.js';

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

  it('keeps label sets apart whatever bytes their values hold (no separator a value can imitate)', () => {
    // The old key joined `name\u0000value\u0001`: these pairs shared one key.
    expect(seriesKey({ a: 'x\u0001y', b: '' })).not.toBe(seriesKey({ a: 'x', b: 'y\u0001' }));
    expect(seriesKey({ route: '/checkout\u0001tenant\u0000acme' })).not.toBe(seriesKey({ route: '/checkout', tenant: 'acme' }));
    expect(seriesKey({ a: '"],["b' })).not.toBe(seriesKey({ a: '', b: '' }));
    expect(seriesKey({})).not.toBe(seriesKey({ a: '' }));
  });

  it('matches when every matcher label is equal', () => {
    expect(matchesLabels({ a: '1', b: '2' }, { a: '1' })).toBe(true);
    expect(matchesLabels({ a: '1' }, { a: '2' })).toBe(false);
    expect(matchesLabels({ a: '1' }, undefined)).toBe(true);
  });
});

describe('well-formed label values', () => {
  it('replaces a lone surrogate (a string cut mid-emoji) with U+FFFD and keeps surrogate pairs', () => {
    const cut = '😀 Bob'.slice(0, 1);
    expect(toWellFormed(cut)).toBe('\uFFFD');
    expect(toWellFormed(`a${cut}b\uDC00`)).toBe('a\uFFFDb\uFFFD');
    expect(toWellFormed('😀 Bob')).toBe('😀 Bob');
    expect(toWellFormed('plain')).toBe('plain');
  });
});

describe('canonicalLabels', () => {
  it('sorts names and keeps an own __proto__ label (stored data can hold one): it was dropped, so {__proto__, a} and {a} were one series', () => {
    expect(canonicalLabels({ b: '2', a: '1' })).toBe('{"a":"1","b":"2"}');
    const withProto = JSON.parse('{"a":"b","__proto__":"x"}') as Record<string, string>;
    expect(canonicalLabels(withProto)).toBe('{"__proto__":"x","a":"b"}');
    expect(canonicalLabels(JSON.parse('{"__proto__":"x","a":"b"}') as Record<string, string>)).toBe(canonicalLabels(withProto));
    expect(canonicalLabels(withProto)).not.toBe(canonicalLabels({ a: 'b' }));
    // Its text is the labels' own JSON when their names are in order (PostgreSQL's write path relies on it).
    expect(canonicalLabels(JSON.parse('{"__proto__":"x","a":"b"}') as Record<string, string>)).toBe(JSON.stringify(JSON.parse('{"__proto__":"x","a":"b"}')));
  });
});
