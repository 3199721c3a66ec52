/**
 * Circuit breaker overhead: `breaker.fire(x)` against a direct call of the same async function,
 * bare opossum with its defaults (a timer armed and cleared per call) and with `timeout: false`,
 * and pulsewatch's breaker with metrics on. Every contender owns its loop (see harness.ts) and
 * awaits each call, as a caller would; the function answers at once, so what is measured is
 * the breaker's own cost per call.
 */
import Opossum from 'opossum';
import { runCase, type Contender } from './harness.js';
import { pulsewatchMonitor } from './peers.js';
import { formatOps, formatRatio, medianOf } from './report.js';

const DIRECT = 'direct call';
const OPOSSUM = 'opossum, defaults';
const OPOSSUM_NO_TIMEOUT = 'opossum, timeout: false';
const PW_OPOSSUM_OPTIONS = "pulsewatch, opossum's options";
const PW_DEFAULTS = 'pulsewatch, defaults';
const PW_NO_TIMEOUT = 'pulsewatch, timeout: false';

/** The protected function: async and instant, so the breaker's cost is all there is to see. */
async function work(x: number): Promise<number> {
  return x + 1;
}

/** Result of {@link breakerBench}: one section of the bench report plus the ratios the targets read. */
export interface BreakerBenchResult {
  title: string;
  notes: string[];
  table: { headers: string[]; rows: string[][] };
  ratios: Record<string, number>;
}

/** Measures every contender in this process (about 15 s) and returns the table and ratios. */
export async function breakerBench(): Promise<BreakerBenchResult> {
  const monitor = pulsewatchMonitor();
  // opossum's defaults as pulsewatch options: 50% over 10 s in 10 buckets, 30 s reset, 10 s timeout.
  const pwOpossumOptions = monitor.circuitBreaker('bench_opossum_options', work, { errorThresholdPercentage: 50, resetTimeout: '30s', timeout: '10s' });
  const pwDefaults = monitor.circuitBreaker('bench_defaults', work);
  const pwNoTimeout = monitor.circuitBreaker('bench_no_timeout', work, { timeout: false });
  const opossum = new Opossum(work);
  const opossumNoTimeout = new Opossum(work, { timeout: false });

  const contenders: Contender[] = [
    {
      name: DIRECT,
      async run(ops) {
        let acc = 0;
        for (let i = 0; i < ops; i++) acc += await work(i & 1023);
        return acc;
      },
    },
    {
      name: OPOSSUM,
      async run(ops) {
        let acc = 0;
        for (let i = 0; i < ops; i++) acc += await opossum.fire(i & 1023);
        return acc;
      },
    },
    {
      name: OPOSSUM_NO_TIMEOUT,
      async run(ops) {
        let acc = 0;
        for (let i = 0; i < ops; i++) acc += await opossumNoTimeout.fire(i & 1023);
        return acc;
      },
    },
    {
      name: PW_OPOSSUM_OPTIONS,
      async run(ops) {
        let acc = 0;
        for (let i = 0; i < ops; i++) acc += await pwOpossumOptions.fire(i & 1023);
        return acc;
      },
    },
    {
      name: PW_DEFAULTS,
      async run(ops) {
        let acc = 0;
        for (let i = 0; i < ops; i++) acc += await pwDefaults.fire(i & 1023);
        return acc;
      },
    },
    {
      name: PW_NO_TIMEOUT,
      async run(ops) {
        let acc = 0;
        for (let i = 0; i < ops; i++) acc += await pwNoTimeout.fire(i & 1023);
        return acc;
      },
    },
  ];

  const results = await runCase(contenders, { rounds: 5, sampleMs: 200 });
  opossum.shutdown();
  opossumNoTimeout.shutdown();
  const calls = monitor.breakers().reduce((n, b) => n + b.successes, 0);
  await monitor.close();

  const of = (name: string): number => medianOf(results, name);
  const ns = (name: string): string => (1e9 / of(name)).toFixed(0);
  const ratios: Record<string, number> = {
    "pulsewatch (opossum's options) vs opossum defaults": of(PW_OPOSSUM_OPTIONS) / of(OPOSSUM),
    'pulsewatch defaults vs opossum defaults': of(PW_DEFAULTS) / of(OPOSSUM),
    "pulsewatch (opossum's options) vs opossum timeout:false": of(PW_OPOSSUM_OPTIONS) / of(OPOSSUM_NO_TIMEOUT),
    'pulsewatch timeout:false vs opossum timeout:false': of(PW_NO_TIMEOUT) / of(OPOSSUM_NO_TIMEOUT),
    'direct vs pulsewatch defaults': of(DIRECT) / of(PW_DEFAULTS),
  };
  return {
    title: 'Circuit breaker fire() overhead',
    notes: [
      '`await breaker.fire(x)` around `async (x) => x + 1`, one call at a time; ns/call includes the await.',
      "opossum's defaults arm and clear a timer per call for its 10 s timeout; pulsewatch keeps timeouts on one timer per monitor (a deadline list swept when the earliest call is due).",
      "\"opossum's options\": pulsewatch with errorThresholdPercentage 50, resetTimeout 30 s, timeout 10 s (opossum's defaults); \"defaults\": 5 consecutive failures, 60 s reset, 10 s timeout.",
      `pulsewatch contenders record breaker_calls_total and breaker_call_duration_seconds on every call (${calls.toLocaleString('en-US')} calls recorded).`,
    ],
    table: {
      headers: ['contender', 'ops/s (median)', 'min - max', 'ns/call', `vs ${OPOSSUM}`],
      rows: results.map((r) => [r.name, formatOps(r.median), `${formatOps(r.min)} - ${formatOps(r.max)}`, ns(r.name), formatRatio(r.median / of(OPOSSUM))]),
    },
    ratios,
  };
}
