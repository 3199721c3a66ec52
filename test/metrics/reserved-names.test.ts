/**
 * recordMetric may not define a name under pulsewatch's built-in prefixes (pulsewatch_,
 * breaker_, job_): a record that took `breaker_calls_total` or `job_duration_seconds` first made
 * every later circuitBreaker() throw into the host and every recordJobExecution() fail.
 * Also: the built-in names live in a leaf module, and metrics/ imports nothing from the layers
 * above it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createMonitor, type Monitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

function monitorWithErrors(): { monitor: Monitor; errors: string[] } {
  const monitor = createMonitor({ service: 's', clock: new ManualClock() });
  const errors: string[] = [];
  monitor.on('error', (e) => errors.push(e.message));
  return { monitor, errors };
}

function droppedInvalid(monitor: Monitor): number {
  const line = monitor.exportPrometheusMetrics().split('\n').find((l) => l.startsWith('pulsewatch_dropped_total{reason="invalid_value"}'));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe('recordMetric and built-in metric names', () => {
  it('refuses job_duration_seconds, so recordJobExecution keeps recording', async () => {
    const { monitor, errors } = monitorWithErrors();
    monitor.recordMetric({ metricType: 'job_duration_seconds', value: 1 });
    monitor.recordJobExecution('nightly', true, 1200);
    expect(errors).toEqual([expect.stringMatching(/"job_duration_seconds" is reserved/)]);
    expect(monitor.exportPrometheusMetrics()).toMatch(/^job_duration_seconds_count\{job="nightly",outcome="success"\} 1$/m);
    expect(droppedInvalid(monitor)).toBe(1);
    await monitor.close();
  });

  it('refuses breaker_calls_total, so circuitBreaker() still creates a breaker', async () => {
    const { monitor, errors } = monitorWithErrors();
    monitor.recordMetric({ metricType: 'breaker_calls_total', value: 1 });
    const breaker = monitor.circuitBreaker('payments', async () => 1);
    expect(await breaker.fire()).toBe(1);
    expect(errors).toEqual([expect.stringMatching(/"breaker_calls_total" is reserved/)]);
    expect(monitor.exportPrometheusMetrics()).toMatch(/^breaker_calls_total\{breaker="payments",outcome="success"\} 1$/m);
    await monitor.close();
  });

  it.each(['pulsewatch_anything', 'breaker_calls', 'job_executions_created', 'JOB_X'])('refuses %s (the whole prefix, any case) and counts it', async (name) => {
    const { monitor, errors } = monitorWithErrors();
    monitor.recordMetric({ metricType: name, value: 1 });
    expect(errors).toEqual([expect.stringMatching(/is reserved: names starting with "pulsewatch_", "breaker_", "job_"/)]);
    expect(droppedInvalid(monitor)).toBe(1);
    await monitor.close();
  });

  it('still records names that merely contain job or breaker', async () => {
    const { monitor, errors } = monitorWithErrors();
    monitor.recordMetric({ metricType: 'jobs_waiting', value: 1 });
    monitor.recordMetric({ metricType: 'nightly_job_ms', value: 1 });
    expect(errors).toEqual([]);
    await monitor.close();
  });
});

describe('metrics/ layering', () => {
  const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

  it('no metrics/ file imports (even a type) from resilience/, alerts/, health/ or integrations/', () => {
    const upward: string[] = [];
    for (const file of files(join(src, 'metrics'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
        const target = relative(src, resolve(dirname(file), m[1]!));
        if (/^(resilience|alerts|health|integrations)\//.test(target)) upward.push(`${relative(src, file)} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('the registry and the snapshot do not import each other at runtime', () => {
    const imports = (file: string) => readFileSync(join(src, 'metrics', file), 'utf8');
    expect(imports('registry.ts')).not.toMatch(/from '\.\/snapshot\.js'/);
    expect(imports('registry.ts')).not.toMatch(/breaker-metrics/);
  });
});
