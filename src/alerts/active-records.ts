import type { CapabilityContext } from '../capability.js';
import { LimitError, StorageError } from '../core/errors.js';
import type { AlertRecord } from '../storage/records.js';

/** Most pending, and most firing, records one pull reads. */
export const MAX_ACTIVE_RECORDS = 20_000;

/**
 * Reads back, for {@link StateSync} (state-sync.ts), the pending and firing records of this
 * service that a state can be restored from: checked field by field (a record of an older
 * version, another service or a hostile writer is skipped) and with its times clamped to now.
 * Kept apart from the merging: what a stored record may hold is one question, what an engine
 * does with a valid one another.
 */
export class ActiveRecords {
  private truncatedReported = false;

  constructor(private readonly ctx: CapabilityContext) {}

  /** This service's stored pending and firing records that can be read back; undefined when the store failed. */
  async read(now: number): Promise<{ records: AlertRecord[]; complete: boolean } | undefined> {
    let firing: unknown;
    let pending: unknown;
    try {
      firing = await this.ctx.storage.queryAlerts({ status: 'firing', limit: MAX_ACTIVE_RECORDS });
      pending = await this.ctx.storage.queryAlerts({ status: 'pending', limit: MAX_ACTIVE_RECORDS });
    } catch (cause) {
      this.ctx.report(new StorageError(`reading alert states from "${this.ctx.storage.name}" storage failed; this instance keeps its own until the store answers`, { cause }));
      return undefined;
    }
    if (!Array.isArray(firing) || !Array.isArray(pending)) {
      this.ctx.report(new StorageError(`"${this.ctx.storage.name}" storage listed alerts as something other than a list; alert states were not read`));
      return undefined;
    }
    const complete = firing.length < MAX_ACTIVE_RECORDS && pending.length < MAX_ACTIVE_RECORDS;
    if (!complete && !this.truncatedReported) {
      this.truncatedReported = true;
      this.ctx.report(new LimitError('limits.maxAlertsPerRule', MAX_ACTIVE_RECORDS, `the store holds ${MAX_ACTIVE_RECORDS} or more active alerts; alert states are shared for the newest ${MAX_ACTIVE_RECORDS} of each status only`));
    }
    // Firing first: for one alert group, a firing record wins over a pending one. One list, no
    // intermediate copies: every tick reads every active record.
    const records: AlertRecord[] = [];
    for (const list of [firing, pending]) for (const r of list) if (this.readable(r)) records.push(clampTimes(r, now));
    return { records, complete };
  }

  /** A record this version can restore: the fields a state needs, of the right types, of this service. */
  readable(r: unknown): boolean {
    if (typeof r !== 'object' || r === null) return false;
    const a = r as Partial<AlertRecord>;
    return (
      a.service === this.ctx.service &&
      typeof a.id === 'string' &&
      typeof a.ruleId === 'string' &&
      typeof a.groupKey === 'string' &&
      typeof a.fingerprint === 'string' &&
      (a.status === 'firing' || a.status === 'pending') &&
      typeof a.labels === 'object' &&
      a.labels !== null &&
      stringValues(a.labels) &&
      Number.isFinite(a.activeAt) &&
      Number.isFinite(a.startsAt) &&
      Number.isFinite(a.updatedAt) &&
      (a.value === null || typeof a.value === 'number') &&
      typeof a.message === 'string' &&
      typeof a.severity === 'string' &&
      typeof a.annotations === 'object' &&
      a.annotations !== null &&
      Array.isArray(a.channels) &&
      a.channels.every((c) => typeof c === 'string') &&
      Array.isArray(a.recipients) &&
      (a.notifiedAt === undefined || Number.isFinite(a.notifiedAt)) &&
      (a.acknowledgedAt === undefined || Number.isFinite(a.acknowledgedAt))
    );
  }
}

/**
 * A record read back with its times no later than `now`: a writer whose clock ran ahead (or a
 * hostile one) must not postpone a `for` or silence repeats for as long as its clock is wrong.
 */
export function clampTimes(r: AlertRecord, now: number): AlertRecord {
  if (r.activeAt <= now && r.updatedAt <= now && r.startsAt <= now && !(r.notifiedAt !== undefined && r.notifiedAt > now)) return r;
  return {
    ...r,
    activeAt: Math.min(r.activeAt, now),
    startsAt: Math.min(r.startsAt, now),
    updatedAt: Math.min(r.updatedAt, now),
    ...(r.notifiedAt !== undefined ? { notifiedAt: Math.min(r.notifiedAt, now) } : {}),
  };
}

/** Every own enumerable value of `o` is a string (Object.values(o).every(...) without its array). */
function stringValues(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k) && typeof (o as Record<string, unknown>)[k] !== 'string') return false;
  return true;
}
