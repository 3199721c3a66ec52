import type { CapabilityContext } from '../capability.js';
import { StorageError } from '../core/errors.js';
import type { NotificationReason } from '../notifiers/contract.js';
import type { NotificationDispatcher } from '../notifiers/dispatcher.js';
import type { AlertRecord } from '../storage/records.js';
import { notificationOf } from './alert-records.js';
import type { AlertState } from './alert-state.js';
import type { ResolvedAlertEngineOptions } from './options.js';

/**
 * What the engine sends, and when: Alertmanager's rules for human channels (first
 * notification, repeats after the cooldown unless acknowledged, exactly one resolved message)
 * and its client contract for state channels (re-posting firing and recently resolved alerts).
 */
export class AlertNotifier {
  constructor(
    private readonly ctx: CapabilityContext,
    private readonly dispatcher: NotificationDispatcher,
    private readonly options: ResolvedAlertEngineOptions,
  ) {}

  /** A state just fired: store it, emit `alertTriggered`, notify human and state channels. */
  async fired(st: AlertState, ts: number, cooldown: number, reason: NotificationReason): Promise<void> {
    const record = st.record!;
    await this.save(record);
    this.ctx.emit('alertTriggered', structuredClone(record));
    await this.notifyHuman(st, ts, cooldown, reason);
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
      this.dispatch(st, this.humanChannels(record), 'alert resolved', ts);
    }
    this.notifyState(st, ts, 'alert resolved');
  }

  /** Sends a repeat once the cooldown passed, unless acknowledged. */
  async maybeRepeat(st: AlertState, ts: number, cooldown: number): Promise<void> {
    const record = st.record!;
    if (record.acknowledgedAt !== undefined) return;
    if (st.lastHumanAt !== undefined && ts - st.lastHumanAt < cooldown) return;
    await this.notifyHuman(st, ts, cooldown, st.humanNotified ? 'repeat interval elapsed' : 'first notification');
  }

  /**
   * Sends to human channels when the cooldown lease is free: the lease lives in the store, so
   * instances sharing it send one notification per cooldown between them.
   */
  private async notifyHuman(st: AlertState, ts: number, cooldown: number, reason: NotificationReason): Promise<void> {
    const channels = this.humanChannels(st.record!);
    if (channels.length === 0) return;
    st.lastHumanAt = ts;
    let acquired: boolean;
    try {
      acquired = await this.ctx.storage.tryAcquire(`pulsewatch:${this.ctx.service}:notify:${st.ruleId}:${st.fingerprint}`, cooldown);
    } catch (cause) {
      // Without the store, sending twice beats not sending at all.
      this.ctx.report(new StorageError(`acquiring the notification lease on "${this.ctx.storage.name}" storage failed; sending anyway`, { cause }));
      acquired = true;
    }
    if (!acquired) {
      // Another instance (or an earlier episode) holds the cooldown: whoever sent the latest
      // firing notification sends the resolved one, so this instance stands down.
      st.humanNotified = false;
      return;
    }
    st.humanNotified = true;
    this.dispatch(st, channels, reason, ts);
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

  /** Stores a copy of the record; a failing store is reported, never thrown. */
  async save(record: AlertRecord): Promise<void> {
    try {
      await this.ctx.storage.saveAlert(structuredClone(record));
    } catch (cause) {
      this.ctx.report(new StorageError(`saving alert "${record.id}" to "${this.ctx.storage.name}" storage failed`, { cause }));
    }
  }
}
