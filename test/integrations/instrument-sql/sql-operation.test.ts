import { describe, expect, it } from 'vitest';
import { OTHER_OPERATION, SQL_VERBS, sqlOperation } from '../../../src/integrations/instrument/sql-operation.js';
import { loadEdgeBundle } from '../../helpers/edge-bundle.js';

describe('sqlOperation', () => {
  it('reads the leading verb in upper case, past blanks, comments and parentheses', () => {
    expect(sqlOperation('select 1')).toBe('SELECT');
    expect(sqlOperation('  \n\tInsert INTO t VALUES (1)')).toBe('INSERT');
    expect(sqlOperation('-- list users\nSELECT * FROM users')).toBe('SELECT');
    expect(sqlOperation('/* app=api, route=/users */ UPDATE users SET x = 1')).toBe('UPDATE');
    expect(sqlOperation('/* outer /* nested */ still comment */ DELETE FROM t')).toBe('DELETE');
    expect(sqlOperation('((SELECT 1) UNION (SELECT 2))')).toBe('SELECT');
    expect(sqlOperation('WITH x AS (SELECT 1) SELECT * FROM x')).toBe('WITH');
    expect(sqlOperation(';BEGIN')).toBe('BEGIN');
  });

  it('gives OTHER to anything that is not a known verb, so no text of the statement becomes a label', () => {
    for (const sql of ["'password=hunter2'", 'sk_live_51H', 'selected_rows', 'x'.repeat(100), '', '   ', '-- only a comment', '/* unterminated', '12345', '"users"']) {
      expect(sqlOperation(sql)).toBe(OTHER_OPERATION);
    }
    expect(sqlOperation(undefined)).toBe(OTHER_OPERATION);
    expect(sqlOperation({ text: 'SELECT 1' })).toBe(OTHER_OPERATION);
  });

  it('reads only the first few thousand characters: a megabyte of comment costs no more', () => {
    const huge = `/* ${'x'.repeat(1_000_000)} */ SELECT 1`;
    expect(sqlOperation(huge)).toBe(OTHER_OPERATION);
    expect(sqlOperation(`${' '.repeat(10)}SELECT`)).toBe('SELECT');
  });

  it('labels with a few dozen values at most, every one a plain upper-case word', () => {
    expect(SQL_VERBS.size).toBeLessThan(80);
    for (const verb of SQL_VERBS) expect(verb).toMatch(/^[A-Z]{2,10}$/);
  });
});

describe('the edge-safe instrumentation', () => {
  it('bundles cacheMetrics and timedFetch for a platform without Node built-ins, and they run there', async () => {
    type Edge = typeof import('../../../src/integrations/instrument/cache.js') & typeof import('../../../src/integrations/instrument/fetch.js') & typeof import('../../../src/index.js');
    const { code, module } = await loadEdgeBundle<Edge>(
      "export { cacheMetrics } from './src/integrations/instrument/cache.ts'; export { timedFetch, instrumentFetch } from './src/integrations/instrument/fetch.ts'; export { createMonitor } from './src/index.ts';",
    );
    expect(code).not.toMatch(/from\s*["']node:|import\(["']node:/);
    const monitor = module.createMonitor({ service: 'edge' });
    const cache = module.cacheMetrics(monitor, 'kv');
    cache.hit();
    cache.miss();
    const fetch = module.timedFetch(monitor, async (_url: string) => ({ status: 200 }));
    await fetch('https://api.example.com/x');
    const text = monitor.exportPrometheusMetrics();
    expect(text).toContain('cache_hit_ratio{cache="kv"} 0.5');
    expect(text).toContain('http_client_requests_total{method="GET",host="api.example.com",status="200"} 1');
    await monitor.close();
  });
});
