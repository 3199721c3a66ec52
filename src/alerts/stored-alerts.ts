import type { StorageAdapter } from '../storage/contract.js';

/** At most this many firing records are read for one fingerprint (more is a store in disorder). */
const PER_FINGERPRINT = 10;

/**
 * The stored firing records of one alert fingerprint, as the store returned them (entries are
 * not checked: callers read only what they need), or undefined when the store failed or did
 * not answer with a list. Callers act on what this instance holds when it is undefined.
 */
export function storedFiring(storage: StorageAdapter, fingerprint: string): Promise<readonly unknown[] | undefined> {
  return storedAlerts(storage, fingerprint, 'firing');
}

/**
 * The latest stored records of one alert fingerprint (of one status, or any), most recently
 * updated first, as {@link storedFiring} answers them.
 */
export async function storedAlerts(storage: StorageAdapter, fingerprint: string, status?: 'firing'): Promise<readonly unknown[] | undefined> {
  let stored: unknown;
  try {
    stored = await storage.queryAlerts(status === undefined ? { fingerprint, limit: PER_FINGERPRINT } : { fingerprint, status, limit: PER_FINGERPRINT });
  } catch {
    return undefined;
  }
  return Array.isArray(stored) ? stored : undefined;
}

/** The entry of `stored` with record id `id`, if any. */
export function recordById(stored: readonly unknown[], id: string): Partial<Record<string, unknown>> | undefined {
  return stored.find((r): r is Record<string, unknown> => typeof r === 'object' && r !== null && (r as { id?: unknown }).id === id);
}
