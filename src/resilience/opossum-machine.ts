import Opossum from 'opossum';
import type { ResolvedBreakerOptions } from './breaker-options.js';
import type { RotationSource } from './bucket-rotation.js';

/**
 * Creates the opossum breaker that serves as a pulsewatch breaker's state machine, with a
 * fresh options object: opossum assigns its defaults into the object it is given, and the
 * caller's options must stay as they were.
 */
export function createOpossum<A extends unknown[]>(
  name: string,
  action: (...args: A) => Promise<unknown>,
  options: ResolvedBreakerOptions,
  rotation: RotationSource,
): Opossum<A, unknown> {
  const windowed = options.errorThresholdPercentage !== undefined;
  return new Opossum<A, unknown>(action, {
    name,
    // Timeouts are ours, on one shared timer: opossum would arm a timer per call.
    timeout: false,
    resetTimeout: options.resetTimeout,
    // opossum applies its percentage rule only to calls it fires itself (open and half-open,
    // where a failure reopens whatever these say); on the lean path the rule is applied by us.
    errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
    volumeThreshold: windowed ? options.volumeThreshold : Number.MAX_SAFE_INTEGER,
    rollingCountTimeout: options.rollingCountTimeout,
    rollingCountBuckets: options.rollingCountBuckets,
    // Latency percentiles come from our histograms; opossum's would sort every latency per read.
    rollingPercentilesEnabled: false,
    // Snapshots would add a timer per breaker that nothing listens to.
    enableSnapshots: false,
    rotateBucketController: rotation as unknown as Opossum.Options['rotateBucketController'],
  });
}

/** True for an error opossum raised itself (a refused call: `EOPENBREAKER`), not one from the function. */
export function isOpossumError(error: unknown): error is Error & { code?: string } {
  return typeof error === 'object' && error !== null && Opossum.isOurError(error as Error);
}
