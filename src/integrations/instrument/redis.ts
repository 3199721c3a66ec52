import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import type { Monitor } from '../../monitor.js';
import { OperationMetrics, type OperationFamily } from './operation-metrics.js';
import { LabelBudget, OTHER_LABEL, Registrations, targetName, type Uninstrument } from './shared.js';

/** Names of the metrics {@link instrumentRedis} records (seed 001's `redis_operations_total` and `redis_operation_duration_seconds`). */
export const REDIS_METRICS = Object.freeze({
  operations: 'redis_operations_total',
  duration: 'redis_operation_duration_seconds',
  errors: 'redis_operation_errors_total',
});

/** Bucket bounds of `redis_operation_duration_seconds` by default: from 0.1 ms, as Redis answers most commands in well under 1 ms. */
export const REDIS_BUCKETS = Object.freeze([0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]);

/** Options of {@link instrumentRedis}. */
export const instrumentRedisOptionsSchema = z
  .object({
    /** The `client` label, to tell clients apart (a cache and a queue connection): default `'default'`. */
    name: targetName.default('default'),
    /** Bucket bounds of `redis_operation_duration_seconds` (default {@link REDIS_BUCKETS}); one set per monitor. */
    buckets: z.array(z.number().positive().finite()).min(1).optional(),
    /** Distinct command labels kept (default 100); later ones are `other`. Redis has about 240 commands; apps use a few dozen. */
    maxCommands: z.number().int().positive().max(1_000).default(100),
  })
  .strict();

/** Options accepted by {@link instrumentRedis}. */
export type InstrumentRedisOptions = z.input<typeof instrumentRedisOptionsSchema>;

/** An ioredis `Redis` or `Cluster`, as {@link instrumentRedis} uses it: every command goes through `sendCommand`. */
export interface RedisCommandClient {
  sendCommand(...args: never[]): unknown;
}

/** The parts of an ioredis `Command` read here: its name, and the functions that settle it. */
interface CommandLike {
  name?: unknown;
  resolve?: unknown;
  reject?: unknown;
}

type Settle = (this: unknown, value?: unknown) => unknown;
type Send = (this: unknown, ...args: unknown[]) => unknown;

const REDIS_FAMILY: OperationFamily = {
  calls: REDIS_METRICS.operations,
  duration: REDIS_METRICS.duration,
  errors: REDIS_METRICS.errors,
  noun: 'Redis commands',
  targetLabel: 'client',
  operationLabel: 'command',
  owner: 'instrumentRedis',
};

/** Command names in lower case (`get`, `json.get`); anything else is `other`. */
const COMMAND_NAME = /^[a-z][a-z0-9_.|-]{0,39}$/;
/** Reply error prefixes (`WRONGTYPE`, `NOSCRIPT`) kept as the `code` label. */
const REPLY_CODE = /^[A-Z][A-Z_]{1,19}$/;

const registrations = new Registrations();

/**
 * Records every command of an ioredis client (a `Redis` or a `Cluster`, pipelines and
 * transactions included): `redis_operations_total`, `redis_operation_duration_seconds` and
 * `redis_operation_errors_total{code}` by `client` and `command` (the command name in lower case,
 * never its keys or arguments). The duration runs from the command's send to its reply, time in
 * ioredis' offline queue included; a command ioredis sends again after a reconnect counts once.
 * Instrumenting the same client twice for one monitor returns the first call's remover;
 * closing the monitor removes the instrumentation. Recording never throws into a command: its
 * failures go to the monitor's `error` event.
 * @returns a function that takes the instrumentation out again.
 * @throws {ConfigError} when `client` has no `sendCommand` method or an option is invalid.
 * @example const uninstrument = instrumentRedis(monitor, redis, { name: 'cache' });
 */
export function instrumentRedis(monitor: Monitor, client: RedisCommandClient, options: InstrumentRedisOptions = {}): Uninstrument {
  if (typeof (client as Partial<RedisCommandClient> | null)?.sendCommand !== 'function') {
    throw new ConfigError('instrumentRedis: the client must be an ioredis Redis or Cluster (an object with a sendCommand method)');
  }
  const existing = registrations.get(client, monitor);
  if (existing !== undefined) return existing;
  const o = parseOptions(instrumentRedisOptionsSchema, options, 'instrumentRedis options');
  const metrics = new OperationMetrics(monitor, REDIS_FAMILY, o.name, o.buckets ?? REDIS_BUCKETS, o.maxCommands);
  const codes = new LabelBudget(32);
  const codeOf = (error: unknown): string => {
    const e = error as { name?: unknown; message?: unknown } | null;
    if (e?.name !== 'ReplyError' || typeof e.message !== 'string') return 'none';
    const word = e.message.slice(0, 24).split(' ', 1)[0]!;
    return REPLY_CODE.test(word) ? codes.admit(word) : OTHER_LABEL;
  };
  const seen = new WeakSet<object>();
  const host = client as unknown as { sendCommand: Send };
  const original = host.sendCommand;
  const hadOwn = Object.prototype.hasOwnProperty.call(client, 'sendCommand');
  let on = true;
  const wrapper: Send = function (this: unknown, ...args: unknown[]): unknown {
    const command = args[0] as CommandLike | null | undefined;
    if (on && typeof command === 'object' && command !== null && !seen.has(command)) {
      seen.add(command);
      timeCommand(command, metrics, codeOf);
    }
    return original.apply(this, args);
  };
  host.sendCommand = wrapper;
  return registrations.add(client, monitor, () => {
    on = false;
    if (host.sendCommand !== wrapper) return;
    if (hadOwn) host.sendCommand = original;
    else delete (host as { sendCommand?: Send }).sendCommand;
  });
}

/**
 * Times `command` from now to the first call of its `resolve` or `reject` (ioredis settles a
 * command through them), wrapping them rather than its promise: a promise handler would mark a
 * rejection the app never handles as handled.
 */
function timeCommand(command: CommandLike, metrics: OperationMetrics, codeOf: (error: unknown) => string): void {
  const resolve = command.resolve;
  const reject = command.reject;
  if (typeof resolve !== 'function' || typeof reject !== 'function') return;
  // `redis.call('ECHO', ...)` keeps the caller's case: one label per command whatever its spelling.
  const raw = typeof command.name === 'string' && command.name.length <= 40 ? command.name.toLowerCase() : '';
  const name = COMMAND_NAME.test(raw) ? raw : OTHER_LABEL;
  const start = metrics.start();
  let settled = false;
  command.resolve = function (this: unknown, value?: unknown): unknown {
    // ioredis' resolve may turn into a reject (a reply transform that throws): that one records.
    const result = (resolve as Settle).call(this, value);
    if (!settled) {
      settled = true;
      metrics.done(name, start);
    }
    return result;
  };
  command.reject = function (this: unknown, error?: unknown): unknown {
    if (!settled) {
      settled = true;
      metrics.done(name, start, codeOf(error));
    }
    return (reject as Settle).call(this, error);
  };
}
