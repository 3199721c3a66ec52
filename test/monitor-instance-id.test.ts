/**
 * The `instanceId` option: compaction writes its merged rollups under a reserved instance
 * (`COMPACTED_INSTANCE`), so a monitor may not take it, or its own rollups would be read as, and
 * collide with, compacted ones.
 */
import { describe, expect, it } from 'vitest';
import { COMPACTED_INSTANCE, ConfigError, createMonitor } from '../src/index.js';

describe('instanceId', () => {
  it('refuses the id reserved for compacted rollups with a ConfigError naming the option', () => {
    let thrown: unknown;
    try {
      createMonitor({ instanceId: COMPACTED_INSTANCE });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toContain('instanceId');
    expect((thrown as ConfigError).message).toContain('reserved for compacted rollups');
  });

  it('takes any other well-formed id', async () => {
    const monitor = createMonitor({ instanceId: `${COMPACTED_INSTANCE}-not` });
    expect(monitor.instanceId).toBe(`${COMPACTED_INSTANCE}-not`);
    await monitor.close();
  });
});
