/**
 * `pulsewatch/testing`: helpers for testing code that uses pulsewatch.
 * @module
 */
export { ManualClock } from './testing/manual-clock.js';
export { capturingNotifier } from './testing/capturing-notifier.js';
export type { CapturingNotifier, CapturingNotifierOptions, CapturedCall } from './testing/capturing-notifier.js';
export { describeStorageAdapter } from './testing/storage-conformance.js';
export type { AdapterUnderTest, ConformanceApi, ConformanceOptions } from './testing/storage-conformance.js';
