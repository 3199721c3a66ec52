import type { Clock, TimerHandle } from './clock.js';
import { RollingWindow } from './rolling-window.js';

/** A circuit breaker's state, as opossum names them (half-open written in camelCase). */
export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** Payload of `breakerStateChanged`. */
export interface BreakerStateChangedEvent {
  /** The breaker's name. */
  name: string;
  from: BreakerState;
  to: BreakerState;
  /** When it changed (ms since the epoch). */
  at: number;
}

/** When a breaker opens and how long it stays open. Durations in ms. */
export interface BreakerRules {
  /** Consecutive failures that open the breaker; `false` for none. */
  readonly failureThreshold: number | false;
  /** Opens when more than this percentage of the window's calls failed (opossum's rule); off when undefined. */
  readonly errorThresholdPercentage?: number | undefined;
  /** Calls the window must hold before the percentage applies. */
  readonly volumeThreshold?: number | undefined;
  /** Length of the rolling window of the percentage rule. */
  readonly rollingCountTimeout?: number | undefined;
  /** Buckets of the rolling window. */
  readonly rollingCountBuckets?: number | undefined;
  /** Time open before one trial call is let through. */
  readonly resetTimeout: number;
}

/** What {@link BreakerMachine.admit} decided for a call: run it (closed), run it as the half-open trial, or refuse it. */
export type Admission = 0 | 1 | 2;
/** The call runs: the breaker is closed. */
export const ADMIT_CLOSED = 0;
/** The call runs as the single half-open trial: its outcome closes or reopens the breaker. */
export const ADMIT_TRIAL = 1;
/** The call is refused: the breaker is open, or half-open with its trial already running. */
export const ADMIT_REJECT = 2;

/**
 * The state machine of a circuit breaker, with every timer on `clock`: closed, open after
 * `failureThreshold` consecutive failures or opossum's percentage rule, half-open when
 * `resetTimeout` has passed (so `ManualClock.advance()` moves it), then closed by a successful
 * trial or open again by a failed one. It runs nothing itself: callers ask {@link admit} before
 * a call and report how it ended. Both `monitor.circuitBreaker()` and each notification
 * channel's breaker are this machine, so the rules exist once.
 *
 * Only the trial decides a half-open breaker: a call admitted while closed that answers after
 * the breaker opened changes no state (opossum lets such a straggler close or reopen it).
 */
export class BreakerMachine {
  /** The rolling window of the percentage rule; undefined when the rule is off. */
  readonly window: RollingWindow | undefined;
  private current: BreakerState = 'closed';
  private streak = 0;
  /** Whether the half-open trial has been admitted. */
  private trialTaken = false;
  private timer: TimerHandle | undefined;
  private disposed = false;

  constructor(
    private readonly clock: Clock,
    private readonly rules: BreakerRules,
    /** Called after every change of state (never for a repeated state). Must not throw. */
    private readonly onChange: (from: BreakerState, to: BreakerState) => void,
  ) {
    this.window =
      rules.errorThresholdPercentage === undefined ? undefined : new RollingWindow(rules.rollingCountTimeout ?? 10_000, rules.rollingCountBuckets ?? 10);
  }

  /** The current state. */
  get state(): BreakerState {
    return this.current;
  }

  /** Failures (and timeouts) since the last success or close. */
  get consecutiveFailures(): number {
    return this.streak;
  }

  /**
   * Decides whether a call made at `now` (the clock's monotonic time) may run, and counts it in
   * the window (refused calls too, as opossum's `fires` does).
   */
  admit(now: number): Admission {
    if (this.window !== undefined) this.window.fire(now);
    const state = this.current;
    if (state === 'closed') return ADMIT_CLOSED;
    if (state === 'halfOpen' && !this.trialTaken) {
      this.trialTaken = true;
      return ADMIT_TRIAL;
    }
    return ADMIT_REJECT;
  }

  /** A call ended well (or with an error that does not count). `trial`: it was admitted as the trial. */
  success(trial: boolean): void {
    this.streak = 0;
    if (trial && this.current === 'halfOpen') this.move('closed');
  }

  /** A call failed or timed out at `now`. Opens the breaker when a rule says so. */
  failure(trial: boolean, now: number): void {
    this.streak++;
    const window = this.window;
    if (window !== undefined) window.fail(now);
    const state = this.current;
    if (trial) {
      if (state === 'halfOpen') this.open();
      return;
    }
    if (state !== 'closed') return;
    const { failureThreshold, errorThresholdPercentage } = this.rules;
    if (failureThreshold !== false && this.streak >= failureThreshold) {
      this.open();
      return;
    }
    if (window === undefined || errorThresholdPercentage === undefined) return;
    // opossum's rule (lib/circuit.js fail()): enough volume, and strictly more than the percentage.
    const calls = window.calls(now);
    if (calls >= (this.rules.volumeThreshold ?? 0) && (window.failed(now) / calls) * 100 > errorThresholdPercentage) this.open();
  }

  /** Stops the reset timer; the state stays as it is and no timer is armed again. */
  dispose(): void {
    this.disposed = true;
    this.disarm();
  }

  private open(): void {
    this.disarm();
    this.move('open');
    if (this.disposed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.trialTaken = false;
      this.move('halfOpen');
    }, this.rules.resetTimeout);
  }

  private disarm(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private move(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    if (to === 'closed') this.streak = 0;
    this.onChange(from, to);
  }
}
