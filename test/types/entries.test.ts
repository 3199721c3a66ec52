import { describe, expect, it } from 'vitest';
import * as main from '../../src/index.js';
import * as express from '../../src/express.js';
import * as next from '../../src/next.js';
import * as node from '../../src/node.js';
import * as postgres from '../../src/postgres.js';
import * as redis from '../../src/redis.js';
import * as testing from '../../src/testing.js';

const ENTRIES = { main, node, testing, redis, postgres, express, next } as Record<string, Record<string, unknown>>;

describe('what the entries export at runtime', () => {
  it('exports no zod schema', () => {
    for (const [entry, mod] of Object.entries(ENTRIES)) {
      expect(Object.keys(mod).filter((k) => /Schema$/.test(k)), entry).toEqual([]);
    }
  });

  it('exports no engine class, and Monitor only as a type (createMonitor validates)', () => {
    const internal = ['Monitor', 'AlertEngine', 'HealthRegistry', 'BreakerRegistry', 'NotificationDispatcher', 'Counter', 'Gauge', 'Histogram', 'SystemMonitor', 'AttachedWorkers', 'PrimaryStorage'];
    for (const [entry, mod] of Object.entries(ENTRIES)) {
      expect(Object.keys(mod).filter((k) => internal.includes(k)), entry).toEqual([]);
    }
    expect(typeof main.createMonitor).toBe('function');
  });

  it('keeps the factories, error classes and documented helpers', () => {
    for (const name of ['createMonitor', 'createMonitoringHandler', 'MemoryStorage', 'checks', 'rulePacks', 'webhookNotifier', 'slackNotifier', 'alertmanagerNotifier', 'consoleNotifier', 'PulsewatchError', 'ValidationError', 'isPulsewatchError', 'verifyWebhookSignature', 'healthHttpStatus', 'partitionRollups', 'withLocalRoles']) {
      expect(main, name).toHaveProperty(name);
    }
    expect(Object.keys(node)).toEqual(expect.arrayContaining(['createNodeMonitoringHandler', 'httpMetrics', 'systemMonitor', 'emailNotifier', 'attachWorkers', 'reportToPrimary', 'primaryStorage']));
    expect(Object.keys(testing).sort()).toEqual(['ManualClock', 'capturingNotifier', 'describeStorageAdapter']);
  });
});
