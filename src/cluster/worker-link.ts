import type { Endpoint, WorkerHandle } from './endpoint.js';
import type { FamilyState } from './state.js';

/** One attached worker as the primary sees it. */
export interface WorkerLink {
  /** Unique among the attachments of one primary (labels of different kinds of handle may repeat). */
  readonly key: string;
  /** The worker's name in reports and `per-worker` gauges: cluster worker id, thread id, pid. */
  readonly label: string;
  readonly endpoint: Endpoint;
  /** What was attached (a handle is attached once). */
  readonly handle: WorkerHandle;
  /** True once the worker said hello (it called `reportToPrimary`): only these are asked for state. */
  joined: boolean;
  /** The worker monitor's instanceId, from its hello. */
  instanceId: string | undefined;
  /** Its last valid state: used when it misses a scrape, kept (counters, histograms) when it exits. */
  last: FamilyState[] | undefined;
  /** The state request in flight, shared by scrapes that overlap. */
  collecting: Promise<void> | undefined;
  /** Storage calls of this worker being served now. */
  storageCalls: number;
  /** Stops listening to the worker. */
  stop(): void;
}
