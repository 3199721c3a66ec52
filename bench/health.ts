/**
 * Health-check latency: `monitor.health.check()` with 20 checks on the system clock, one of
 * which never settles. The answer must arrive when the hanging check's own timeout ends (plus
 * 5 ms of timer and scheduling slack), never later: checks run in parallel and each has its own
 * budget. A second case without the hanging check shows the registry's own overhead.
 */
import { createMonitor, type Monitor } from '../src/monitor.js';

const CHECKS = 20;
const HANG_TIMEOUT_MS = 100;
const SLACK_MS = 5;
const RUNS = 15;
const WARMUP = 3;

/** 19 (or 20) passing checks of mixed shapes: sync, resolved promise, next tick, a short real wait. */
function registerPassing(monitor: Monitor, count: number): void {
  for (let i = 0; i < count; i++) {
    const shape = i % 4;
    monitor.health.register(`check_${i}`, () => {
      if (shape === 0) return true;
      if (shape === 1) return Promise.resolve('healthy' as const);
      if (shape === 2) return new Promise<'healthy'>((resolve) => setImmediate(() => resolve('healthy')));
      return new Promise<'healthy'>((resolve) => setTimeout(() => resolve('healthy'), 1 + (i % 5)));
    });
  }
}

async function measure(monitor: Monitor): Promise<{ times: number[]; status: string }> {
  const times: number[] = [];
  let status = '';
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const start = performance.now();
    const report = await monitor.health.check();
    const elapsed = performance.now() - start;
    if (run >= WARMUP) times.push(elapsed);
    status = report.status;
  }
  return { times, status };
}

/** The platform's own timer lateness: a bare `setTimeout(HANG_TIMEOUT_MS)`, measured the same way. */
async function bareTimer(): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < WARMUP + RUNS; run++) {
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, HANG_TIMEOUT_MS));
    if (run >= WARMUP) times.push(performance.now() - start);
  }
  return times;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (v: number): string => `${v.toFixed(2)} ms`;

/** Runs the health benchmark and returns its section for the report. */
export async function healthBench(): Promise<{
  title: string;
  notes: string[];
  table: { headers: string[]; rows: string[][] };
  answeredMs: number;
  timeoutMs: number;
}> {
  const hanging = createMonitor();
  registerPassing(hanging, CHECKS - 1);
  hanging.health.register('hangs', () => new Promise<never>(() => {}), { timeout: HANG_TIMEOUT_MS, critical: false });
  const withHang = await measure(hanging);
  await hanging.close();

  const control = [...(await bareTimer())].sort((a, b) => a - b);

  const passing = createMonitor();
  registerPassing(passing, CHECKS);
  const allPass = await measure(passing);
  await passing.close();

  const hangSorted = [...withHang.times].sort((a, b) => a - b);
  const passSorted = [...allPass.times].sort((a, b) => a - b);
  const answeredMs = hangSorted[hangSorted.length - 1]!;
  const limit = HANG_TIMEOUT_MS + SLACK_MS;
  return {
    title: 'Health checks: answer time with a hanging check',
    notes: [
      `${CHECKS} checks run in parallel on the system clock, ${RUNS} timed runs after ${WARMUP} warm-up runs.`,
      `One check never settles; its timeout is ${HANG_TIMEOUT_MS} ms (the others keep the 2 s default). The answer must come within ${limit} ms.`,
      `Worst answer ${ms(answeredMs)}: ${answeredMs <= limit ? 'within' : 'OVER'} the ${limit} ms limit.`,
      `The control row is a bare timer of the same length: what it adds over ${HANG_TIMEOUT_MS} ms is the platform's timer lateness, not the registry's.`,
    ],
    table: {
      headers: ['case', 'status', 'p50', 'p95', 'max', 'limit', 'result'],
      rows: [
        [`${CHECKS - 1} passing + 1 hanging (timeout ${HANG_TIMEOUT_MS} ms)`, withHang.status, ms(percentile(hangSorted, 50)), ms(percentile(hangSorted, 95)), ms(answeredMs), `${limit} ms`, answeredMs <= limit ? 'pass' : 'FAIL'],
        [`control: bare setTimeout(${HANG_TIMEOUT_MS})`, '-', ms(percentile(control, 50)), ms(percentile(control, 95)), ms(control[control.length - 1]!), '-', '-'],
        [`${CHECKS} passing`, allPass.status, ms(percentile(passSorted, 50)), ms(percentile(passSorted, 95)), ms(passSorted[passSorted.length - 1]!), '-', '-'],
      ],
    },
    answeredMs,
    timeoutMs: HANG_TIMEOUT_MS,
  };
}
