// Seed 004 ("Production Performance Monitoring Guide", the AI Broker Chat) rebuilt on pulsewatch:
// the chat pipeline timed phase by phase (queued -> started -> completed -> delivered), seed
// 004's /api/admin/performance-analysis endpoint, its alerts, and its monitoring script as the
// `pulsewatch check` CLI, one-shot and continuous. The load runs in two phases: healthy, then
// Chatwoot slows down; the continuous check reports the change, and is stopped by SIGINT.
//
//   npx tsx examples/seed-004-chat/main.ts [--redis]
//
// --redis: the monitor's store in Redis (127.0.0.1:6379 or REDIS_URL), as seed 004 keeps its
// timing data there; keys under f2:seed004:<run>: (removed at the end).
// Env: PORT (3000), SEED004_PHASE_MS (5000, each phase's least length), SEED004_RATE (messages
// per second, 40), SEED004_WATCH_INTERVAL (1s), SEED004_OUT (examples/seed-004-chat/out), MONITORING_TOKEN.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createMonitor, rulePacks } from 'pulsewatch';
import { RedisStorage } from 'pulsewatch/redis';
import { checkOnce, watch } from './monitor-script.js';
import { ChatPipeline } from './pipeline.js';
import { startServer, startTraffic } from './server.js';

const { values: flags } = parseArgs({ options: { redis: { type: 'boolean' } } });
const env = process.env;
const PHASE_MS = Number(env['SEED004_PHASE_MS'] ?? 5_000);
const RATE = Number(env['SEED004_RATE'] ?? 40);
const INTERVAL = env['SEED004_WATCH_INTERVAL'] ?? '1s';
const OUT = env['SEED004_OUT'] ?? fileURLToPath(new URL('./out', import.meta.url));
const TOKEN = env['MONITORING_TOKEN'] ?? 'seed-004-token-change-me';

const prefix = `f2:seed004:${Date.now()}:`;
const redis = flags.redis ? new Redis(env['REDIS_URL'] ?? 'redis://127.0.0.1:6379') : undefined;
const monitor = createMonitor({ service: 'chat', ...(redis === undefined ? {} : { storage: new RedisStorage({ client: redis, keyPrefix: prefix }) }) });
monitor.on('error', (error) => console.error(`[pulsewatch] ${error.code}: ${error.message}`));
console.log(redis === undefined ? 'store: in memory (no --redis)' : `store: Redis, keys under ${prefix}`);

// Seed 004's timing pipeline: a message not delivered within the hour (its TTL) is partial.
const messages = monitor.timeline('message', { phases: ['queued', 'started', 'completed', 'delivered'], ttl: '1h', maxSamples: 100 });
// Seed 004's alerts: compliance < 95 %, a message > 30 s, complete rate < 80 % (critical); mean > 2 s, p95 > 5 s (warning); ...
await monitor.alerts.createRules(rulePacks.sla({ timeline: 'message' }));

const pipeline = new ChatPipeline(messages);
const { base, close } = await startServer(monitor, pipeline, TOKEN, Number(env['PORT'] ?? 3000));
const admin = `${base}/api/admin`;
console.log(`chat api: ${base}/api/chat; analysis: ${admin}/performance-analysis`);

// Phase 1: healthy. The one-shot check and the watch start once there is something to judge.
const traffic = startTraffic(base, RATE);
const phaseStart = Date.now();
while (pipeline.counts.delivered < 20) await new Promise((resolve) => setTimeout(resolve, 50));
const continuous = watch(admin, TOKEN, INTERVAL);
const first = await checkOnce(admin, TOKEN);
console.log(`\n--- pulsewatch check (one-shot, healthy): exit ${first.code} ---\n${first.stdout.trim()}`);
await continuous.waitFor(/\(exit \d\)/, 60_000); // its first check, printed in full
await new Promise((resolve) => setTimeout(resolve, Math.max(0, PHASE_MS - (Date.now() - phaseStart))));

// Phase 2: the Chatwoot API slows down (seed 004's "Chatwoot API > 2000ms"), with a few severe messages.
console.log('\nchatwoot: slow from now on');
pipeline.mode = 'slow';
const slowStart = Date.now();
await continuous.waitFor(/overall: .* -> /, 60_000); // the watch reports the change
await new Promise((resolve) => setTimeout(resolve, Math.max(0, PHASE_MS - (Date.now() - slowStart))));
await traffic.stop();
await pipeline.drain();
const watched = await continuous.stop(); // SIGINT, as Ctrl-C
console.log(`\n--- pulsewatch check --watch --interval ${INTERVAL} (stopped by SIGINT): exit ${watched.code} ---\n${watched.stdout.trim()}\n${watched.stderr.trim()}`);

// Seed 004's endpoint, as `curl .../api/admin/performance-analysis` reads it.
await mkdir(OUT, { recursive: true });
const read = async (query: string): Promise<unknown> => (await fetch(`${admin}/performance-analysis${query}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
const analysis = (await read('?limit=5')) as { success: boolean; data: Record<string, unknown> & { compliance: { percent: number } } };
await writeFile(join(OUT, 'performance-analysis.json'), `${JSON.stringify(analysis, null, 2)}\n`);
await writeFile(join(OUT, 'performance-analysis-conversation-7.json'), `${JSON.stringify(await read('?conversationId=7&limit=50'), null, 2)}\n`);
const d = analysis.data;
console.log('\n--- GET /api/admin/performance-analysis?limit=5 ---');
console.log(JSON.stringify({ totalMessages: d['totalMessages'], completeMessages: d['completeMessages'], partialMessages: d['partialMessages'], distribution: d['distribution'], stats: d['stats'], phaseBreakdown: d['phaseBreakdown'] }, null, 2));
console.log(`SLA compliance (under 5 s): ${d.compliance.percent} %`);

const last = await checkOnce(admin, TOKEN);
console.log(`\n--- pulsewatch check (one-shot, after the incident): exit ${last.code} ---\n${last.stdout.trim()}`);

await monitor.alerts.evaluate();
for (const a of monitor.alerts.getActiveAlerts()) console.log(`alert firing: ${a.ruleName} [${a.severity}]`);
console.log(`pipeline: ${JSON.stringify(pipeline.counts)}; timeline: ${JSON.stringify(messages.counts())}`);

await close();
await monitor.close();
if (redis !== undefined) {
  const keys = await redis.keys(`${prefix}*`); // this run's keys only
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}
console.log('seed-004 finished');
