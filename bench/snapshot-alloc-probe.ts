/**
 * A probe beside bench/snapshot.ts (not part of `npm run bench`, and not its method): the same
 * monitor, store and 12 calls, printing per call its wall time and the scavenges (young
 * generation collections, PerformanceObserver `gc` entries of kind 1) that ran inside it, and,
 * for the calls of one kind (`WHICH=first|second|steady|close`, default steady), the bytes they
 * allocated by function (V8's sampling heap profiler through the inspector, objects a scavenge
 * collected included), the first `src/` frame of the stack taken as the allocator (`BY=self`: the
 * allocating function itself, built-ins included). A scavenge copies what is still alive, so a
 * snapshot that holds less across its chunks meets shorter ones. With `--trace-gc-nvp` and
 * `MARK=1`, V8's line per collection (its `new_space_survived` and `promoted`: what it copied)
 * comes between a call's `START i` and `call i` lines.
 *
 * Run: `node --expose-gc --import tsx bench/snapshot-alloc-probe.ts` (`TOP=n` lines, default 25).
 */
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { startSnapshotBench } from './snapshot-setup.js';


interface ProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: ProfileNode[];
}

const gcs: { start: number; dur: number; kind: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push({ start: e.startTime, dur: e.duration, kind: (e as { detail?: { kind?: number } }).detail?.kind ?? 0 });
}).observe({ entryTypes: ['gc'] });
const session = new Session();
session.connect();

const { clock, monitor, fill } = await startSnapshotBench();

const which = process.env.WHICH ?? 'steady';
const bySelf = process.env.BY === 'self';
const bytes = new Map<string, number>();
/** Adds each node's own bytes to its allocator (see the header). */
function walk(node: ProfileNode, stack: string[]): void {
  const f = node.callFrame;
  const here = `${f.functionName || '(anonymous)'} ${f.url.replace(/.*\/src\//, 'src/').replace(/^file:.*/, '')}`.trim();
  const frames = [here, ...stack];
  if (node.selfSize > 0) {
    const at = bySelf ? `${here} < ${frames.find((x) => x.includes('src/')) ?? ''}` : (frames.find((x) => x.includes('src/')) ?? here);
    bytes.set(at, (bytes.get(at) ?? 0) + node.selfSize);
  }
  for (const c of node.children) walk(c, frames);
}

let sampled = 0;
for (let i = 0; i < 12; i++) {
  fill();
  const slotBefore = Math.floor(clock.now() / 30_000);
  await clock.advanceAsync(5_000);
  const kind = i === 0 ? 'first' : i === 1 ? 'second' : Math.floor(clock.now() / 30_000) !== slotBefore ? 'close' : 'steady';
  const sample = kind === which;
  if (sample) await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true } as never);
  if (process.env.MARK === '1') console.log(`START ${i}`);
  const t0 = performance.now();
  await monitor.snapshot();
  const t1 = performance.now();
  if (sample) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    walk(profile.head as unknown as ProfileNode, []);
    sampled++;
  }
  // GC entries are delivered after the fact.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const during = gcs.filter((e) => e.start >= t0 && e.start < t1);
  const scavenges = during.filter((e) => e.kind === 1);
  const other = during.filter((e) => e.kind !== 1);
  console.log(`call ${i} ${kind}: ${(t1 - t0).toFixed(1)} ms, ${scavenges.length} scavenges [${scavenges.map((e) => e.dur.toFixed(1)).join(' ')}], other GC [${other.map((e) => `${e.kind}:${e.dur.toFixed(1)}`).join(' ')}]`);
  await monitor.snapshot({ labels: { status: '500' } });
}
await monitor.close();
session.disconnect();
if (sampled > 0) {
  const rows = [...bytes].sort((a, b) => b[1] - a[1]);
  const total = rows.reduce((a, r) => a + r[1], 0);
  console.log(`${which} calls: ${(total / sampled / 1024).toFixed(0)} KiB allocated per call (sampled, ${sampled} calls)`);
  for (const [at, n] of rows.slice(0, Number(process.env.TOP ?? 25))) console.log(`  ${(n / sampled / 1024).toFixed(0).padStart(6)} KiB  ${at}`);
}
