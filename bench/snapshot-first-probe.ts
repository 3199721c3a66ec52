/**
 * A probe beside bench/snapshot.ts (not part of `npm run bench`, and not its method): the same
 * monitor, store and 12 calls (each followed by the filtered one), with the longest stretch
 * between two turns of a `setImmediate` chain measured three ways per call: wall time (the
 * bench's longest block), process CPU time (user + system, GC and compiler threads included)
 * and the main thread's own time on a core (Linux schedstat: what the event loop's thread itself
 * ran, without the waits for a core that a loaded machine adds to the wall time), with the
 * scavenges (young generation collections) met in the call. On a machine shared with other
 * processes the main thread's figure is the one to compare between two trees; the wall time
 * follows the load. No `setImmediate` wrapper and no stacks (bench/snapshot-probe.ts has them):
 * what it adds to a stretch is one read of /proc per turn.
 *
 * Prints JSON: per kind of call (first, second, after a slot close: the worse of the two,
 * steady: the median of the other eight) `mainMs`, `cpuMs`, `wallMs` (the longest stretch of the
 * call by each measure), `scavenges` and `scavengeMs` (their count and longest pause), and
 * `callCpuMs` (the call's process CPU time). Run: `node --expose-gc --import tsx
 * bench/snapshot-first-probe.ts`.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { startSnapshotBench } from './snapshot-setup.js';

interface CallFigures {
  mainMs: number;
  cpuMs: number;
  wallMs: number;
  scavenges: number;
  scavengeMs: number;
  callCpuMs: number;
}

const gcs: { start: number; dur: number; kind: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push({ start: e.startTime, dur: e.duration, kind: (e as { detail?: { kind?: number } }).detail?.kind ?? 0 });
}).observe({ entryTypes: ['gc'] });

/** The main thread's time on a core (ms), from Linux's schedstat; NaN where it is missing. */
function mainRun(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

const { clock, monitor, fill } = await startSnapshotBench();
const calls: (CallFigures & { kind: string; t0: number; t1: number })[] = [];
for (let i = 0; i < 12; i++) {
  fill();
  const slotBefore = Math.floor(clock.now() / 30_000);
  await clock.advanceAsync(5_000);
  const kind = i === 0 ? 'first' : i === 1 ? 'second' : Math.floor(clock.now() / 30_000) !== slotBefore ? 'afterClose' : 'steady';
  const f = { kind, mainMs: 0, cpuMs: 0, wallMs: 0, scavenges: 0, scavengeMs: 0, callCpuMs: 0, t0: 0, t1: 0 };
  let lastWall = performance.now();
  let lastCpu = process.cpuUsage();
  let lastMain = mainRun();
  let running = true;
  const mark = (): void => {
    const wall = performance.now();
    const main = mainRun();
    f.wallMs = Math.max(f.wallMs, wall - lastWall);
    f.cpuMs = Math.max(f.cpuMs, cpuMs(process.cpuUsage(lastCpu)));
    f.mainMs = Math.max(f.mainMs, main - lastMain);
    lastWall = wall;
    lastMain = main;
    lastCpu = process.cpuUsage();
  };
  const turn = (): void => {
    mark();
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  const callCpu = process.cpuUsage();
  f.t0 = performance.now();
  await monitor.snapshot();
  f.t1 = performance.now();
  f.callCpuMs = cpuMs(process.cpuUsage(callCpu));
  running = false;
  mark();
  calls.push(f);
  await monitor.snapshot({ labels: { status: '500' } });
}
await monitor.close();
// GC entries are delivered after the fact.
await new Promise((resolve) => setTimeout(resolve, 50));
for (const c of calls) {
  const during = gcs.filter((e) => e.kind === 1 && e.start >= c.t0 && e.start < c.t1);
  c.scavenges = during.length;
  c.scavengeMs = Math.max(0, ...during.map((e) => e.dur));
}
const round = (x: number) => Math.round(x * 10) / 10;
const pick = (c: CallFigures): CallFigures => ({ mainMs: round(c.mainMs), cpuMs: round(c.cpuMs), wallMs: round(c.wallMs), scavenges: c.scavenges, scavengeMs: round(c.scavengeMs), callCpuMs: round(c.callCpuMs) });
const worst = (list: CallFigures[]): CallFigures => ({
  mainMs: Math.max(...list.map((c) => c.mainMs)),
  cpuMs: Math.max(...list.map((c) => c.cpuMs)),
  wallMs: Math.max(...list.map((c) => c.wallMs)),
  scavenges: Math.max(...list.map((c) => c.scavenges)),
  scavengeMs: Math.max(...list.map((c) => c.scavengeMs)),
  callCpuMs: Math.max(...list.map((c) => c.callCpuMs)),
});
const median = (list: CallFigures[]): CallFigures => {
  const m = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { mainMs: m(list.map((c) => c.mainMs)), cpuMs: m(list.map((c) => c.cpuMs)), wallMs: m(list.map((c) => c.wallMs)), scavenges: m(list.map((c) => c.scavenges)), scavengeMs: m(list.map((c) => c.scavengeMs)), callCpuMs: m(list.map((c) => c.callCpuMs)) };
};
console.log(
  JSON.stringify({
    first: pick(calls[0]!),
    second: pick(calls[1]!),
    afterClose: pick(worst(calls.filter((c) => c.kind === 'afterClose'))),
    steady: pick(median(calls.filter((c) => c.kind === 'steady'))),
  }),
);
