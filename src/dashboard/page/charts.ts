import uPlot from 'uplot';

/** Points kept per series: about four minutes at the default 2 s poll. */
export const MAX_POINTS = 120;
/** Series one chart draws at most (the routes it shows are bounded too). */
export const MAX_SERIES = 8;

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/**
 * A time chart fed by polling: one bounded ring of points per series, shared timestamps. A
 * series that appears later is filled with gaps before its first point; past MAX_POINTS the
 * oldest point is dropped.
 */
export class TimeChart {
  private readonly times: number[] = [];
  private readonly series = new Map<string, (number | null)[]>();
  private plot: uPlot | undefined;
  private drawn = '';

  constructor(private readonly target: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(target);
  }

  /** Adds one poll's values at `at` (epoch ms); a series missing from `values` gets a gap. */
  push(at: number, values: ReadonlyMap<string, number | null>): void {
    for (const name of values.keys()) {
      if (!this.series.has(name) && this.series.size < MAX_SERIES) this.series.set(name, this.times.map(() => null));
    }
    this.times.push(at / 1000);
    for (const [name, points] of this.series) points.push(values.get(name) ?? null);
    if (this.times.length > MAX_POINTS) {
      this.times.shift();
      for (const points of this.series.values()) points.shift();
    }
    this.draw();
  }

  /** Replaces every point: `times` (epoch ms) and, per series, one value per time. */
  set(times: readonly number[], values: ReadonlyMap<string, readonly (number | null)[]>): void {
    this.times.splice(0, this.times.length, ...times.slice(-MAX_POINTS).map((t) => t / 1000));
    this.series.clear();
    for (const [name, points] of values) if (this.series.size < MAX_SERIES) this.series.set(name, points.slice(-MAX_POINTS));
    this.draw();
  }

  /** Forgets every point (the explorer's series changed). */
  clear(): void {
    this.times.length = 0;
    this.series.clear();
    this.draw();
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(200, this.target.clientWidth), height: 180 };
  }

  private draw(): void {
    // For tests and the curious: when the chart's first point is (epoch ms), and how many it has.
    this.target.dataset.first = this.times.length === 0 ? '' : String(this.times[0]! * 1000);
    this.target.dataset.points = String(this.times.length);
    let filled = 0;
    for (const points of this.series.values()) for (const v of points) if (v !== null) filled++;
    this.target.dataset.filled = String(filled);
    const names = [...this.series.keys()];
    const data = [this.times, ...names.map((n) => this.series.get(n)!)];
    const key = names.join('\u0000');
    if (this.plot !== undefined && key === this.drawn) {
      this.plot.setData(data);
      this.span();
      return;
    }
    this.plot?.destroy();
    this.drawn = key;
    // uPlot writes series labels into its legend as text (no HTML is parsed).
    this.plot = new uPlot(
      {
        ...this.size(),
        series: [{}, ...names.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length]!, width: 1.5, spanGaps: false }))],
        scales: { x: { time: true } },
        axes: [{ size: 30 }, { size: 48 }],
      },
      data,
      this.target,
    );
    this.span();
  }

  /** At least a minute across, so a chart with one or two points still reads as recent times. */
  private span(): void {
    const first = this.times[0];
    const last = this.times[this.times.length - 1];
    if (first === undefined || last === undefined || this.plot === undefined) return;
    this.plot.setScale('x', { min: Math.min(first, last - 60), max: last });
  }
}
