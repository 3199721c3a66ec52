/**
 * What every instrumentation shares: one instrumentation per target and monitor, a bounded set
 * of label values, and reporting its own failures to the monitor instead of the host.
 * No `node:` imports: usable on edge runtimes.
 */
import { z } from 'zod';
import { PulsewatchError } from '../../core/errors.js';
import type { Monitor } from '../../monitor.js';

/** Removes an instrumentation: the target behaves as before and nothing more is recorded. Safe to call twice. */
export type Uninstrument = () => void;

/** A label value naming the instrumented object (the `name` option): short, with no spaces or quotes. */
export const targetName = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits, "_", ".", ":" or "-"');

/** The label value of everything past a {@link LabelBudget}'s limit, and of values that are not valid. */
export const OTHER_LABEL = 'other';

/**
 * Label values seen so far, at most `max` distinct ones: past the limit every new value is
 * {@link OTHER_LABEL}, so a flood of hosts or command names costs one series, not one each,
 * before the monitor's own series limit is even reached.
 */
export class LabelBudget {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  /** `value` if it was seen before or there is room for it, else {@link OTHER_LABEL}. */
  admit(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return OTHER_LABEL;
    this.seen.add(value);
    return value;
  }

  /** Distinct values admitted. */
  get size(): number {
    return this.seen.size;
  }
}

/**
 * The live instrumentations of one kind, by target and monitor: instrumenting a target twice
 * for one monitor hands back the first one's remover instead of counting every call twice.
 * Weak on both sides, so neither a pool nor a monitor is kept alive by being instrumented.
 */
export class Registrations {
  private readonly byTarget = new WeakMap<object, WeakMap<object, Uninstrument>>();

  /** The remover of `target`'s instrumentation for `monitor`, if there is one. */
  get(target: object, monitor: object): Uninstrument | undefined {
    return this.byTarget.get(target)?.get(monitor);
  }

  /**
   * Records `remove` as the instrumentation of `target` for `monitor`, and runs it when the
   * monitor closes; returns the remover to hand out (it also forgets the registration).
   */
  add(target: object, monitor: Monitor, remove: () => void): Uninstrument {
    let monitors = this.byTarget.get(target);
    if (monitors === undefined) {
      monitors = new WeakMap();
      this.byTarget.set(target, monitors);
    }
    let done = false;
    let unhook: (() => void) | undefined;
    const uninstrument: Uninstrument = () => {
      if (done) return;
      done = true;
      unhook?.();
      if (monitors.get(monitor) === uninstrument) monitors.delete(monitor);
      remove();
    };
    monitors.set(monitor, uninstrument);
    // A closed monitor records nothing more: its instrumentation leaves the target as it found it.
    unhook = monitor.onClose(uninstrument);
    return uninstrument;
  }
}

/** Reports a failure of an instrumentation's own work on the monitor's `error` event; never throws. */
export function reportFailure(monitor: Monitor, what: string, cause: unknown): void {
  try {
    monitor.reportError(new PulsewatchError('ERR_PULSEWATCH_INTERNAL', `${what}: recording failed; the call itself was not affected`, { cause }));
  } catch {
    // Reporting is the last resort: nothing is left to tell.
  }
}
