import type { CapabilityContext } from '../capability.js';
import { StorageError } from '../core/errors.js';
import type { NotificationReason } from '../notifiers/contract.js';
import type { NotificationDispatcher } from '../notifiers/dispatcher.js';
import type { AlertRecord } from '../storage/records.js';
import { notificationOf } from './alert-records.js';
import type { AlertState } from './alert-state.js';
import { recordById, storedAlerts, storedFiring } from './stored-alerts.js';
import type { ResolvedAlertEngineOptions } from './options.js';

/** Alert records kept for a retry while the store fails. */
const MAX_UNSAVED = 10_000;

/**
 * What the engine sends, and when: Alertmanager's rules for human channels (first
 * notification, repeats after the cooldown unless acknowledged, exactly one resolved message)
 * and its client contract for state channels (re-posting firing and recently resolved alerts).
 */
export class AlertNotifier {
  /**
   * Records whose last save failed (the store was down), latest version per id, written again
   * before the next evaluation: a lost "resolved" update would leave the alert firing in the
   * store for good. Bounded: past the bound the oldest are given up and reported.
   */
  private readonly unsaved = new Map<string, AlertRecord>();

  constructor(
    private readonly ctx: CapabilityContext,
    private readonly dispatcher: NotificationDispatcher,
    private readonly options: ResolvedAlertEngineOptions,
  ) {}

  /** A state just fired: store it, emit `alertTriggered`, notify human and state channels. */
  async fired(st: AlertState, ts: number, cooldown: number, reason: NotificationReason): Promise<void> {
    const record = st.record!;
    // The cooldown lease is taken before the save, so that the stored record says whether
    // anyone was notified: whichever instance resolves the alert sends the resolved message.
    const channels = await this.claimHuman(st, ts, cooldown);
    await this.save(record);
    this.ctx.emit('alertTriggered', structuredClone(record));
    if (channels !== undefined) this.dispatch(st, channels, reason, ts);
    this.notifyState(st, ts, reason);
  }

  /** A firing state just resolved: store it, emit `alertResolved`, send the one resolved message. */
  async resolved(st: AlertState, ts: number): Promise<void> {
    const record = st.record!;
    record.status = 'resolved';
    record.endsAt = ts;
    record.recovering = undefined;
    record.updatedAt = ts;
    await this.save(record);
    this.ctx.emit('alertResolved', structuredClone(record));
    // Exactly one resolved message, and only where the firing one went (Alertmanager sends nothing for a group that only resolved).
    if (st.humanNotified) {
      st.humanNotified = false;
      if (await this.claimResolved(record)) this.dispatch(st, this.humanChannels(record), 'alert resolved', ts);
    }
    this.notifyState(st, ts, 'alert resolved');
  }

  /**
   * A repeat may be due ({@link AlertNotifier.maybeRepeat} decides): not acknowledged, the
   * cooldown passed and a human channel takes the alert. Allocates nothing: it runs for every
   * firing alert on every tick.
   */
  repeatDue(st: AlertState, ts: number, cooldown: number): boolean {
    const record = st.record!;
    if (record.acknowledgedAt !== undefined) return false;
    if (st.lastHumanAt !== undefined && ts - st.lastHumanAt < cooldown) return false;
    for (const n of this.dispatcher.notifiers) if (n.delivery !== 'state' && (record.channels.length === 0 || record.channels.includes(n.name))) return true;
    return false;
  }

  /**
   * Sends a repeat once the cooldown passed, unless acknowledged. The stored record is read
   * first: an acknowledgement made on another instance since this one last read the store
   * silences the repeat.
   */
  async maybeRepeat(st: AlertState, ts: number, cooldown: number): Promise<void> {
    const record = st.record!;
    // One statement of when a repeat may be due: the evaluator's synchronous check is this one.
    if (!this.repeatDue(st, ts, cooldown)) return;
    if (!(await this.readAcknowledgement(record))) return;
    if (record.acknowledgedAt !== undefined) return;
    const reason = st.humanNotified ? 'repeat interval elapsed' : 'first notification';
    const channels = await this.claimHuman(st, ts, cooldown);
    if (channels === undefined) return;
    await this.save(record);
    this.dispatch(st, channels, reason, ts);
  }

  /**
   * Copies an acknowledgement from the stored version of `record`; a failing store is passed
   * over. With shared evaluation, false when the store answered without `record` among the firing
   * ones and this instance has no save of it waiting: another instance resolved it since this one read the store (by
   * hand), and a repeat would follow its resolved message and make it firing again.
   */
  private async readAcknowledgement(record: AlertRecord): Promise<boolean> {
    const stored = await storedFiring(this.ctx.storage, record.fingerprint);
    if (stored === undefined) return true;
    const same = recordById(stored, record.id);
    // Instances evaluating apart each keep their own records (more than the 10 read, perhaps): only shared ones are judged.
    if (same === undefined) return !this.options.sharedEvaluation || this.unsaved.has(record.id);
    copyAcknowledgement(record, same);
    return true;
  }

  /**
   * Takes the cooldown lease for a firing notification to human channels: the lease lives in the
   * store, so instances sharing it send one notification per cooldown between them. Returns the
   * channels to send to (and marks the record notified), or undefined when there are none or
   * another instance, or an earlier episode, holds the cooldown.
   */
  private async claimHuman(st: AlertState, ts: number, cooldown: number): Promise<string[] | undefined> {
    const channels = this.humanChannels(st.record!);
    if (channels.length === 0) return undefined;
    st.lastHumanAt = ts;
    let acquired: boolean;
    try {
      acquired = await this.ctx.storage.tryAcquire(`pulsewatch:${this.ctx.service}:notify:${st.ruleId}:${st.fingerprint}`, cooldownLease(cooldown, this.options.evaluationInterval, this.options.sharedEvaluation));
    } catch (cause) {
      // Without the store, sending twice beats not sending at all.
      this.ctx.report(new StorageError(`acquiring the notification lease on "${this.ctx.storage.name}" storage failed; sending anyway`, { cause }));
      acquired = true;
    }
    if (!acquired) {
      // Evaluating apart, the lease is the whole cooldown (see cooldownLease): another instance
      // holds it, or this one took it late in its tick. Try again at the next tick, not a whole
      // cooldown later.
      if (!this.options.sharedEvaluation) st.lastHumanAt = Math.min(ts, ts - cooldown + this.options.evaluationInterval);
      // Shared evaluation: an earlier episode's cooldown holds the lease (or a store clock runs
      // behind); whoever notified this episode before, the resolving instance sends the resolved
      // message. Every instance evaluating on its own: another instance sent the latest firing
      // notification and sends the resolved one, so this instance stands down.
      st.humanNotified = this.options.sharedEvaluation && st.record!.notifiedAt !== undefined;
      return undefined;
    }
    st.humanNotified = true;
    st.record!.notifiedAt = ts;
    return channels;
  }

  /**
   * Takes the lease of record `record.id`'s resolved message: one per episode across instances.
   * Two instances may each resolve one alert: one by hand while the evaluating one's write (a
   * repeat's `notifiedAt`) lands just after and makes it firing again, so the evaluating one
   * resolves it once more when the condition ends. Only the first sends. Without the store,
   * sending beats not sending.
   */
  private async claimResolved(record: AlertRecord): Promise<boolean> {
    try {
      const ttl = Math.max(this.options.resolvedRetention, this.options.outageTolerance);
      return (await this.ctx.storage.tryAcquire(`pulsewatch:${this.ctx.service}:resolved:${record.id}`, ttl)) === true;
    } catch (cause) {
      this.ctx.report(new StorageError(`acquiring the resolved-message lease on "${this.ctx.storage.name}" storage failed; sending anyway`, { cause }));
      return true;
    }
  }

  /** Posts the alert's state to state channels (Alertmanager) and remembers when. */
  notifyState(st: AlertState, ts: number, reason: NotificationReason): void {
    const channels = this.stateChannels(st.record!);
    if (channels.length === 0) return;
    st.lastStateAt = ts;
    this.dispatch(st, channels, reason, ts);
  }

  private dispatch(st: AlertState, channels: readonly string[], reason: NotificationReason, ts: number): void {
    const record = st.record!;
    const validUntil = record.status === 'firing' ? ts + 4 * Math.max(this.options.evaluationInterval, this.options.resendDelay) : undefined;
    const generatorURL = this.options.externalURL === undefined ? undefined : `${this.options.externalURL.replace(/\/$/, '')}/alerts/${encodeURIComponent(record.ruleId)}`;
    this.dispatcher.dispatch(notificationOf(st, record, reason, ts, { validUntil, generatorURL }), channels);
  }

  private humanChannels(record: AlertRecord): string[] {
    return this.channelsFor(record, false);
  }

  private stateChannels(record: AlertRecord): string[] {
    return this.channelsFor(record, true);
  }

  private channelsFor(record: AlertRecord, state: boolean): string[] {
    return this.dispatcher.notifiers
      .filter((n) => (n.delivery === 'state') === state && (record.channels.length === 0 || record.channels.includes(n.name)))
      .map((n) => n.name);
  }

  /** Stores a copy of the record; a failing store is reported, never thrown, and the record saved again later. */
  async save(record: AlertRecord): Promise<void> {
    const copy = structuredClone(record);
    // A newer version supersedes one still waiting for its retry.
    this.unsaved.delete(record.id);
    try {
      await this.ctx.storage.saveAlert(copy);
    } catch (cause) {
      this.keepUnsaved(copy);
      this.ctx.report(new StorageError(`saving alert "${record.id}" to "${this.ctx.storage.name}" storage failed; saved again at the next evaluation`, { cause }));
    }
  }

  /**
   * Saves a firing record only while the store still holds it firing (or cannot say): between
   * this instance's read and its write another instance may have resolved it.
   */
  async saveIfFiring(record: AlertRecord): Promise<void> {
    const stored = await storedFiring(this.ctx.storage, record.fingerprint);
    if (stored !== undefined && recordById(stored, record.id) === undefined) return;
    await this.save(record);
  }

  /** True while the latest version of record `id` waits for {@link AlertNotifier.retryUnsaved}. */
  isUnsaved(id: string): boolean {
    return this.unsaved.has(id);
  }

  /** True while records whose save failed wait for {@link AlertNotifier.retryUnsaved}. */
  get hasUnsaved(): boolean {
    return this.unsaved.size > 0;
  }

  /**
   * Writes the records whose save failed, oldest first; stops at the first failure (the store is
   * still down). Another instance may have acknowledged a firing alert while its copy waited
   * here: the acknowledgement is read from the store first and kept, or the older copy would
   * erase it and repeats would start again. A copy the stored record is past (an episode goes
   * pending, firing, resolved, never back) is dropped, not written.
   */
  async retryUnsaved(): Promise<void> {
    for (const [id, record] of [...this.unsaved]) {
      if (record.status !== 'resolved') {
        const stored = await storedAlerts(this.ctx.storage, record.fingerprint);
        const same = stored === undefined ? undefined : recordById(stored, id);
        if (same !== undefined && stageOf(same.status) > stageOf(record.status)) {
          // Another instance moved this episode on while the copy waited (resolved it by hand,
          // or fired it as the evaluating instance): writing the copy would undo that, and an
          // alert resolved elsewhere would fire again, to be resolved (and announced) twice.
          if (this.unsaved.get(id) === record) this.unsaved.delete(id);
          continue;
        }
        if (record.status === 'firing' && record.acknowledgedAt === undefined) copyAcknowledgement(record, same);
      }
      try {
        await this.ctx.storage.saveAlert(record);
      } catch {
        return;
      }
      // Unless a newer version arrived (and took its place) meanwhile.
      if (this.unsaved.get(id) === record) this.unsaved.delete(id);
    }
  }

  private keepUnsaved(record: AlertRecord): void {
    this.unsaved.set(record.id, record);
    if (this.unsaved.size <= MAX_UNSAVED) return;
    const oldest = this.unsaved.keys().next().value as string;
    this.unsaved.delete(oldest);
    this.ctx.drop('buffer_full', 1);
    this.ctx.report(new StorageError(`alert "${oldest}" could not be saved and more than ${MAX_UNSAVED} records wait for the store: given up`));
  }
}

/** How far along its episode a record status is: a record id only goes forward (unknown: -1). */
function stageOf(status: unknown): number {
  return status === 'pending' ? 0 : status === 'firing' ? 1 : status === 'resolved' ? 2 : -1;
}

/** Copies the acknowledgement of `same` (the stored version of `record`), if it holds a valid one. */
function copyAcknowledgement(record: AlertRecord, same: Partial<Record<string, unknown>> | undefined): void {
  if (typeof same?.acknowledgedAt === 'number' && Number.isFinite(same.acknowledgedAt)) {
    record.acknowledgedAt = same.acknowledgedAt;
    record.acknowledgedBy = typeof same.acknowledgedBy === 'string' ? same.acknowledgedBy : 'unknown';
  }
}

/**
 * How long the cooldown lease of a notification is held. The lease is taken some way into a tick
 * (after the store reads, past timer jitter), while the repeat is judged on tick times: a lease of
 * the whole cooldown taken 200 ms into its tick was still held when the repeat came due a
 * cooldown later, and the repeat waited a whole cooldown more. With shared evaluation (one
 * instance evaluates) it is held for the cooldown less one evaluation interval (at most half of
 * it). Instances evaluating apart hold it for the whole cooldown, or they would notify an
 * interval apart: a repeat whose claim fails is tried again at the next tick instead (see
 * `claimHuman`).
 */
function cooldownLease(cooldown: number, evaluationInterval: number, shared: boolean): number {
  return shared ? cooldown - Math.min(evaluationInterval, cooldown / 2) : cooldown;
}
