import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** The Debian package's binary, installed by scripts/ensure-test-deps.sh. */
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** One alert as `GET /api/v2/alerts` returns it (gettableAlert). */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL?: string;
  fingerprint: string;
  receivers: { name: string }[];
  status: { state: 'unprocessed' | 'active' | 'suppressed'; silencedBy: string[]; inhibitedBy: string[] };
}

/** A real Alertmanager on a free loopback port, with clustering off and its state in a temp dir. */
export interface AlertmanagerProcess {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `GET /api/v2/alerts` with optional query filters (`active`, `filter`...). */
  alerts(query?: Record<string, string>): Promise<GettableAlert[]>;
  stop(): Promise<void>;
}

// Alertmanager only checks alerts against receivers; group_wait is long so it never tries to send.
const CONFIG = `route:
  receiver: blackhole
  group_wait: 1h
  group_interval: 1h
  repeat_interval: 24h
receivers:
  - name: blackhole
`;

/** Starts Alertmanager and resolves once `/-/ready` answers 200. Fails clearly if the binary is missing. */
export async function startAlertmanager(): Promise<AlertmanagerProcess> {
  if (!existsSync(ALERTMANAGER_BIN)) {
    throw new Error(`${ALERTMANAGER_BIN} is missing: run scripts/ensure-test-deps.sh (Debian package prometheus-alertmanager)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'pulsewatch-am-'));
  await writeFile(join(dir, 'alertmanager.yml'), CONFIG);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(url, exited, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    async alerts(query = {}) {
      const response = await fetch(`${url}/api/v2/alerts?${new URLSearchParams(query)}`);
      if (!response.ok) throw new Error(`GET /api/v2/alerts answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as GettableAlert[];
    },
    stop,
  };
}


/** Polls `/-/ready` (a real process starting, not time logic), up to 15 s. */
async function waitReady(url: string, exited: Promise<number | null>, output: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`alertmanager exited while starting:\n${output()}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`alertmanager did not become ready within 15 s:\n${output()}`);
}
