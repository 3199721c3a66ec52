import type { CapabilityContext } from '../capability.js';
import type { AlertRecord } from '../storage/records.js';
import { ActiveRecords, MAX_ACTIVE_RECORDS, clampTimes } from './active-records.js';
import type { AlertNotifier } from './alert-notifier.js';
import { closedPendingRecord } from './alert-records.js';
import type { AlertState, StateTable } from './alert-state.js';
import { storedFiring } from './stored-alerts.js';

/** Times an instance writes back an acknowledgement the stored record lost, per alert episode. */
const MAX_ACK_REWRITES = 3;

/** What a pull needs to know about the rules. */
export interface RuleLookup {
  /** The rule's alert identity holds for a stored record (rule exists, is enabled, same identity). */
  owns(record: AlertRecord): boolean;
  /** The rules were read from the store at least once: records of unknown rules are stale, not unknown. */
  readonly synced: boolean;
}

/**
 * Keeps an engine's alert states in step with the store, so that instances sharing a store
 * share their alerts: the instance that evaluates a tick (see evaluation-lease.ts) may differ
 * from the last one, and a restarted one starts with nothing in memory. Before each tick the
 * stored pending and firing records of this service are read:
 *
 * - a record with no active state here becomes one (a pending alert resumes its `for` from the
 *   stored `activeAt`; a firing one keeps its id, acknowledgement and last notification, so it
 *   neither fires nor notifies again); a pending record older than `outageTolerance` is not
 *   resumed (Prometheus' `--rules.alert.for-outage-tolerance`);
 * - a state here whose record is no longer pending or firing in the store was resolved or ended
 *   by another instance, and is forgotten (unless its own save is still waiting for a retry);
 * - an acknowledgement or a notification made on another instance is copied.
 *
 * The evaluating instance (`leader`) also closes records nobody will evaluate again: those of
 * deleted, disabled or changed rules, and pending ones past the tolerance. Other instances
 * mirror the store, and write only to restore what they did by hand (a resolution, an
 * acknowledgement) when a write of the evaluating instance racing it undid it.
 */
export class StateSync {
  /** Reads the stored pending and firing records a pull merges. */
  private readonly active: ActiveRecords;

  constructor(
    private readonly ctx: CapabilityContext,
    private readonly states: StateTable,
    private readonly byId: Map<string, AlertState>,
    private readonly notifier: AlertNotifier,
    private readonly outageTolerance: number,
  ) {
    this.active = new ActiveRecords(ctx);
  }

  /**
   * One pull (see the class comment). `ok` is false when the store could not be read (nothing
   * changed); `endedElsewhere` is true when an alert active here was resolved or ended by another
   * instance (its rule may have been deleted there: the caller re-reads the rules).
   */
  async pull(rules: RuleLookup, ts: number, leader: boolean): Promise<PullResult> {
    const read = await this.active.read(ts);
    if (read === undefined) return { ok: false, endedElsewhere: false };
    const { records, complete } = read;
    const seen = new Set<string>();
    for (const r of records) {
      const key = stateKey(r.ruleId, r.groupKey!);
      if (seen.has(key)) {
        // A second active record of one alert group (instances that evaluated apart while the
        // store was down): the alert did not end, so it is closed without a message.
        if (leader && rules.synced && !this.isLocal(r)) await this.closeSilently(r, ts);
        continue;
      }
      if (!rules.owns(r) || (r.status === 'pending' && ts - r.updatedAt > this.outageTolerance)) {
        // What this instance holds itself, the evaluation ends (a disabled or changed rule drops its states).
        if (leader && rules.synced && !this.isLocal(r)) await this.close(r, ts);
        continue;
      }
      seen.add(key);
      await this.merge(r, ts, leader);
    }
    if (!complete) return { ok: true, endedElsewhere: false };
    // Whatever is active here but neither pending nor firing in the store ended elsewhere.
    let endedElsewhere = false;
    const activeIds = new Set<string>();
    for (const r of records) activeIds.add(r.id);
    // No copy of the list of states: only the state visited is deleted.
    this.states.forEach((st) => {
      const id = st.phase === 'firing' ? st.record?.id : st.phase === 'pending' ? st.episodeId : undefined;
      if (id === undefined || activeIds.has(id) || this.notifier.isUnsaved(id)) return;
      // A pending state without a stored record (its save failed long ago, or it predates this version) stays.
      if (st.phase === 'pending' && st.pendingRecord === undefined) return;
      this.states.delete(st.ruleId, st.groupKey);
      if (st.record !== undefined) this.byId.delete(st.record.id);
      endedElsewhere = true;
    });
    return { ok: true, endedElsewhere };
  }

  /**
   * Ends the stored pending and firing records of rule `ruleId` (just deleted, disabled or given
   * a new alert identity here)
   * that this instance does not hold: pending ones are closed, firing ones resolved with their
   * resolved message. The instance evaluating the rule reads the change at its next rule sync,
   * up to `syncInterval` later, and would fire a pending alert meanwhile; a record it finds ended
   * makes it read the rules at once. A store that cannot be read is passed over.
   */
  async endStored(ruleId: string, ts: number): Promise<void> {
    for (const status of ['pending', 'firing'] as const) {
      let records: unknown;
      try {
        records = await this.ctx.storage.queryAlerts({ ruleId, status, limit: MAX_ACTIVE_RECORDS });
      } catch {
        return;
      }
      if (!Array.isArray(records)) return;
      for (const r of records) if (this.active.readable(r) && (r as AlertRecord).ruleId === ruleId && !this.isLocal(r as AlertRecord)) await this.close(clampTimes(r as AlertRecord, ts), ts);
    }
  }

  /** `r` is the record of the state this instance holds for its group. */
  private isLocal(r: AlertRecord): boolean {
    const local = this.states.get(r.ruleId, r.groupKey!);
    return local !== undefined && (local.record?.id === r.id || local.episodeId === r.id);
  }

  private async merge(r: AlertRecord, ts: number, leader: boolean): Promise<void> {
    const local = this.states.get(r.ruleId, r.groupKey!);
    const localId = local === undefined ? undefined : local.phase === 'pending' ? local.episodeId : local.record?.id;
    if (local !== undefined && localId === r.id) {
      if (local.phase === 'inactive') {
        // Resolved here, firing in the store: a stale write from another instance (an
        // acknowledgement, a repeat or a retried save racing the resolution). The resolution
        // stands. Only the instance that resolved the alert holds it inactive under this id
        // (the others forget what ended elsewhere), so it writes again, evaluating or not.
        if (local.record !== undefined) {
          // An acknowledgement that raced the resolution is kept in the history.
          if (local.record.acknowledgedAt === undefined && r.acknowledgedAt !== undefined) {
            local.record.acknowledgedAt = r.acknowledgedAt;
            local.record.acknowledgedBy = r.acknowledgedBy;
          }
          await this.notifier.save(local.record);
        }
        return;
      }
      if (local.phase === 'firing' && r.status === 'firing') {
        // An acknowledgement held here that the stored record lost: a write of the evaluating
        // instance (a repeat's notifiedAt) landed just after it. Written again, so that it
        // silences repeats everywhere.
        // Bounded: a store that drops the field would be written at every tick, for good. Only
        // while the stored record is still firing: another instance may have resolved it since
        // this tick's read, and a firing copy would bring it back.
        if (this.copyShared(local, r, leader) && (local.ackRewrites ?? 0) < MAX_ACK_REWRITES) {
          local.ackRewrites = (local.ackRewrites ?? 0) + 1;
          await this.notifier.saveIfFiring(local.record!);
        }
      } else if (local.phase === 'pending' && r.status === 'firing' && !leader) this.adopt(r, local);
      else if (local.phase === 'pending' && !leader) local.value = r.value;
      return;
    }
    if (local !== undefined && local.phase !== 'inactive') {
      // Two episodes of one alert: instances that evaluated apart (the store was unreachable from
      // one of them). Every instance keeps the same one, the oldest (then the smaller id), and the
      // evaluating one closes the other without a message: the alert did not end.
      const localRecord = local.phase === 'pending' ? local.pendingRecord : local.record;
      if (localRecord === undefined || !olderEpisode(r, localRecord)) {
        if (leader) await this.closeSilently(r, ts);
        return;
      }
      if (leader) await this.closeSilently(localRecord, ts);
      const notifiedAt = Math.max(r.notifiedAt ?? -Infinity, localRecord.notifiedAt ?? -Infinity);
      this.adopt(Number.isFinite(notifiedAt) ? { ...r, notifiedAt } : r, local);
      return;
    }
    this.adopt(r, local);
  }

  /**
   * A manual alert (`triggerAlert`) this instance does not hold, stored firing by another
   * instance or before a restart, adopted so that triggering it again updates it.
   */
  async adoptFiring(fingerprint: string, ruleId: string): Promise<AlertState | undefined> {
    const stored = await storedFiring(this.ctx.storage, fingerprint);
    if (stored === undefined) return undefined;
    const now = this.ctx.clock.now();
    const r = stored.find((x) => this.active.readable(x) && (x as AlertRecord).ruleId === ruleId) as AlertRecord | undefined;
    if (r === undefined) return undefined;
    this.adopt(clampTimes(r, now), this.states.get(ruleId, r.groupKey!));
    return this.states.get(ruleId, r.groupKey!);
  }

  /** Makes `r` the state of its alert, replacing `local`. */
  private adopt(r: AlertRecord, local: AlertState | undefined): void {
    if (local?.record !== undefined) this.byId.delete(local.record.id);
    const st = this.stateOf(r);
    this.states.set(st);
    if (st.record !== undefined) this.byId.set(st.record.id, st);
  }

  /** The state a stored pending or firing record stands for (its record a copy). */
  private stateOf(r: AlertRecord): AlertState {
    const firing = r.status === 'firing';
    const record = structuredClone(r);
    return {
      ruleId: r.ruleId,
      groupKey: r.groupKey!,
      labels: { ...r.labels },
      fingerprint: r.fingerprint,
      phase: firing ? 'firing' : 'pending',
      activeAt: r.activeAt,
      firedAt: firing ? r.startsAt : undefined,
      keepFiringSince: r.recovering === true ? r.updatedAt : undefined,
      value: r.value,
      record: firing ? record : undefined,
      episodeId: r.id,
      pendingRecord: firing ? undefined : record,
      humanNotified: r.notifiedAt !== undefined,
      lastHumanAt: r.notifiedAt,
      // State channels (Alertmanager) hear about it at the evaluating instance's next tick.
      lastStateAt: firing ? -Infinity : undefined,
      // Notification ids are `<record id>:<sequence>`: another instance already used the small
      // numbers of this record, so a restored state counts on from the clock.
      sequence: this.ctx.clock.now(),
    };
  }

  /**
   * Copies what another instance may have changed on a firing record this instance also holds.
   * True when this instance holds an acknowledgement the stored record lacks (to be written back).
   */
  private copyShared(local: AlertState, r: AlertRecord, leader: boolean): boolean {
    const record = local.record!;
    const ackLost = record.acknowledgedAt !== undefined && r.acknowledgedAt === undefined;
    if (record.acknowledgedAt === undefined && r.acknowledgedAt !== undefined) {
      record.acknowledgedAt = r.acknowledgedAt;
      record.acknowledgedBy = r.acknowledgedBy;
    }
    if (r.notifiedAt !== undefined && !(r.notifiedAt <= (record.notifiedAt ?? -Infinity))) {
      record.notifiedAt = r.notifiedAt;
      local.lastHumanAt = r.notifiedAt;
      local.humanNotified = true;
    }
    if (!leader) {
      // Field by field, not Object.assign of a literal: a follower does this for every firing alert on every tick.
      record.value = r.value;
      record.message = r.message;
      record.updatedAt = r.updatedAt;
      record.recovering = r.recovering;
      // The summary the evaluating instance generated from that message (refreshRecord): without
      // it this instance lists the new message beside the summary of the value it adopted.
      // Copied as a string, never by sharing r's annotations (this record's are written in place).
      const summary = (r.annotations as Readonly<Record<string, unknown>>).summary;
      if (typeof summary === 'string' && record.annotations.summary !== summary) {
        if (Object.hasOwn(record.annotations, 'summary')) (record.annotations as Record<string, string>).summary = summary;
        else record.annotations = { ...record.annotations, summary };
      }
      local.value = r.value;
    }
    return ackLost;
  }

  /** Ends the record of a duplicate episode: resolved in the store, nothing sent (the alert did not end). */
  private async closeSilently(r: AlertRecord, ts: number): Promise<void> {
    await this.notifier.save(r.status === 'pending' ? closedPendingRecord(r, ts) : { ...r, status: 'resolved', endsAt: ts, updatedAt: ts });
  }

  /** Ends a stored record nobody evaluates any more: a pending one is closed, a firing one resolved (with its resolved message). */
  private async close(r: AlertRecord, ts: number): Promise<void> {
    if (r.status === 'pending') {
      await this.notifier.save(closedPendingRecord(r, ts));
      return;
    }
    const st: AlertState = { ...this.stateOf(r), phase: 'inactive', resolvedAt: ts };
    await this.notifier.resolved(st, ts);
  }
}

/** What {@link StateSync.pull} did. */
export interface PullResult {
  ok: boolean;
  endedElsewhere: boolean;
}

/** `a` began before `b` (then: the smaller id), so every instance keeps the same of two episodes. */
function olderEpisode(a: AlertRecord, b: AlertRecord): boolean {
  return a.activeAt < b.activeAt || (a.activeAt === b.activeAt && a.id < b.id);
}

function stateKey(ruleId: string, groupKey: string): string {
  return `${ruleId}\u0000${groupKey}`;
}
