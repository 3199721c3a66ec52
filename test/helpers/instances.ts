import { fileURLToPath } from 'node:url';
import type { InstanceCommand, InstanceConfig } from './instance-process.js';
import { forkRpc } from './rpc-process.js';

type Command = InstanceCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/** A service instance running in a child process (see instance-process.ts). */
export interface Instance {
  readonly index: number;
  call<T = unknown>(command: Command): Promise<T>;
  close(): Promise<void>;
}

const FIXTURE = fileURLToPath(new URL('./instance-process.ts', import.meta.url));

/** Starts `count` instances sharing one store namespace; resolves when all are ready. */
export async function startInstances(count: number, config: Omit<InstanceConfig, 'index'>): Promise<Instance[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => startOne({ ...config, index })));
}

async function startOne(config: InstanceConfig): Promise<Instance> {
  const rpc = await forkRpc(FIXTURE, config, `instance ${config.index}`);
  return { index: config.index, call: <T>(command: Command) => rpc.call<T>(command), close: () => rpc.close() };
}
