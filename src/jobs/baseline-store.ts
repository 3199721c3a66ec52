import type { CapabilityContext } from '../capability.js';
import { isPulsewatchError, StorageError } from '../core/errors.js';
import { JOB_METRICS } from '../metrics/built-in-names.js';
import { hasRole, type StateStore } from '../storage/contract.js';
import type { StoredRule } from '../storage/records.js';
import type { JobBaseline } from './type-stats.js';

/** Types whose baselines are read at most (as `maxTypes` bounds what one process learns). */
const MAX_STORED = 10_000;

/** Id of the record that carried a service's job baselines before the state role (read, never written). */
export function baselineRecordId(service: string): string {
  return `pulsewatch-job-baselines:${service}`.slice(0, 200);
}

/** Characters of the service part of a state key kept as is; a longer one is cut and hashed. */
const MAX_SERVICE_PART = 128;

/**
 * The state keys of a service's job baselines: one entry per type under this prefix. The service
 * is URI-encoded so it holds no `:` (service `a:b` and type `c` never meet service `a`, type `b:c`),
 * after lone surrogates become U+FFFD (encodeURIComponent throws on them). An encoding longer than
 * 128 characters is cut and followed by `%~` and a hash of the whole name (`%~` never appears in an
 * encoding, so it meets no other service's part): a prefix stays under 170 characters and, with a
 * type of at most 128, every key under the state role's 512. Never throws.
 */
export function baselineKeyPrefix(service: string): string {
  const encoded = encodeURIComponent(wellFormed(service));
  if (encoded.length <= MAX_SERVICE_PART) return `pulsewatch:jobs:baseline:${encoded}:`;
  // Cut before a `%XX` the cut would split: the head holds whole escapes only.
  const head = encoded.slice(0, 24).replace(/%[0-9A-F]?$/, '');
  return `pulsewatch:jobs:baseline:${head}%~${hash(encoded)}:`;
}

/** `text` with each lone surrogate replaced by U+FFFD (what String.prototype.toWellFormed does). */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** A 64-bit FNV-1a hash of `text`'s UTF-16 code units, as 16 hex digits: stable across versions and runtimes. */
function hash(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/**
 * Job baselines in the store, shared by the instances of a service, so a restarted instance
 * compares with what the fleet learned instead of learning again from runs that may already be
 * regressed.
 *
 * With a store that plays the `state` role, each type's baseline is one state entry (see
 * {@link baselineKeyPrefix}), written with `putStateIfAbsent`: the first instance to learn a
 * type keeps it, across the fleet, with no read-merge-write race. Stores without it keep the
 * earlier layout: one disabled regression rule record carrying every type under `jobBaselines`
 * (issue 17's workaround). That record, when a store holds one from an earlier version, is
 * still read (its types fill those the state lacks) but never written again.
 */
export class BaselineStore {
  /**
   * Set when the store answered a state call as permanently refused although it seemed to play
   * the role (a cluster worker's primaryStorage has the calls whatever its primary's store
   * plays): from then on this store keeps the rule record, as a store without the role does.
   */
  private stateRefused = false;

  constructor(private readonly ctx: CapabilityContext) {}

  /** The stored baselines by type; an empty map when there are none or the store fails (reported). */
  async load(): Promise<Map<string, JobBaseline>> {
    const state = this.state();
    const out = state === undefined ? new Map<string, JobBaseline>() : await this.readState(state);
    const record = await this.readRecord('restoring job baselines');
    // The state wins: a type written there was learned after the record stopped being written.
    if (record) for (const [type, b] of parse(record)) if (!out.has(type) && out.size < MAX_STORED) out.set(type, b);
    return out;
  }

  /** Stores `learned` (a type learned elsewhere first keeps its baseline). Never rejects. */
  async save(learned: readonly JobBaseline[]): Promise<void> {
    if (learned.length === 0) return;
    const state = this.state();
    if (state === undefined) return this.saveRecord(learned);
    for (const b of learned) {
      const { mean, p95, sampleSize, createdAt } = b;
      try {
        await state.putStateIfAbsent(`${baselineKeyPrefix(this.ctx.service)}${b.jobType}`, { mean, p95, sampleSize, createdAt });
      } catch (cause) {
        // Refused for good: either the store lacks the role (then keep every baseline in the
        // record) or this one entry cannot be stored (reported, the others still go to the state).
        if (isPermanent(cause) && (await this.lacksState(state))) return this.saveRecord(learned);
        this.ctx.report(new StorageError(`saving the job baseline of "${b.jobType}" to "${this.ctx.storage.name}" storage failed`, { cause }));
      }
    }
  }

  private state(): StateStore | undefined {
    const storage = this.ctx.storage;
    return !this.stateRefused && hasRole(storage, 'state') ? storage : undefined;
  }

  /**
   * Whether the store refuses the state role itself: a read of this service's prefix (a valid
   * prefix, which only a store without the role refuses for good). Remembered when it does.
   */
  private async lacksState(state: StateStore): Promise<boolean> {
    try {
      await state.readState(baselineKeyPrefix(this.ctx.service), { limit: 1 });
      return false;
    } catch (cause) {
      if (isPermanent(cause)) this.stateRefused = true;
      return this.stateRefused;
    }
  }

  private async readState(state: StateStore): Promise<Map<string, JobBaseline>> {
    try {
      const prefix = baselineKeyPrefix(this.ctx.service);
      const entries = await state.readState(prefix, { limit: MAX_STORED });
      return parseEntries(entries.map((e) => [e.key.slice(prefix.length), e.value]));
    } catch (cause) {
      // A store that refuses the role for good is no failure: its baselines are in the record.
      if (isPermanent(cause)) this.stateRefused = true;
      else this.ctx.report(new StorageError(`restoring job baselines: reading state from "${this.ctx.storage.name}" storage failed`, { cause }));
      return new Map();
    }
  }

  /** The earlier layout, for a store without the state role: merges `learned` into the rule record. */
  private async saveRecord(learned: readonly JobBaseline[]): Promise<void> {
    const existing = await this.readRecord('saving job baselines');
    if (existing === null) return;
    const merged = existing === undefined ? new Map<string, JobBaseline>() : parse(existing);
    for (const b of learned) if (!merged.has(b.jobType) && merged.size < MAX_STORED) merged.set(b.jobType, b);
    const now = this.ctx.clock.now();
    const record: StoredRule = { ...(existing ?? carrier(this.ctx.service, now)), jobBaselines: Object.fromEntries(merged) };
    try {
      await this.ctx.storage.saveRule(record);
    } catch (cause) {
      this.ctx.report(new StorageError(`saving job baselines to "${this.ctx.storage.name}" storage failed`, { cause }));
    }
  }

  /** The carrier record; undefined when absent, null when the store failed (reported). */
  private async readRecord(why: string): Promise<StoredRule | undefined | null> {
    let rules: unknown;
    try {
      rules = await this.ctx.storage.listRules();
    } catch (cause) {
      this.ctx.report(new StorageError(`${why}: reading rules from "${this.ctx.storage.name}" storage failed`, { cause }));
      return null;
    }
    const id = baselineRecordId(this.ctx.service);
    if (!Array.isArray(rules)) return undefined;
    return (rules as unknown[]).find((r): r is StoredRule => typeof r === 'object' && r !== null && (r as StoredRule).id === id);
  }
}

/** The record the earlier layout writes: a valid, disabled regression rule on the job run time. */
function carrier(service: string, now: number): StoredRule {
  return {
    id: baselineRecordId(service),
    name: 'Job run time regression (baselines kept by monitor.jobs)',
    metric: JOB_METRICS.runTime,
    labels: { outcome: 'success' },
    aggregation: { type: 'regression', of: 'avg', minCount: 10 },
    groupBy: ['type'],
    window: 3_600_000,
    condition: 'greater_than',
    threshold: 10,
    severity: 'warning',
    type: 'PERFORMANCE_DEGRADATION',
    enabled: false,
    createdAt: now,
    updatedAt: now,
  };
}

/** A StorageError the store says the same call would meet again (branded flag: works across package copies). */
function isPermanent(error: unknown): boolean {
  return isPulsewatchError(error) && error.code === 'ERR_PULSEWATCH_STORAGE' && (error as StorageError).permanent === true;
}

function parse(record: StoredRule): Map<string, JobBaseline> {
  const raw = record['jobBaselines'];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return new Map();
  return parseEntries(Object.entries(raw as Record<string, unknown>));
}

/** Baselines from (type, stored value) pairs; a value that is not a baseline (another writer's, a hand edit) is skipped. */
function parseEntries(entries: Iterable<[string, unknown]>): Map<string, JobBaseline> {
  const out = new Map<string, JobBaseline>();
  for (const [type, b] of entries) {
    if (out.size >= MAX_STORED) break;
    const v = b as Partial<JobBaseline> | null;
    if (typeof v !== 'object' || v === null) continue;
    const { mean, p95, sampleSize, createdAt } = v;
    if (![mean, p95, sampleSize, createdAt].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) continue;
    out.set(type, { jobType: type, mean: mean!, p95: p95!, sampleSize: sampleSize!, createdAt: createdAt! });
  }
  return out;
}
