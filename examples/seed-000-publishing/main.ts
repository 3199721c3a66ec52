// Seed 000 rebuilt on pulsewatch: the Full Self Publishing platform's publishing jobs and their
// monitoring. Run: `npx tsx examples/seed-000-publishing/main.ts` (in-memory store) or add
// `--redis` (REDIS_URL, default redis://127.0.0.1:6379). It runs 75 minutes of publishing load on
// a simulated clock (a few seconds of real time) so that seed 000's own timings play out: 25 s
// jobs, retries at 1, 2 and 4 s, a 60 s breaker reset, 5-30 minute alert cooldowns, the hourly
// dead-letter run. Then it reads seed 000's endpoints over HTTP, prints them and exits.
import { createMonitor, webhookNotifier } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { COOLDOWNS, RUN_MINUTES } from './config.js';
import { runLoad } from './load.js';
import { declareAlerts, registerHealth, startServer } from './monitoring.js';
import { defineJobs, platformBreakers } from './publishing.js';
import { report } from './report.js';
import { seededRandom } from '../shared/sim.js';
import { openStore } from './store.js';

const useRedis = process.argv.includes('--redis');
const TOKEN = process.env['MONITORING_TOKEN'] ?? 'seed-000-token-change-me';
// Simulated time starts at this hour's start, so timestamps in the output are real dates and
// seed 000's hourly dead-letter run (cron `0 * * * *`, on the hour) comes at minute 60.
const startedAt = Math.floor(Date.now() / 3_600_000) * 3_600_000;
const clock = new ManualClock(startedAt);
const random = seededRandom(Number(process.env['SEED000_SEED'] ?? 42));

const app = await startServer(() => clock.now());
const store = useRedis ? await openStore(clock) : undefined;
const monitor = createMonitor({
  service: 'publisher',
  clock, // drop this line in production: the monitor then runs on the system clock
  ...(store ? { storage: store.storage } : {}),
  notifiers: [webhookNotifier({ name: 'ops', url: `${app.base}/hooks/alerts` })], // seed 000's ALERT_WEBHOOK_URL
  alerts: { cooldowns: COOLDOWNS },
  snapshot: { window: '1h' }, // /api/metrics over the last hour of jobs
  jobs: { random }, // the retries' jitter, seeded like the rest of the run
});
monitor.on('error', (error) => console.error(`[pulsewatch] ${error.code}: ${error.message}`));
const transitions: { name: string; from: string; to: string; minute: number; consecutiveFailures: number }[] = [];
// The event comes as the breaker moves: its failure streak then is what opened it (seed 000: 5).
monitor.on('breakerStateChanged', ({ name, from, to, at }) => {
  const consecutiveFailures = monitor.breakers().find((b) => b.name === name)?.consecutiveFailures ?? -1;
  transitions.push({ name, from, to, minute: (at - startedAt) / 60_000, consecutiveFailures });
});

const { publish } = platformBreakers(monitor, clock, random, startedAt);
const jobs = defineJobs(monitor, clock, random, publish, startedAt);
registerHealth(monitor, store?.client);
await declareAlerts(monitor);
app.mount(monitor, TOKEN);

console.log(`seed 000 publishing on ${app.base} (${store ? `Redis store, keys under ${store.keyPrefix}` : 'in-memory store'}): ${RUN_MINUTES} simulated minutes of load...`);
const began = performance.now();
const load = await runLoad(monitor, clock, jobs, RUN_MINUTES);
console.log(`load done in ${Math.round(performance.now() - began)} ms of real time`);

await report({ base: app.base, token: TOKEN, startedAt, log: jobs.log, load, received: app.received, transitions, storage: useRedis ? 'redis' : 'memory' });

await closeOnSimulatedTime();
await store?.close();
await new Promise((resolve) => app.server.close(resolve));
console.log('seed 000 finished: monitor closed.');

/**
 * `monitor.close()` lets running jobs finish within `closeTimeout` and retries writes within
 * `flush.closeTimeout`, both on the monitor's clock: on the simulated clock time must keep moving
 * while it closes, or a job still running would hold it forever.
 */
async function closeOnSimulatedTime(): Promise<void> {
  let closed = false;
  const closing = monitor.close().then(() => (closed = true));
  for (let waited = 0; !closed && waited < 60_000; waited += 1_000) {
    // Real I/O (the last webhook delivery, the store's last writes) gets 20 ms of real time per
    // simulated second: on a busy machine, advancing at once ran through close()'s whole budget
    // before a local HTTP request could answer.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await clock.advanceAsync(1_000);
  }
  await closing;
}
