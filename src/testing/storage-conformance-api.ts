import type { PartialStorage } from '../storage/contract.js';

/** The test functions the suite registers with: vitest's or jest's. */
export interface ConformanceApi {
  describe: (name: string, fn: () => void) => void;
  it: (name: string, fn: () => Promise<void> | void, timeout?: number) => void;
  /** vitest/jest `expect`; the suite uses only matchers both have. */
  expect: (actual: unknown) => any;
  beforeEach: (fn: () => Promise<void> | void) => void;
  afterEach: (fn: () => Promise<void> | void) => void;
}

/** One adapter instance for one test. */
export interface AdapterUnderTest {
  /** A fresh, empty store: every test starts from nothing. It plays the roles the options declare. */
  storage: PartialStorage;
  /**
   * Moves the adapter's own notion of time forward (adapters with an injected clock, like
   * MemoryStorage's `now`). Time-based cases (lease expiry) run only when given.
   */
  advance?: (ms: number) => void | Promise<void>;
  /** Current time on that clock (ms); default Date.now. */
  now?: () => number;
  /**
   * Runs after each test: drop keys, schemas... (close() is called by the suite itself first,
   * and may have been called by the test).
   */
  cleanup?: () => Promise<void>;
}
