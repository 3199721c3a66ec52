import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { InstanceCommand, InstanceConfig } from './instance-process.js';

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

function startOne(config: InstanceConfig): Promise<Instance> {
  const child: ChildProcess = fork(FIXTURE, [JSON.stringify(config)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
    if (m.id === undefined) return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error(`instance ${config.index}: ${m.error}`));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`instance ${config.index} exited (${code}): ${stderr}`));
    waiting.clear();
  });
  const instance: Instance = {
    index: config.index,
    call<T>(command: Command): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ ...command, id });
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      await instance.call({ op: 'close' }).catch(() => undefined);
      await exited;
    },
  };
  return new Promise<Instance>((resolve, reject) => {
    child.once('message', (m: { ready?: boolean }) => (m.ready ? resolve(instance) : undefined));
    child.once('exit', (code) => reject(new Error(`instance ${config.index} exited before it was ready (${code}): ${stderr}`)));
  });
}
