import { fork } from 'node:child_process';

/**
 * A child process answering numbered commands over IPC: it says `{ ready: true }` once started,
 * and answers each `{ ...command, id }` with `{ id, ok, value | error }`. The fixtures of the
 * many-instances tests (instance-process.ts, fleet-process.ts, jobs/dedup-process.ts) speak it.
 */
export interface RpcProcess {
  call<T = unknown>(command: object): Promise<T>;
  /** Sends `{ op: 'close' }` (ignoring its failure) and resolves once the process has exited. */
  close(): Promise<void>;
}

/** Forks `fixture` (through tsx) with `config` as its argument; resolves once it is ready. `label` names it in errors. */
export function forkRpc(fixture: string, config: object, label: string): Promise<RpcProcess> {
  const child = fork(fixture, [JSON.stringify(config)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id?: number; ok?: boolean; value?: unknown; error?: string }) => {
    if (m.id === undefined) return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error(`${label}: ${m.error}`));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`${label} exited (${code}): ${stderr}`));
    waiting.clear();
  });
  const rpc: RpcProcess = {
    call<T>(command: object): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ ...command, id });
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      await rpc.call({ op: 'close' }).catch(() => undefined);
      await exited;
    },
  };
  return new Promise<RpcProcess>((resolve, reject) => {
    child.once('message', (m: { ready?: boolean }) => (m.ready ? resolve(rpc) : undefined));
    child.once('exit', (code) => reject(new Error(`${label} exited before it was ready (${code}): ${stderr}`)));
  });
}
