// rangeStats keeps its scratch lists between calls (window-query-stats.ts), but not what they
// point at: after a call, the memory slots and decoded counts it read must be free to go, or a
// closed monitor's data stays alive for the process's life (26 MB after one 409-series p95 read,
// review R2). The slots are watched through a WeakRef after a full GC (V8's gc(), reached
// through the flag set at run time).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { OpenSlot, type HistogramSlot } from '../../src/metrics/histogram-slot.js';
import { BucketLayout } from '../../src/metrics/log-buckets.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { MetricWindow, type WindowSeries } from '../../src/metrics/window-query-window.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const SLOT = 30_000;
const T0 = 1_800_000_000_000;
const NOW = T0 + 12 * SLOT + 7_000;

/** Reads the p95 of a window of `n` series of 11 slots each and returns WeakRefs to its slots. */
function readOnce(n: number): WeakRef<HistogramSlot>[] {
  const layout = new BucketLayout(2);
  const scale = 1e3;
  const refs: WeakRef<HistogramSlot>[] = [];
  const series: WindowSeries[] = [];
  for (let k = 0; k < n; k++) {
    const slots: HistogramSlot[] = [];
    for (let i = 0; i < 11; i++) {
      const s = new OpenSlot();
      s.reset(T0 + (i + 1) * SLOT);
      for (let v = 0; v < 20; v++) s.record((v + k) / 100, layout, scale);
      const slot = i === 10 ? s : s.close(layout, scale);
      slots.push(slot);
      refs.push(new WeakRef(slot));
    }
    series.push({ key: `s${k}`, labels: { s: String(k) }, current: undefined, slots, parts: [] });
  }
  const w = new MetricWindow('h', 'histogram', 'seconds', T0, NOW, NOW, series, 'i0', { layout, resolution: 1e-3, slotLength: SLOT }, new DecodedHistograms());
  const st = w.stats(series, T0, NOW, true);
  expect(st.count).toBe(n * 11 * 20);
  expect(st.dist!.percentile(95)).toBeGreaterThan(0);
  return refs;
}

describe('rangeStats scratch lists', () => {
  it('hold no slot of a read once it returned', async () => {
    // 300 series x 11 slots: under the lists' kept length, so the lists themselves stay.
    const refs = readOnce(300);
    // WeakRef targets live at least to the end of the job that made them.
    await Promise.resolve();
    await new Promise<void>((resolve) => setImmediate(resolve));
    gc();
    const alive = refs.filter((r) => r.deref() !== undefined).length;
    expect(refs.length).toBe(3_300);
    expect(alive).toBe(0);
  });
});
