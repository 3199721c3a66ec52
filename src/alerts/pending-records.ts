import type { AlertNotifier } from './alert-notifier.js';
import { closedPendingRecord, pendingRecord, type RuleIdentity } from './alert-records.js';
import type { AlertState } from './alert-state.js';

/**
 * The stored side of pending alerts (Prometheus' `ALERTS_FOR_STATE`): a record with status
 * `pending` from the moment a condition holds, so that whichever instance evaluates next, or
 * this one after a restart, resumes the `for` from `activeAt` instead of starting it again.
 * The record is written when the episode starts, again every `heartbeat` while it stays pending
 * (so its `updatedAt` says the fleet still saw it, for `outageTolerance`), and closed when the
 * episode ends: replaced by the firing record (same id) or marked resolved and `neverFired`.
 */
export class PendingRecords {
  constructor(
    private readonly notifier: AlertNotifier,
    private readonly service: string,
    private readonly heartbeatMs: number,
    /** Without shared evaluation nothing reads pending records back: none are written. */
    private readonly enabled = true,
  ) {}

  /** Stores the pending record of a new pending episode. */
  async save(rule: RuleIdentity, st: AlertState, message: string, threshold: number | null, ts: number): Promise<void> {
    st.episodeId ??= crypto.randomUUID();
    if (!this.enabled) return;
    st.pendingRecord = pendingRecord(st.episodeId, rule, st, message, threshold, this.service, ts);
    await this.notifier.save(st.pendingRecord);
  }

  /** A still-pending record is due to be written again ({@link PendingRecords.heartbeat} writes it). */
  heartbeatDue(st: AlertState, ts: number): boolean {
    const record = st.pendingRecord;
    return record !== undefined && ts - record.updatedAt >= this.heartbeatMs;
  }

  /** Writes a still-pending record again once `heartbeat` passed since it was last written. */
  async heartbeat(st: AlertState, ts: number): Promise<void> {
    const record = st.pendingRecord;
    if (record === undefined || !this.heartbeatDue(st, ts)) return;
    record.updatedAt = ts;
    record.value = st.value;
    await this.notifier.save(record);
  }

  /** Closes the pending record of an episode that ended without firing. */
  async close(st: AlertState, ts: number): Promise<void> {
    const record = st.pendingRecord;
    if (record === undefined) return;
    st.pendingRecord = undefined;
    await this.notifier.save(closedPendingRecord(record, ts));
  }
}
