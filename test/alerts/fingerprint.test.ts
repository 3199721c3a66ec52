import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/alerts/fingerprint.js';
import { setup } from './support.js';

/**
 * The spec in semantics.md 3.3, written out independently: FNV-1a 64 (offset 14695981039346656037,
 * prime 1099511628211) over the labels sorted by name, each name and value as UTF-8 followed by
 * byte 0xFF, printed as %016x.
 */
function fnv1a64(labels: Record<string, string>): string {
  let hash = 14695981039346656037n;
  const feed = (bytes: Iterable<number>): void => {
    for (const b of bytes) hash = BigInt.asUintN(64, (hash ^ BigInt(b)) * 1099511628211n);
  };
  for (const name of Object.keys(labels).sort()) {
    feed(Buffer.from(name, 'utf8'));
    feed([0xff]);
    feed(Buffer.from(labels[name]!, 'utf8'));
    feed([0xff]);
  }
  return hash.toString(16).padStart(16, '0');
}

describe('fingerprint', () => {
  it('is the FNV offset basis for the empty label set', () => {
    expect(fingerprint({})).toBe('cbf29ce484222325');
    expect(fnv1a64({})).toBe('cbf29ce484222325');
  });

  it('matches the vector published in prometheus/common (model/signature_test.go)', () => {
    const labels = { name: 'garland, briggs', fear: 'love is not enough' };
    const expected = 5799056148416392346n.toString(16).padStart(16, '0');
    expect(fnv1a64(labels)).toBe(expected);
    expect(fingerprint(labels)).toBe(expected);
  });

  it.each([
    [{ alertname: 'HighLatency' }],
    [{ alertname: 'High Response Time', severity: 'critical', service: 'api' }],
    [{ job: 'content-generation', status: 'failure', alertname: 'Job Failed' }],
    [{ city: 'Zürich', emoji: '🔥', empty_ish: ' ' }],
    [{ a: '', b: 'x' }],
    [{ __name__: 'up', instance: 'localhost:9090', job: 'prometheus' }],
  ])('agrees with a straightforward FNV-1a 64 over the spec for %j', (labels) => {
    expect(fingerprint(labels)).toBe(fnv1a64(labels));
  });

  it('does not depend on the order the labels were given in', () => {
    const a = fingerprint({ alertname: 'X', severity: 'warning', service: 'api', route: '/a' });
    const b = fingerprint({ route: '/a', service: 'api', severity: 'warning', alertname: 'X' });
    expect(a).toBe(b);
  });

  it('separates names from values, so moving a character across the boundary changes it', () => {
    expect(fingerprint({ ab: 'c' })).not.toBe(fingerprint({ a: 'bc' }));
    expect(fingerprint({ a: 'b', c: 'd' })).not.toBe(fingerprint({ a: 'bc', '': 'd' }));
  });

  it('always prints 16 lower-case hex digits, zero-padded', () => {
    let zeroLed: Record<string, string> | undefined;
    for (let i = 0; zeroLed === undefined && i < 10_000; i++) {
      const labels = { alertname: `a${i}` };
      if (fnv1a64(labels).startsWith('0')) zeroLed = labels;
    }
    expect(zeroLed).toBeDefined();
    expect(fingerprint(zeroLed!)).toBe(fnv1a64(zeroLed!));
    expect(fingerprint(zeroLed!)).toMatch(/^0[0-9a-f]{15}$/);
  });
});

describe('alert labels and fingerprints', () => {
  it('labels an alert with alertname, severity, service, its group and the rule\'s alertLabels, and fingerprints exactly those', async () => {
    const { monitor } = setup({ service: 'checkout' });
    const g = monitor.gauge({ name: 'queue_depth', labelNames: ['queue', 'shard'] });
    g.set(500, { queue: 'mail', shard: '1' });
    await monitor.alerts.createRule({ name: 'Queue deep', metric: 'queue_depth', aggregation: 'last', condition: 'gt', threshold: 100, severity: 'critical', groupBy: ['queue'], alertLabels: { team: 'messaging' } });
    await monitor.alerts.evaluate();
    const [alert] = monitor.alerts.getActiveAlerts();
    expect(alert!.labels).toEqual({ alertname: 'Queue deep', severity: 'critical', service: 'checkout', queue: 'mail', team: 'messaging' });
    expect(alert!.fingerprint).toBe(fnv1a64({ ...alert!.labels }));
    expect(alert!.fingerprint).toBe(fingerprint(alert!.labels));
  });

  it('lets the rule\'s alertLabels override the group\'s and the severity, but never the alertname', async () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'queue_depth', labelNames: ['queue'] });
    g.set(500, { queue: 'mail' });
    await monitor.alerts.createRule({ name: 'Queue deep', metric: 'queue_depth', aggregation: 'last', condition: 'gt', threshold: 100, groupBy: ['queue'], alertLabels: { queue: 'all', severity: 'page', alertname: 'Other' } });
    await monitor.alerts.evaluate();
    expect(monitor.alerts.getActiveAlerts()[0]!.labels).toEqual({ alertname: 'Queue deep', severity: 'page', service: 'app', queue: 'all' });
  });

  it('drops a groupBy label that a series does not have (Alertmanager drops empty labels)', async () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'queue_depth', labelNames: ['queue'] });
    g.set(500);
    await monitor.alerts.createRule({ name: 'Queue deep', metric: 'queue_depth', aggregation: 'last', condition: 'gt', threshold: 100, groupBy: ['queue'] });
    await monitor.alerts.evaluate();
    const [alert] = monitor.alerts.getActiveAlerts();
    expect(alert!.labels).toEqual({ alertname: 'Queue deep', severity: 'warning', service: 'app' });
    expect(alert!.fingerprint).toBe(fnv1a64({ alertname: 'Queue deep', severity: 'warning', service: 'app' }));
  });

  it('gives the same alert the same fingerprint on another monitor of the same service', async () => {
    const fps: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { monitor } = setup({ service: 'api' });
      monitor.gauge({ name: 'level' }).set(10);
      await monitor.alerts.createRule({ name: 'level high', metric: 'level', aggregation: 'last', condition: 'gt', threshold: 5 });
      await monitor.alerts.evaluate();
      fps.push(monitor.alerts.getActiveAlerts()[0]!.fingerprint);
    }
    expect(fps[0]).toBe(fps[1]);
    expect(fps[0]).toBe(fnv1a64({ alertname: 'level high', severity: 'warning', service: 'api' }));
  });
});
