// Seed 004's monitoring script (`npm run monitor:performance` and
// `monitor:performance:continuous -- --interval=...`) as the pulsewatch CLI:
//   pulsewatch check <app>/api/admin --budgets sla.yaml            one-shot: exit 0/1/2/3
//   pulsewatch check <app>/api/admin --budgets sla.yaml --watch --interval 1s   continuous
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { collect, runCli, spawnCli, type CliRun } from '../shared/cli.js';

const SLA = fileURLToPath(new URL('./sla.yaml', import.meta.url));

/** One-shot: `pulsewatch check <url> --budgets sla.yaml`. */
export function checkOnce(url: string, token: string): Promise<CliRun> {
  return runCli(['check', url, '--budgets', SLA], { PULSEWATCH_TOKEN: token });
}

/** A running `pulsewatch check --watch`: its output so far, and `stop()` (SIGINT, as Ctrl-C). */
export interface Watch {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once its stdout matches `pattern`, or rejects after `ms`. */
  waitFor(pattern: RegExp, ms: number): Promise<void>;
  stop(): Promise<CliRun>;
}

/** Continuous: `pulsewatch check <url> --budgets sla.yaml --watch --interval <interval>`. */
export function watch(url: string, token: string, interval: string): Watch {
  const child = spawnCli(['check', url, '--budgets', SLA, '--watch', '--interval', interval], { PULSEWATCH_TOKEN: token });
  const done = collect(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  return {
    child,
    output: () => out,
    waitFor: (pattern, ms) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + ms;
        const poll = (): void => {
          if (pattern.test(out)) resolve();
          else if (Date.now() > deadline || child.exitCode !== null) reject(new Error(`the watch never printed ${pattern}; it printed:\n${out}`));
          else setTimeout(poll, 100);
        };
        poll();
      }),
    stop: () => {
      child.kill('SIGINT');
      return done;
    },
  };
}
