import { ValidationError } from '../core/errors.js';
import type { TimelineId, TimelineParts } from './timeline-types.js';
import { describe, quote, timeOf } from './mark-values.js';

/**
 * Why `Timeline.mark` refuses a mark, in the words of the {@link ValidationError} it reports
 * (naming the field): apart from the timeline's own file, since none of it runs on a kept mark.
 * Each refusal reports through `parts.invalid` (which throws in strict mode) and returns false, what
 * `mark` returns for it.
 */
export class MarkRefusals {
  constructor(
    private readonly name: string,
    private readonly phases: readonly string[],
    private readonly ttl: number,
    private readonly maxIdLength: number,
    private readonly maxClockSkew: number,
    private readonly parts: Pick<TimelineParts, 'invalid'>,
  ) {}

  /**
   * The key of an id that is not a non-empty string within `maxIdLength` (mark's own test): a
   * finite number's text; else undefined, refused.
   */
  keyOf(id: TimelineId): string | undefined {
    if (typeof id === 'string') {
      if (id.length === 0) return void this.refuse('id', 'must not be empty');
      if (id.length > this.maxIdLength) return void this.refuse('id', `must be at most ${this.maxIdLength} characters, got ${id.length}`);
      return id;
    }
    if (typeof id === 'number' && Number.isFinite(id)) return String(id);
    return void this.refuse('id', `must be a string or a finite number, got ${describe(id)}`);
  }

  unknownPhase(phase: unknown): false {
    return this.refuse('phase', `unknown phase ${quote(phase)}; the phases of "${this.name}" are ${this.phases.join(', ')}`);
  }

  noTime(at: unknown): false {
    return this.refuse('at', `must be a time in ms since the epoch or a Date, got ${describe(at)}`);
  }

  /** `at` is more than `maxClockSkew` past `seen`, the clock read last. */
  future(at: number | Date, seen: number): false {
    const t = typeof at === 'number' ? at : timeOf(at);
    return this.refuse('at', `is ${t - seen} ms in the future (more than maxClockSkew, ${this.maxClockSkew} ms)`);
  }

  /** `at` is older than the TTL, against the clock read last. */
  old(): false {
    return this.refuse('at', `is older than the timeline's ttl (${this.ttl} ms)`);
  }

  finished(key: string): false {
    return this.refuse('id', `${quote(key)} already finished (its last phase was marked, or its TTL ran out); a mark after that is not a new entry`);
  }

  expired(key: string): false {
    return this.refuse('id', `${quote(key)}: its TTL (${this.ttl} ms) ran out before this mark; the entry counts as partial`);
  }

  twice(phase: string, key: string): false {
    return this.refuse('phase', `phase "${phase}" of id ${quote(key)} is already marked`);
  }

  /** Phase `phase` is marked `gap` ms before phase `j`, which comes first. */
  before(phase: string, key: string, gap: number, j: number): false {
    return this.refuse('at', `phase "${phase}" of id ${quote(key)} is marked ${gap} ms before phase "${this.phases[j]}", which comes first`);
  }

  /** Phase `phase` is marked `gap` ms after phase `j`, which comes later. */
  after(phase: string, key: string, gap: number, j: number): false {
    return this.refuse('at', `phase "${phase}" of id ${quote(key)} is marked ${gap} ms after phase "${this.phases[j]}", which comes later`);
  }

  private refuse(path: 'id' | 'phase' | 'at', message: string): false {
    this.parts.invalid(new ValidationError(`timeline "${this.name}": mark: ${path}: ${message}`, [{ path, message }]));
    return false;
  }
}
