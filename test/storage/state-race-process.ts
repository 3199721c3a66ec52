/**
 * One writer of the state race test, in its own Node process, on a shared real store. Usage:
 * node --import tsx state-race-process.ts <config JSON>; commands over IPC (rpc-process.ts).
 * Imports nothing from vitest.
 */
import { hasRole } from '../../src/storage/contract.js';
import { openSharedStore, type SharedStoreKind } from '../helpers/shared-store.js';

const config = JSON.parse(process.argv[2]!) as { store: SharedStoreKind; namespace: string; writer: number };
const storage = await openSharedStore(config.store, config.namespace);
if (!hasRole(storage, 'state')) throw new Error(`${storage.name} has no state role`);
const state = storage;

process.on('message', async (m: { id: number; op: 'race'; keys: string[] } | { id: number; op: 'close' }) => {
  try {
    if (m.op === 'race') {
      // Every key at once: the puts of the three processes interleave on the server.
      const won = await Promise.all(m.keys.map((key) => state.putStateIfAbsent(key, { writer: config.writer, key })));
      process.send!({ id: m.id, ok: true, value: won });
    } else {
      await storage.close();
      process.send!({ id: m.id, ok: true, value: true });
      process.disconnect();
    }
  } catch (error) {
    process.send!({ id: m.id, ok: false, error: String(error) });
  }
});
process.send!({ ready: true });
