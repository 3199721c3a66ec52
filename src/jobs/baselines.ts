import type { CapabilityContext } from '../capability.js';
import { BaselineStore } from './baseline-store.js';
import type { JobBaseline, TypeStats } from './type-stats.js';

/**
 * The runner's side of job baselines: reads the stored ones once and gives each type the
 * fleet's baseline (before or after it is defined), and writes the ones this process learns,
 * one write after another (a write merges into what the store holds).
 */
export class JobBaselines {
  private readonly store: BaselineStore;
  private restored: Promise<void> | undefined;
  private stored = new Map<string, JobBaseline>();
  private readonly toSave: JobBaseline[] = [];
  private saving: Promise<void> = Promise.resolve();

  constructor(
    ctx: CapabilityContext,
    /** The stats of every type defined now. */
    private readonly types: () => Iterable<TypeStats>,
  ) {
    this.store = new BaselineStore(ctx);
  }

  /** Reads the stored baselines once; every type defined before or after gets its own. Never rejects. */
  restore(): Promise<void> {
    this.restored ??= this.store.load().then((stored) => {
      this.stored = stored;
      this.apply();
    });
    return this.restored;
  }

  /** A baseline the fleet learned first wins over one this process is still learning. */
  apply(): void {
    for (const stats of this.types()) {
      const stored = this.stored.get(stats.type);
      if (stored !== undefined && stats.baseline === undefined) stats.baseline = stored;
    }
  }

  /** A type learned its baseline here: it is written after the writes before it. */
  learned(baseline: JobBaseline): void {
    this.toSave.push(baseline);
    this.saving = this.saving.then(() => this.flush());
  }

  /** Writes what was learned and not written yet (after the stored ones were read). Never rejects. */
  async flush(): Promise<void> {
    await this.restored;
    const batch = this.toSave.splice(0);
    await this.store.save(batch);
  }

  /**
   * For close(): waits for the writes in progress, then writes what is left. A flush alone would
   * find the queue empty while a chained write of it still runs, and resolve before it ends.
   * Never rejects.
   */
  async settle(): Promise<void> {
    await this.saving;
    await this.flush();
  }
}
