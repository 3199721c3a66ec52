/**
 * Starts fleet-process.ts children and talks to them over IPC (test/helpers/rpc-process.ts),
 * with this test's own commands. Imports nothing from vitest.
 */
import { fileURLToPath } from 'node:url';
import type { FleetCommand, FleetConfig } from './fleet-process.js';
import { forkRpc } from '../helpers/rpc-process.js';

type Command = FleetCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/** One instance process. */
export interface FleetProcess {
  readonly index: number;
  call<T = unknown>(command: Command): Promise<T>;
  close(): Promise<void>;
}

const FIXTURE = fileURLToPath(new URL('./fleet-process.ts', import.meta.url));

/** Starts `count` processes on one store namespace; resolves when all are ready. */
export function startFleet(count: number, config: FleetConfig): Promise<FleetProcess[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => startOne(index, config)));
}

/** Sends `command` to every process at once. */
export function all<T>(fleet: readonly FleetProcess[], command: Command): Promise<T[]> {
  return Promise.all(fleet.map((p) => p.call<T>(command)));
}

async function startOne(index: number, config: FleetConfig): Promise<FleetProcess> {
  const rpc = await forkRpc(FIXTURE, config, `instance ${index}`);
  return { index, call: <T>(command: Command) => rpc.call<T>(command), close: () => rpc.close() };
}
