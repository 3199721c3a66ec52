/**
 * The MemoryStorage part of bench/fleet-evaluation.ts alone, for profiling the evaluating
 * instance's tick (`node --cpu-prof --import tsx bench/fleet-evaluation-profile.ts`): the same
 * setup (3 instances, 10,000 histogram series, 1,000 rules, 15 s ticks with fresh observations
 * on all three between them), more ticks (TICKS, default 30), and each tick's wall and CPU time.
 * PROFILE=<file> (with ALLOC=1: allocation samples instead of CPU) writes the CPU profiles of the measured ticks alone. Not a measurement of record: bench/fleet-evaluation.ts is.
 */
import { MemoryStorage } from '../src/index.js';
import { startBenchFleet } from './fleet-setup.js';
import { ManualClock } from '../src/testing.js';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';

const TICKS = Number(process.env.TICKS ?? 30);
const WARMUP = 3;

const clock = new ManualClock(Math.floor(Date.now() / 3_600_000) * 3_600_000);
const storage = new MemoryStorage({ now: () => clock.now() });
const { monitors, fill } = await startBenchFleet(storage, clock);
// PROFILE=<file>: the CPU profiles of the evaluating instance's measured ticks only (a JSON array of { tick, cpu, profile }).
const session = process.env.PROFILE === undefined ? undefined : new Session();
if (session !== undefined) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
}
const profiles: unknown[] = [];
const times: number[] = [];
const cpus: number[] = [];
const firings: number[] = [];
for (let t = 0; t < TICKS; t++) {
  fill();
  await clock.advanceAsync(15_000);
  if (session !== undefined && t >= WARMUP) await session.post((process.env.ALLOC === undefined ? 'Profiler.start' : 'HeapProfiler.startSampling') as 'HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const cpu = process.cpuUsage();
  const start = performance.now();
  const result = await monitors[0]!.alerts.evaluate();
  times.push(performance.now() - start);
  const used = process.cpuUsage(cpu);
  cpus.push((used.user + used.system) / 1000);
  if (session !== undefined && t >= WARMUP) profiles.push({ tick: t, cpu: cpus[cpus.length - 1], profile: ((await session.post((process.env.ALLOC === undefined ? 'Profiler.stop' : 'HeapProfiler.stopSampling') as 'Profiler.stop')) as { profile: unknown }).profile });
  firings.push(result.firing);
  await monitors[1]!.alerts.evaluate();
  await monitors[2]!.alerts.evaluate();
}
if (session !== undefined) writeFileSync(process.env.PROFILE!, JSON.stringify(profiles));
for (const m of monitors) await m.close();
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(JSON.stringify({ wallMedian: med(times.slice(WARMUP)), cpuMedian: med(cpus.slice(WARMUP)), ticks: times.map((v) => +v.toFixed(1)), cpus: cpus.map((v) => +v.toFixed(1)), firings }));
