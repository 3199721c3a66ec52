/**
 * Instance ids and the `instance` a monitor stamps on its rollups. Stores keep one rollup per
 * (series, slot start, instance), so a monitor must never write two different rollups under one
 * such key: the second would replace the first. Three cases would, and get a suffix unique to
 * this run of the monitor (`<id>#<run>...`): a slot closed the instant it opened (a `flush()` at
 * the instant a slot began gives a zero-length slot that shares its start with the next one), a
 * value recorded late with an old timestamp (its own one-value rollup of an old slot), and, for
 * an id given in the options, the first slot after start (it began before this process did, so a
 * predecessor with the same id may have written that slot before it stopped). Edge-safe: no
 * `node:` imports.
 */

/** Longest instance id accepted (as a metric name). */
export const MAX_INSTANCE_ID_LENGTH = 200;

/**
 * A default instance id, unique per process: the host name when the runtime exposes one in its
 * environment (`HOSTNAME`, `COMPUTERNAME`), the process id when there is one, and 8 random hex
 * digits (two processes on one host with one pid, e.g. containers, still differ).
 */
export function defaultInstanceId(): string {
  const proc = (globalThis as { process?: { pid?: unknown; env?: Record<string, string | undefined> } }).process;
  const parts: string[] = [];
  let host: string | undefined;
  try {
    // Some runtimes expose `process` but throw on reading the environment.
    host = proc?.env?.HOSTNAME ?? proc?.env?.COMPUTERNAME;
  } catch {
    host = undefined;
  }
  if (typeof host === 'string' && host !== '') parts.push(host.replace(/[^\w.:-]/g, '_').slice(0, 100));
  if (typeof proc?.pid === 'number') parts.push(String(proc.pid));
  parts.push(randomHex());
  return parts.join('-');
}

/** 8 random hex digits: Web Crypto where the runtime has it, else Math.random (ids need no secrecy). */
function randomHex(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID().slice(0, 8);
  return Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
}

/** What a monitor stamps on its rollups (see the file comment). */
export class RollupStamps {
  /** Unique to this run of the monitor: what its suffixed stamps share. */
  private readonly prefix: string;
  private zeroLength = 0;
  private lateCount = 0;

  /**
   * @param instanceId The monitor's id.
   * @param sharedStart The start of a slot a predecessor with the same id may have written
   * (the first slot, when the id was configured and the monitor started mid-slot), if any.
   */
  constructor(
    readonly instanceId: string,
    private readonly sharedStart: number | undefined,
    /** Start of the first slot this run recorded into: a plain-id rollup before it is a predecessor's. */
    private readonly firstStart = -Infinity,
  ) {
    this.prefix = `${instanceId}#${randomHex()}`;
  }

  /**
   * The instance of the rollups of the slot [start, end) closed now. Only a zero-length slot
   * shares its start with another (the next slot starts where it ended): it gets its own stamp.
   */
  slot(start: number, end: number): string {
    if (end === start) return `${this.prefix}.${++this.zeroLength}`;
    return start === this.sharedStart ? this.prefix : this.instanceId;
  }

  /** The instance of one late record's rollup: unique, so it never replaces the slot's own. */
  late(): string {
    return `${this.prefix}.late${++this.lateCount}`;
  }

  /**
   * True when `instance` of the slot starting at `start` is a stamp {@link slot} gave: the
   * rollup of a slot this monitor closed (still in its memory while the slot is in the ring).
   * Late rollups are not: memory never held them. Nor is the plain id on a slot before this run
   * or on the slot it started in: with a configured id, that is a predecessor's rollup.
   */
  ownsSlot(instance: string | undefined, start: number): boolean {
    if (instance === this.prefix) return true;
    if (instance === this.instanceId) return start >= this.firstStart && start !== this.sharedStart;
    return instance !== undefined && instance.startsWith(`${this.prefix}.`) && !instance.startsWith(`${this.prefix}.late`);
  }
}

/**
 * The stamps of a monitor that started at `startedAt` with slots of `slotLength` ms; `configured`
 * is the `instanceId` option (a default id is generated when absent).
 */
export function createRollupStamps(configured: string | undefined, startedAt: number, slotLength: number): RollupStamps {
  const firstStart = Math.floor(startedAt / slotLength) * slotLength;
  // A generated id is new with this process: nobody wrote under it before.
  const shared = configured !== undefined && firstStart < startedAt ? firstStart : undefined;
  return new RollupStamps(configured ?? defaultInstanceId(), shared, firstStart);
}

/** The run suffix {@link RollupStamps} adds: `#<8 hex>`, then `.<n>` or `.late<n>` where a slot is written twice. */
const RUN_SUFFIX = /#[0-9a-f]{8}(?:\.(?:late)?\d+)?$/;

/**
 * The instance that wrote a rollup: its `instance` without the run suffix, so the suffixed stamps
 * of one monitor name one writer. `''` for rollups stored without an instance.
 */
export function writerOf(instance: string | undefined): string {
  if (instance === undefined) return '';
  return instance.replace(RUN_SUFFIX, '');
}
