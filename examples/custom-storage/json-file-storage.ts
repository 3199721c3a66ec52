// A StorageAdapter written from scratch against the contract: the whole store lives in one JSON
// file, rewritten (to a temporary file, then renamed) after every change. Right for one process
// with little data, such as a CLI or a dev box; it shows what an adapter has to get right, not
// how to scale one. See README.md.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isPulsewatchError, partitionRollups, rejectionError, StorageError } from 'pulsewatch';
import type {
  AlertQuery,
  AlertRecord,
  DeadLetter,
  DeadLetterQuery,
  JobDeadLetter,
  JobDeadLetterQuery,
  Rollup,
  RollupQuery,
  StorageAdapter,
  StoredRule,
} from 'pulsewatch';

/** Options of {@link JsonFileStorage}. */
export interface JsonFileStorageOptions {
  /** The JSON file; created on the first write, with its directory. */
  path: string;
  /** Source of time for leases; default `Date.now` (tests pass a manual clock's). */
  now?: () => number;
}

interface State {
  /** Rollups by series: the key is the JSON of `[name, label entries sorted by name]`. */
  series: Record<string, Rollup[]>;
  /** Lease key to the time (ms) it expires. */
  leases: Record<string, number>;
  alerts: Record<string, AlertRecord>;
  rules: Record<string, StoredRule>;
  deadLetters: Record<string, DeadLetter>;
  jobDeadLetters: Record<string, JobDeadLetter>;
}

const empty = (): State => ({ series: {}, leases: {}, alerts: {}, rules: {}, deadLetters: {}, jobDeadLetters: {} });

/** A store in one JSON file. Every call runs alone, in call order, so tryAcquire is atomic within the process. */
export class JsonFileStorage implements StorageAdapter {
  readonly name = 'json-file';
  private readonly path: string;
  private readonly now: () => number;
  private state: State | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: JsonFileStorageOptions) {
    if (typeof options?.path !== 'string' || options.path === '') throw new TypeError('JsonFileStorage: `path` must be a non-empty string');
    this.path = options.path;
    this.now = options.now ?? Date.now;
  }

  writeRollups(rollups: readonly Rollup[]): Promise<void> {
    // A rollup no retry can fix (a lone surrogate, a slot bound out of range) is set aside and
    // named in a permanent StorageError, so the recorder drops it and keeps the rest flowing.
    const partition = partitionRollups(rollups);
    return this.run(true, (s) => {
      for (const rollup of partition.valid) {
        const points = (s.series[seriesId(rollup.name, rollup.labels)] ??= []);
        // One rollup per slot start and instance: a retried batch replaces its slots instead of
        // adding them twice, and instances of one service never overwrite each other's.
        const at = points.findIndex((p) => p.start === rollup.start && (p.instance ?? '') === (rollup.instance ?? ''));
        if (at === -1) points.push(copy(rollup));
        else points[at] = copy(rollup);
      }
    }).then(() => {
      if (partition.rejected.length > 0) throw rejectionError(this.name, rollups.length, partition);
    });
  }

  queryRollups(query: RollupQuery): Promise<Rollup[]> {
    return this.run(false, (s) => {
      const out: Rollup[] = [];
      for (const points of Object.values(s.series)) {
        const first = points[0];
        if (first === undefined || first.name !== query.name) continue;
        if (!Object.entries(query.labels ?? {}).every(([k, v]) => Object.hasOwn(first.labels, k) && first.labels[k] === v)) continue;
        for (const p of points) if (p.end > (query.from ?? -Infinity) && p.start < (query.to ?? Infinity)) out.push(p);
      }
      return out.sort((a, b) => a.start - b.start);
    });
  }

  tryAcquire(key: string, ttlMs: number): Promise<boolean> {
    return this.run(true, (s) => {
      const now = this.now();
      if ((s.leases[key] ?? -Infinity) > now) return false;
      s.leases[key] = now + ttlMs;
      return true;
    });
  }

  saveAlert(alert: AlertRecord): Promise<void> {
    return this.run(true, (s) => void (s.alerts[alert.id] = copy(alert)));
  }

  queryAlerts(q: AlertQuery): Promise<AlertRecord[]> {
    return this.run(false, (s) => {
      const out = Object.values(s.alerts).filter(
        (a) =>
          (q.status === undefined || a.status === q.status) &&
          (q.ruleId === undefined || a.ruleId === q.ruleId) &&
          (q.fingerprint === undefined || a.fingerprint === q.fingerprint) &&
          (q.from === undefined || a.updatedAt >= q.from) &&
          (q.to === undefined || a.updatedAt < q.to),
      );
      return out.sort((a, b) => b.updatedAt - a.updatedAt).slice(0, q.limit ?? out.length);
    });
  }

  saveRule(rule: StoredRule): Promise<void> {
    return this.run(true, (s) => void (s.rules[rule.id] = copy(rule)));
  }

  deleteRule(id: string): Promise<boolean> {
    return this.run(true, (s) => remove(s.rules, id));
  }

  listRules(): Promise<StoredRule[]> {
    return this.run(false, (s) => Object.values(s.rules).sort((a, b) => a.createdAt - b.createdAt));
  }

  saveDeadLetter(letter: DeadLetter): Promise<void> {
    return this.run(true, (s) => void (s.deadLetters[letter.id] = copy(letter)));
  }

  listDeadLetters(q: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    return this.run(false, (s) => oldestFirst(Object.values(s.deadLetters).filter((d) => q.channel === undefined || d.channel === q.channel), q.limit));
  }

  deleteDeadLetter(id: string): Promise<boolean> {
    return this.run(true, (s) => remove(s.deadLetters, id));
  }

  saveJobDeadLetter(letter: JobDeadLetter): Promise<void> {
    return this.run(true, (s) => void (s.jobDeadLetters[letter.id] = copy(letter)));
  }

  listJobDeadLetters(q: JobDeadLetterQuery = {}): Promise<JobDeadLetter[]> {
    return this.run(false, (s) => oldestFirst(Object.values(s.jobDeadLetters).filter((d) => q.job === undefined || d.job === q.job), q.limit));
  }

  deleteJobDeadLetter(id: string): Promise<boolean> {
    return this.run(true, (s) => remove(s.jobDeadLetters, id));
  }

  purgeBefore(timestamp: number): Promise<number> {
    return this.run(true, (s) => {
      let removed = 0;
      for (const [id, points] of Object.entries(s.series)) {
        const kept = points.filter((p) => p.end > timestamp);
        removed += points.length - kept.length;
        if (kept.length > 0) s.series[id] = kept;
        else delete s.series[id];
      }
      for (const a of Object.values(s.alerts)) if (a.status === 'resolved' && (a.endsAt ?? a.updatedAt) < timestamp) removed += Number(remove(s.alerts, a.id));
      for (const d of Object.values(s.deadLetters)) if (d.failedAt < timestamp) removed += Number(remove(s.deadLetters, d.id));
      for (const d of Object.values(s.jobDeadLetters)) if (d.failedAt < timestamp) removed += Number(remove(s.jobDeadLetters, d.id));
      const now = this.now();
      for (const [key, until] of Object.entries(s.leases)) if (until <= now) delete s.leases[key];
      return removed;
    });
  }

  /** Waits for pending calls; later calls reject with a StorageError. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
  }

  /** Runs `fn` after every earlier call, saves the file if `write`, and returns a copy of the result. */
  private run<T>(write: boolean, fn: (state: State) => T): Promise<T> {
    if (this.closed) return Promise.reject(new StorageError('JsonFileStorage is closed'));
    const result = this.queue.then(async () => {
      this.state ??= await this.load();
      const out = fn(this.state);
      if (write) await this.save(this.state);
      return out === undefined ? out : copy(out);
    });
    this.queue = result.catch(() => undefined);
    return result.catch((error: unknown) => {
      // Reject with the package's error type, keeping the cause (ENOSPC, EACCES...).
      throw isPulsewatchError(error) ? error : new StorageError(`JsonFileStorage: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    });
  }

  private async load(): Promise<State> {
    try {
      return { ...empty(), ...(JSON.parse(await readFile(this.path, 'utf8')) as Partial<State>) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty();
      throw error;
    }
  }

  private async save(state: State): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await writeFile(`${this.path}.tmp`, JSON.stringify(state));
    await rename(`${this.path}.tmp`, this.path);
  }
}

/** Label order does not matter, and no label value can be mistaken for a separator. */
function seriesId(name: string, labels: Readonly<Record<string, string>>): string {
  return JSON.stringify([name, Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** A deep copy through JSON: what the file would give back anyway (undefined fields are dropped). */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function remove(records: Record<string, unknown>, id: string): boolean {
  if (!Object.hasOwn(records, id)) return false;
  delete records[id];
  return true;
}

function oldestFirst<T extends { failedAt: number }>(letters: T[], limit: number | undefined): T[] {
  return letters.sort((a, b) => a.failedAt - b.failedAt).slice(0, limit ?? letters.length);
}
