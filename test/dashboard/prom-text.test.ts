/** The page's reader of the Prometheus text exposition (the metric explorer's series list). */
import { describe, expect, it } from 'vitest';
import { MAX_SAMPLES, parseExposition } from '../../src/dashboard/page/prom-text.js';

describe('parseExposition', () => {
  it('reads names, labels and values, skipping comments and blank lines', () => {
    const text = ['# HELP x_total things', '# TYPE x_total counter', 'x_total{route="/a",status="200"} 3', '', 'up 1 1700000000000', 'h_bucket{le="+Inf"} +Inf'].join('\n');
    expect(parseExposition(text)).toEqual([
      { series: 'x_total{route="/a",status="200"}', name: 'x_total', labels: { route: '/a', status: '200' }, value: 3 },
      { series: 'up', name: 'up', labels: {}, value: 1 },
      { series: 'h_bucket{le="+Inf"}', name: 'h_bucket', labels: { le: '+Inf' }, value: Infinity },
    ]);
  });

  it('unescapes label values: backslash, quote, newline; markup and unicode stay as they are', () => {
    const [sample] = parseExposition('m{v="<script>\\"a\\\\b\\nc ü🚀"} 1');
    expect(sample?.labels.v).toBe('<script>"a\\b\nc ü🚀');
  });

  it('skips lines it cannot read instead of failing', () => {
    expect(parseExposition('m{v="open} 1\nm{=""} 1\n{x="1"} 2\nm abc\nok 2').map((s) => s.name)).toEqual(['ok']);
  });

  it('reads at most MAX_SAMPLES samples', () => {
    const text = Array.from({ length: MAX_SAMPLES + 10 }, (_, i) => `m{i="${i}"} ${i}`).join('\n');
    expect(parseExposition(text)).toHaveLength(MAX_SAMPLES);
  });
});
