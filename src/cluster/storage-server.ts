import { isPulsewatchError, type StorageError } from '../core/errors.js';
import type { StorageAdapter } from '../storage/contract.js';
import { encode, type PrimaryMessage, type RemoteError } from './protocol.js';
import type { WorkerLink } from './worker-link.js';
import { OPTIONAL_OPS, STORAGE_ARGS, STORAGE_OPS, parseRollups, type StorageOp } from './storage-ops.js';

/** What one call ended with, to send back. */
export type CallOutcome = { ok: true; value: unknown } | { ok: false; error: RemoteError };

const OPS: ReadonlySet<string> = new Set(STORAGE_OPS);

/** Bounds of {@link serveStorageCall}. */
export interface StorageServerLimits {
  maxRollupsPerMessage: number;
}

/**
 * Runs one storage call a worker sent on the primary's `storage`, after checking it: an unknown
 * op, arguments of the wrong shape or a write of more than `maxRollupsPerMessage` rollups fail as
 * permanent (the same call cannot succeed). In a write, rollups that break the storage contract
 * are set aside and the others written; the answer then names the rejected ones, as an adapter
 * would, so the worker's recorder drops only those. Never rejects.
 */
export async function serveStorageCall(storage: StorageAdapter, op: unknown, args: unknown, limits: StorageServerLimits): Promise<CallOutcome> {
  if (typeof op !== 'string' || !OPS.has(op)) return refused(`unknown storage call ${JSON.stringify(String(op).slice(0, 40))}`);
  const parsed = STORAGE_ARGS[op as StorageOp].safeParse(args);
  if (!parsed.success) return refused(`invalid arguments to ${op}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const call = (storage as unknown as Record<string, unknown>)[op];
  if (OPTIONAL_OPS.has(op) && typeof call !== 'function') return refused(`the primary's storage "${storage.name}" has no ${op}`);
  try {
    if (op === 'writeRollups') return await write(storage, parsed.data[0] as unknown[], limits);
    const value = await (call as (...a: unknown[]) => Promise<unknown>).apply(storage, parsed.data);
    return { ok: true, value: value ?? null };
  } catch (error) {
    return { ok: false, error: remoteError(error) };
  }
}

async function write(storage: StorageAdapter, items: unknown[], limits: StorageServerLimits): Promise<CallOutcome> {
  if (items.length > limits.maxRollupsPerMessage) return refused(`a write of ${items.length} rollups passes maxRollupsPerMessage (${limits.maxRollupsPerMessage})`);
  const { valid, validIndex, invalid } = parseRollups(items);
  let rejected = invalid;
  if (valid.length > 0) {
    try {
      await storage.writeRollups(valid);
    } catch (error) {
      const remote = remoteError(error);
      // Transient, or permanent with nothing written: the store's answer for the whole call.
      if (remote.permanent !== true || remote.rejected === undefined) return { ok: false, error: { message: remote.message, permanent: remote.permanent } };
      // It wrote all but some of the valid ones: their indexes in the worker's batch, with the invalid.
      rejected = [...invalid, ...remote.rejected.map((i) => validIndex[i]!)].sort((a, b) => a - b);
    }
  }
  if (rejected.length === 0) return { ok: true, value: null };
  return { ok: false, error: { message: `${rejected.length} rollup(s) break the storage contract and were not written`, permanent: true, rejected } };
}

function refused(message: string): CallOutcome {
  return { ok: false, error: { message, permanent: true } };
}

/** The fields of a failure the worker's recorder acts on (a StorageError's `permanent` and `rejected`). */
export function remoteError(error: unknown): RemoteError {
  const message = error instanceof Error ? error.message : String(error);
  if (!isPulsewatchError(error) || error.code !== 'ERR_PULSEWATCH_STORAGE') return { message };
  const s = error as StorageError;
  return { message, permanent: s.permanent, rejected: s.rejected === undefined ? undefined : [...s.rejected] };
}

/** Bounds of {@link answerCall}. */
export interface AnswerLimits extends StorageServerLimits {
  maxStorageCalls: number;
  maxMessageBytes: number;
}

/**
 * Serves one `call` message `m` of a worker and sends it the answer. Past `maxStorageCalls`
 * calls of one worker at once the call is refused as busy (transient: its recorder retries); an
 * answer past `maxMessageBytes` becomes an error saying so. `invalid` hears of a call without a
 * sender or id (no answer can reach it). Never rejects.
 */
export async function answerCall(link: WorkerLink, m: Record<string, unknown>, storage: StorageAdapter, limits: AnswerLimits, invalid: (detail: string) => void): Promise<void> {
  const { c, id } = m;
  if (typeof c !== 'string' || c.length > 64 || typeof id !== 'number') {
    invalid(`worker ${link.label} sent a storage call without a sender or id; dropped`);
    return;
  }
  const send = (message: PrimaryMessage): void => {
    const tooLarge = `the answer to ${String(m.op).slice(0, 40)} passes maxMessageBytes (${limits.maxMessageBytes})`;
    const envelope = encode(message, limits.maxMessageBytes) ?? encode({ t: 'result', c, id, ok: false, error: { message: tooLarge } }, limits.maxMessageBytes);
    if (envelope !== undefined) link.endpoint.send(envelope);
  };
  if (link.storageCalls >= limits.maxStorageCalls) {
    send({ t: 'result', c, id, ok: false, error: { message: `the primary serves at most ${limits.maxStorageCalls} storage calls of one worker at once (maxStorageCalls)` } });
    return;
  }
  link.storageCalls++;
  try {
    const outcome = await serveStorageCall(storage, m.op, m.args, limits);
    send(outcome.ok ? { t: 'result', c, id, ok: true, value: outcome.value } : { t: 'result', c, id, ok: false, error: outcome.error });
  } finally {
    link.storageCalls--;
  }
}
