/**
 * A probe, not part of the report: the MemoryStorage half of bench/fleet-evaluation.ts (same
 * setup: 3 monitors, 10,000 histogram series, 1,000 rules, shared evaluation, 15 s ticks), with
 * more ticks, for profiling the evaluating instance's tick.
 *
 * - `npx tsx bench/fleet-evaluation-decisions.ts` prints the median wall and CPU time of A's
 *   ticks after 3 warm-up ticks (TICKS, default 23).
 * - `PROFILE=out.json` also profiles A's `evaluate()` calls only (the inspector's profiler is
 *   started and stopped around each measured call) and writes the self time per function,
 *   summed over the ticks, heaviest first. `PROFILE_LINES=1` adds each pulsewatch function's
 *   self time by line; under tsx every line reads 1, so transpile first for lines (e.g. esbuild
 *   src and bench to a folder, link node_modules, run the .js with node).
 * - The figures of a loaded machine: a function's self time is inflated by the sampling; compare
 *   A and B back to back, in CPU time.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg } from 'node:os';
import { MemoryStorage } from '../src/index.js';
import { startBenchFleet } from './fleet-setup.js';
import { ManualClock } from '../src/testing.js';

const TICKS = Number(process.env.TICKS ?? 23);
const WARMUP = 3;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  positionTicks?: { line: number; ticks: number }[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const clock = new ManualClock(Math.floor(Date.now() / 3_600_000) * 3_600_000);
const storage = new MemoryStorage({ now: () => clock.now() });
const { monitors, fill } = await startBenchFleet(storage, clock);
const profileTo = process.env.PROFILE;
const session = profileTo === undefined ? undefined : new Session();
if (session !== undefined) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
}
const self = new Map<string, number>();
const times: number[] = [];
const cpus: number[] = [];
let firing = 0;
for (let t = 0; t < TICKS; t++) {
  fill();
  await clock.advanceAsync(15_000);
  const profiling = session !== undefined && t >= WARMUP;
  if (profiling) await session.post('Profiler.start');
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await monitors[0]!.alerts.evaluate();
  times.push(performance.now() - start);
  const used = process.cpuUsage(cpu);
  cpus.push((used.user + used.system) / 1000);
  if (profiling) addSelf((await session.post('Profiler.stop')).profile as unknown as Profile);
  if (!result.evaluated) throw new Error('the measured instance did not hold the evaluation lease');
  firing = result.firing;
  await monitors[1]!.alerts.evaluate();
  await monitors[2]!.alerts.evaluate();
}
for (const m of monitors) await m.close();
const median = (xs: number[]): number => xs.slice(WARMUP).sort((a, b) => a - b)[Math.floor((xs.length - WARMUP) / 2)]!;
console.log(JSON.stringify({ medianMs: +median(times).toFixed(2), cpuMedianMs: +median(cpus).toFixed(2), firing, load: loadavg().map((v) => +v.toFixed(2)) }));
if (profileTo !== undefined) {
  const ticks = TICKS - WARMUP;
  const rows = [...self].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, msPerTick: +(us / 1000 / ticks).toFixed(3) }));
  writeFileSync(profileTo, JSON.stringify(rows, null, 1));
}

/** Adds one profile's self time (µs) per function. */
function addSelf(p: Profile): void {
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i]!)!;
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(src|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
    self.set(name, (self.get(name) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  // Lines of the pulsewatch functions (PROFILE_LINES=1): each node's self time shared out by its line ticks.
  if (process.env.PROFILE_LINES === undefined) return;
  const nodeTime = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) nodeTime.set(p.samples[i]!, (nodeTime.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  for (const node of p.nodes) {
    const f = node.callFrame;
    const ticks = node.positionTicks ?? [];
    const total = ticks.reduce((a, t) => a + t.ticks, 0);
    if (!f.url.includes('/src/') || total === 0) continue;
    for (const t of ticks) {
      const name = `  line ${f.url.replace(/^.*\/src\//, 'src/')}:${t.line} (${f.functionName})`;
      self.set(name, (self.get(name) ?? 0) + ((nodeTime.get(node.id) ?? 0) * t.ticks) / total);
    }
  }
}
