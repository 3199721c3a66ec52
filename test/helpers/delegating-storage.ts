import type { StorageAdapter } from '../../src/storage/contract.js';

/**
 * A store that forwards every call to `inner` except those in `overrides`: a test double that
 * changes one behaviour (counting queries, failing reads) and keeps the rest real.
 */
export function delegatingStorage(inner: StorageAdapter, overrides: Partial<StorageAdapter> & { name: string }): StorageAdapter {
  return {
    writeRollups: (r, o) => inner.writeRollups(r, o),
    queryRollups: (q, o) => inner.queryRollups(q, o),
    tryAcquire: (k, t, o) => inner.tryAcquire(k, t, o),
    saveAlert: (a, o) => inner.saveAlert(a, o),
    queryAlerts: (q, o) => inner.queryAlerts(q, o),
    saveRule: (r, o) => inner.saveRule(r, o),
    deleteRule: (id, o) => inner.deleteRule(id, o),
    listRules: (o) => inner.listRules(o),
    saveDeadLetter: (d, o) => inner.saveDeadLetter(d, o),
    listDeadLetters: (q, o) => inner.listDeadLetters(q, o),
    deleteDeadLetter: (id, o) => inner.deleteDeadLetter(id, o),
    saveJobDeadLetter: (d, o) => inner.saveJobDeadLetter(d, o),
    listJobDeadLetters: (q, o) => inner.listJobDeadLetters(q, o),
    deleteJobDeadLetter: (id, o) => inner.deleteJobDeadLetter(id, o),
    purgeBefore: (t, o) => inner.purgeBefore(t, o),
    close: () => inner.close(),
    ...overrides,
  };
}
