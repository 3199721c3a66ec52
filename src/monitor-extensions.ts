import type { ExportOptions } from './metrics/exposition/export.js';

/**
 * @internal What a module layered over a monitor adds to its reads: the primary of a cluster
 * (`attachWorkers`) has its workers write their open slots before a window read, and merges
 * their metrics into the scrape. Not part of the published types.
 */
export interface MonitorExtension {
  /** Runs before `getAggregatedMetrics` and `snapshot` read their window. Should not reject (a rejection is reported). */
  beforeRead?(): Promise<unknown>;
  /** The exposition a scrape of the monitoring handler serves instead of the monitor's own. */
  exposition?(options: ExportOptions): Promise<string>;
}

/**
 * @internal The extensions registered on one monitor. The newest with an exposition serves
 * the scrape; every `beforeRead` runs before a read.
 */
export class MonitorExtensions {
  private list: readonly MonitorExtension[] = [];

  constructor(
    /** The monitor's own exposition. */
    private readonly own: (options: ExportOptions) => string,
    /** Reports a failed `beforeRead` on the monitor's `error` event; never throws. */
    private readonly fail: (error: unknown) => void,
  ) {}

  /** Registers `extension`; returns a function that removes it. */
  add(extension: MonitorExtension): () => void {
    this.list = [...this.list, extension];
    return () => {
      this.list = this.list.filter((e) => e !== extension);
    };
  }

  /** Runs every `beforeRead` at once and waits for them; never rejects. */
  async beforeRead(): Promise<void> {
    if (this.list.length === 0) return;
    await Promise.all(
      this.list.map(async (e) => {
        try {
          await e.beforeRead?.();
        } catch (error) {
          this.fail(error);
        }
      }),
    );
  }

  /**
   * What a scrape of the monitoring handler's `GET /metrics` serves: the newest extension's
   * exposition, else the monitor's own. Rejects only as `exportPrometheusMetrics` throws (a
   * `format` other than the two).
   */
  async scrape(options: ExportOptions): Promise<string> {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const exposition = this.list[i]!.exposition;
      if (exposition !== undefined) return exposition(options);
    }
    return this.own(options);
  }
}
