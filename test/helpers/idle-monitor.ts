/**
 * Child-process fixture for the liveness tests in test/monitor-lifecycle.test.ts. Creates a
 * monitor on the system clock, records, and then does nothing more: the process must exit by
 * itself. Usage: `node --import tsx test/helpers/idle-monitor.ts <idle|failing|closing>`.
 */
import { createMonitor } from '../../src/monitor.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import type { Rollup, StorageAdapter } from '../../src/storage/contract.js';
import { delegatingStorage } from './delegating-storage.js';

const mode = process.argv[2] ?? 'idle';

/** A store whose first `failures` writes fail. */
function unreliable(failures: number): StorageAdapter & { written: number } {
  const inner = new MemoryStorage();
  const store = Object.assign(delegatingStorage(inner, { name: 'unreliable' }), { written: 0 });
  store.writeRollups = async (rollups: readonly Rollup[]) => {
    if (failures-- > 0) throw new Error('storage is down');
    await inner.writeRollups(rollups);
    store.written += rollups.length;
  };
  return store;
}

function record(monitor: ReturnType<typeof createMonitor>): void {
  monitor.histogram({ name: 'child_duration_seconds', labelNames: ['route'] }).observe(0.25, { route: '/a' });
  monitor.counter({ name: 'child_requests_total' }).inc();
  monitor.gauge({ name: 'child_queue_depth' }).set(3);
}

if (mode === 'idle') {
  record(createMonitor({ service: 'child' }));
  console.log('recorded');
} else if (mode === 'failing') {
  // Storage is down: a retry timer is pending when the script ends.
  const monitor = createMonitor({ storage: unreliable(Infinity) });
  monitor.on('error', () => {});
  record(monitor);
  await monitor.flush();
  console.log(`recorded, buffered=${monitor.bufferedRollups}`);
} else if (mode === 'closing') {
  // close() must hold the process until its retry (1 s later) has written the data.
  const storage = unreliable(1);
  const monitor = createMonitor({ storage, flush: { retry: { initialDelay: 500 } } });
  monitor.on('error', () => {});
  record(monitor);
  void monitor.close().then(() => console.log(`closed, written=${storage.written}`));
} else {
  throw new Error(`unknown mode ${mode}`);
}
