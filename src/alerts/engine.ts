import type { CapabilityContext } from '../capability.js';
import type { NotificationDispatcher } from '../notifiers/dispatcher.js';
import type { ResolvedAlertEngineOptions } from './options.js';

/** SKELETON: the rule engine behind `monitor.alerts`. */
export class AlertEngine {
  constructor(
    private readonly ctx: CapabilityContext,
    private readonly dispatcher: NotificationDispatcher,
    private readonly options: ResolvedAlertEngineOptions,
  ) {
    void this.ctx;
    void this.dispatcher;
    void this.options;
  }

  /** Stops the evaluation timer. */
  stop(): void {}
}
