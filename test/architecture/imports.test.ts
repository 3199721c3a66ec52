// The import graph of src/: no cycle (type-only imports included) and no import that points up
// the layers of docs/architecture.md. Fails the build on a new one.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Layers, lowest first: an import may point to its own layer or a lower one. Node-only add-ons
 * built on a Monitor (system/, cluster/) and the entries sit above the monitor.
 */
const LAYERS: Record<string, number> = {
  core: 0,
  storage: 1,
  notifiers: 1,
  metrics: 2,
  alerts: 3,
  health: 3,
  resilience: 3,
  jobs: 3,
  timeline: 3,
  sla: 3,
  reports: 3,
  capability: 4,
  export: 4,
  'monitor-events': 4,
  monitor: 5,
  'monitor-options': 5,
  'monitor-close': 5,
  'monitor-snapshot': 5,
  'monitor-lifecycle': 5,
  'monitor-capabilities': 5,
  'monitor-extensions': 5,
  'monitor-analysis': 5,
  'monitor-lifecycle-api': 5,
  'monitor-wiring': 5,
  system: 6,
  cluster: 6,
  integrations: 6,
  dashboard: 6,
  testing: 6,
  index: 7,
  node: 7,
  express: 7,
  next: 7,
  redis: 7,
  postgres: 7,
  bullmq: 7,
  cli: 7,
};

/**
 * Upward imports known today, each type-only (nothing runs across them), to be removed:
 * - capabilities import the CapabilityContext their monitor hands them (capability.ts), whose
 *   `emit` is typed by the monitor's event map, which holds the capabilities' events;
 * - the notification dispatcher defines its counters through the metric registry's types.
 */
const KNOWN_UPWARD = new Set([
  'alerts -> capability',
  'health -> capability',
  'resilience -> capability',
  'jobs -> capability',
  'timeline -> capability',
  'sla -> capability',
  'notifiers -> metrics',
]);

function graph(): Map<string, string[]> {
  const files = readdirSync('src', { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join('src', f));
  const out = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/gms)) {
      // JSON is data, not a layer: the CLI reads its version from package.json (bundled at build time).
      if (m[1]!.endsWith('.json')) continue;
      deps.push(normalize(join(dirname(f), m[1]!)).replace(/\.js$/, '.ts'));
    }
    out.set(f, deps);
  }
  return out;
}

function layerOf(file: string): string {
  const path = relative('src', file);
  return path.includes('/') ? path.split('/')[0]! : path.replace(/\.ts$/, '');
}

describe('the import graph of src/', () => {
  const g = graph();

  it('reads every source file and its relative imports', () => {
    expect(g.size).toBeGreaterThan(150);
    expect(g.get(join('src', 'monitor-wiring.ts'))).toContain(join('src', 'core', 'diagnostics.ts'));
  });

  it('has a layer for every file', () => {
    const unknown = [...new Set([...g.keys()].map(layerOf))].filter((l) => LAYERS[l] === undefined);
    expect(unknown).toEqual([]);
  });

  it('has no import cycle, type-only imports included', () => {
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const cycles: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 1);
      stack.push(f);
      for (const d of g.get(f) ?? []) {
        if (!g.has(d)) continue;
        if (state.get(d) === 1) cycles.push([...stack.slice(stack.indexOf(d)), d].join(' -> '));
        else if (!state.has(d)) visit(d);
      }
      stack.pop();
      state.set(f, 2);
    };
    for (const f of g.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('has no upward import beyond the known type-only ones', () => {
    const upward: string[] = [];
    const seen = new Set<string>();
    for (const [f, deps] of g) {
      for (const d of deps) {
        const from = layerOf(f);
        const to = layerOf(d);
        if (LAYERS[to]! <= LAYERS[from]!) continue;
        const pair = `${from} -> ${to}`;
        seen.add(pair);
        if (!KNOWN_UPWARD.has(pair)) upward.push(`${f} -> ${d}`);
      }
    }
    expect(upward).toEqual([]);
    // A known exception that is gone leaves the list: it cannot come back unnoticed.
    expect([...KNOWN_UPWARD].filter((pair) => !seen.has(pair))).toEqual([]);
  });
});
