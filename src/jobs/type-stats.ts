/** A job type's learned baseline (seed 000: after 10 runs), in ms. */
export interface JobBaseline {
  jobType: string;
  /** Mean run time of the runs it was learned from. */
  mean: number;
  p95: number;
  sampleSize: number;
  /** Epoch ms it was learned. */
  createdAt: number;
}

/** A type whose recent successful runs are slower than its baseline by more than the threshold. */
export interface JobRegression {
  jobType: string;
  baselineMean: number;
  currentMean: number;
  /** Percent over the baseline's mean. */
  changePercent: number;
}

/** The mean and p95 of `values` (nearest rank), in their unit. */
export function meanAndP95(values: readonly number[]): { mean: number; p95: number } {
  if (values.length === 0) return { mean: 0, p95: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!;
  return { mean, p95 };
}

/**
 * One type's recent attempts in fixed-size rings (no allocation per attempt): run times and
 * outcomes for bottlenecks and the health check, successful run times for the baseline and the
 * regression signal.
 */
export class TypeStats {
  private readonly ms: Float64Array;
  private readonly ok: Uint8Array;
  private count = 0;
  private next = 0;
  private readonly successes: Float64Array;
  private successCount = 0;
  private successNext = 0;
  baseline: JobBaseline | undefined;

  constructor(
    readonly type: string,
    window: number,
    private readonly baselineRuns: number,
    /** Called once when a baseline is learned here (not when restored). */
    private readonly learned: (baseline: JobBaseline) => void,
    private readonly now: () => number,
  ) {
    this.ms = new Float64Array(window);
    this.ok = new Uint8Array(window);
    this.successes = new Float64Array(baselineRuns);
  }

  /** Records one attempt's end. */
  record(ms: number, success: boolean): void {
    this.ms[this.next] = ms;
    this.ok[this.next] = success ? 1 : 0;
    this.next = (this.next + 1) % this.ms.length;
    if (this.count < this.ms.length) this.count++;
    if (!success) return;
    this.successes[this.successNext] = ms;
    this.successNext = (this.successNext + 1) % this.successes.length;
    if (this.successCount < this.successes.length) this.successCount++;
    if (this.baseline === undefined && this.successCount === this.baselineRuns) {
      const { mean, p95 } = meanAndP95(Array.from(this.successes));
      this.baseline = { jobType: this.type, mean, p95, sampleSize: this.baselineRuns, createdAt: this.now() };
      this.learned(this.baseline);
    }
  }

  /** Attempts in the window, their mean run time (ms) and failure rate (percent). */
  recent(): { attempts: number; meanMs: number; failureRate: number } {
    let sum = 0;
    let failures = 0;
    for (let i = 0; i < this.count; i++) {
      sum += this.ms[i]!;
      if (this.ok[i] === 0) failures++;
    }
    return { attempts: this.count, meanMs: this.count === 0 ? 0 : sum / this.count, failureRate: this.count === 0 ? 0 : (failures / this.count) * 100 };
  }

  /** The regression of the last `baselineRuns` successful runs against the baseline, if over `threshold` percent. */
  regression(threshold: number): JobRegression | undefined {
    const base = this.baseline;
    if (base === undefined || base.mean <= 0 || this.successCount < this.successes.length) return undefined;
    let sum = 0;
    for (let i = 0; i < this.successCount; i++) sum += this.successes[i]!;
    const currentMean = sum / this.successCount;
    const changePercent = ((currentMean - base.mean) / base.mean) * 100;
    if (!(changePercent > threshold)) return undefined;
    return { jobType: this.type, baselineMean: base.mean, currentMean, changePercent: Math.round(changePercent * 100) / 100 };
  }
}
