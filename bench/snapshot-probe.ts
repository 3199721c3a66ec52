/**
 * A probe beside bench/snapshot.ts (not part of `npm run bench`, and not its method): the same
 * monitor, store and 12 calls, with every stretch between two macrotask turns timed while a call
 * runs, and the top stretches of each call printed by process CPU time (user + system, GC threads
 * included: a stretch can show more CPU than wall time while a concurrent GC marks), with where
 * it began and ended (the `setImmediate` that resumed it and the one that ended it, as the first
 * frames of `src/` on the stack) and the GC pauses inside it (PerformanceObserver `gc` entries,
 * `kind:ms`: 1 a scavenge, 4 a mark-compact). Run: `node --expose-gc --import tsx
 * bench/snapshot-probe.ts` (`TOP=n` stretches per call, default 4).
 *
 * It replaces the global `setImmediate` with a wrapper that records the stack of each caller, so
 * its figures are a little higher than the bench's.
 */
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { startSnapshotBench } from './snapshot-setup.js';

interface Stretch {
  call: number;
  cpu: number;
  /** The main thread's own CPU time and its wait for a core (ms; NaN where /proc is missing). */
  main: number;
  waited: number;
  wall: number;
  from: string;
  to: string;
  t0: number;
  t1: number;
}

const gcs: { start: number; dur: number; kind: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push({ start: e.startTime, dur: e.duration, kind: (e as { detail?: { kind?: number } }).detail?.kind ?? 0 });
}).observe({ entryTypes: ['gc'] });

const stretches: Stretch[] = [];
let callNo = -1;
let recording = false;
/**
 * The main thread's time on a core and waiting for one (ns), from Linux's schedstat: process
 * CPU time also counts the GC's and compiler's helper threads, and wall time the waits for a core
 * on a loaded machine; this is the stretch's own work on the thread that blocks the event loop.
 */
function mainThread(): [number, number] {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
    return [Number(run), Number(wait)];
  } catch {
    return [Number.NaN, Number.NaN];
  }
}
let taskMain = mainThread();
let taskCpu = process.cpuUsage();
let taskWall = performance.now();
let taskFrom = 'start';
let pendingTo = '';
const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** The first frames of src/ on the stack of a `setImmediate` call. */
function where(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(2);
  return lines
    .filter((l) => l.includes('/src/') && !l.includes('core/clock.ts') && !l.includes('core/deferred-clock.ts'))
    .slice(0, 2)
    .map((l) => l.trim().replace(/^at /, '').replace(/\(?(file:\/\/)?\/.*?\/src\//, '(').replace(/:\d+\)?$/, ')'))
    .join(' < ');
}

/** The main thread's CPU time and wait (ms) since `at`. */
function since(at: [number, number]): { main: number; waited: number } {
  const [run, wait] = mainThread();
  return { main: (run - at[0]) / 1e6, waited: (wait - at[1]) / 1e6 };
}

const chainMark = Symbol('chain');
const realImmediate = globalThis.setImmediate;
globalThis.setImmediate = ((fn: (...a: unknown[]) => void, ...args: unknown[]) => {
  const label = (fn as { [chainMark]?: boolean })[chainMark] === true ? '' : where();
  if (label !== '') pendingTo = label;
  return realImmediate(() => {
    if (recording) stretches.push({ call: callNo, cpu: ms(process.cpuUsage(taskCpu)), ...since(taskMain), wall: performance.now() - taskWall, from: taskFrom, to: pendingTo || '(another task)', t0: taskWall, t1: performance.now() });
    taskMain = mainThread();
    taskCpu = process.cpuUsage();
    taskWall = performance.now();
    taskFrom = label || '(turn)';
    pendingTo = '';
    fn(...args);
  });
}) as typeof setImmediate;


const { clock, monitor, fill } = await startSnapshotBench();
const kinds: string[] = [];
for (let i = 0; i < 12; i++) {
  fill();
  const slotBefore = Math.floor(clock.now() / 30_000);
  await clock.advanceAsync(5_000);
  kinds.push(i === 0 ? 'first' : i === 1 ? 'second' : Math.floor(clock.now() / 30_000) !== slotBefore ? 'after a slot close' : 'steady');
  callNo = i;
  let running = true;
  const turn = Object.assign(() => {
    if (running) setImmediate(turn);
  }, { [chainMark]: true });
  setImmediate(turn);
  taskMain = mainThread();
  taskCpu = process.cpuUsage();
  taskWall = performance.now();
  taskFrom = 'the call';
  pendingTo = '';
  recording = true;
  await monitor.snapshot();
  stretches.push({ call: i, cpu: ms(process.cpuUsage(taskCpu)), ...since(taskMain), wall: performance.now() - taskWall, from: taskFrom, to: '(end of the call)', t0: taskWall, t1: performance.now() });
  recording = false;
  running = false;
  await monitor.snapshot({ labels: { status: '500' } });
}
await monitor.close();
// GC entries are delivered after the fact.
await new Promise((resolve) => setTimeout(resolve, 50));
const top = Number(process.env.TOP ?? 4);
const byMain = process.env.SORT === 'main';
for (let i = 0; i < 12; i++) {
  const own = stretches.filter((x) => x.call === i).sort((a, b) => (byMain ? b.main - a.main : b.cpu - a.cpu));
  const t0 = Math.min(...own.map((x) => x.t0));
  const t1 = Math.max(...own.map((x) => x.t1));
  const during = gcs.filter((e) => e.start >= t0 && e.start < t1);
  const scavenges = during.filter((e) => e.kind === 1);
  console.log(
    `call ${i} (${kinds[i]}): ${own.length} stretches, ${own.reduce((a, x) => a + x.cpu, 0).toFixed(1)} ms of CPU in all, ${own.reduce((a, x) => a + x.main, 0).toFixed(1)} on the main thread; ` +
      `${scavenges.length} scavenges (${scavenges.reduce((a, e) => a + e.dur, 0).toFixed(1)} ms), ${during.length - scavenges.length} other GC pauses (${during.filter((e) => e.kind !== 1).reduce((a, e) => a + e.dur, 0).toFixed(1)} ms)`,
  );
  for (const x of own.slice(0, top)) {
    const gc = gcs.filter((e) => e.start >= x.t0 && e.start < x.t1).map((e) => `${e.kind}:${e.dur.toFixed(1)}`);
    console.log(`  ${x.cpu.toFixed(1)} ms CPU (main thread ${x.main.toFixed(1)}, waited ${x.waited.toFixed(1)}) / ${x.wall.toFixed(1)} ms wall, gc [${gc.join(' ')}]\n    from ${x.from}\n    to   ${x.to}`);
  }
}
