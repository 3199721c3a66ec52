/**
 * `pulsewatch/testing`: helpers for testing code that uses pulsewatch.
 * @module
 */
export { ManualClock } from './testing/manual-clock.js';
