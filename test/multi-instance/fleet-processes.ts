/**
 * Starts fleet-process.ts children and talks to them over IPC (the pattern of
 * test/helpers/instances.ts, with this test's own commands). Imports nothing from vitest.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FleetCommand, FleetConfig } from './fleet-process.js';

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

function startOne(index: number, config: FleetConfig): Promise<FleetProcess> {
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
    else w?.reject(new Error(`instance ${index}: ${m.error}`));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`instance ${index} exited (${code}): ${stderr}`));
    waiting.clear();
  });
  const instance: FleetProcess = {
    index,
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
  return new Promise<FleetProcess>((resolve, reject) => {
    child.once('message', (m: { ready?: boolean }) => (m.ready ? resolve(instance) : undefined));
    child.once('exit', (code) => reject(new Error(`instance ${index} exited before it was ready (${code}): ${stderr}`)));
  });
}
