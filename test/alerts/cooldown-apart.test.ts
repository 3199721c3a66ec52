// Instances evaluating apart (`sharedEvaluation: false`) share the cooldown lease, so they send
// one notification per cooldown between them (docs/fleet.md). A lease shortened by one
// evaluation interval (for the evaluating instance's repeat timing) let two such instances
// notify an interval apart: 7 messages in 90 s for a 30 s cooldown.
import { describe, expect, it } from 'vitest';
import { MINUTE, SECOND } from './support.js';
import { fleet } from './fleet-support.js';

describe('two instances evaluating apart', () => {
  it.each([['30s', 30 * SECOND], ['5m', 5 * MINUTE]])('send one notification per cooldown (%s) between them, each repeat on time', async (cooldown, ms) => {
    const f = fleet({ cooldown }, { alerts: { sharedEvaluation: false } });
    const a = await f.start();
    await f.evaluate(0, a);
    // b starts one interval before the cooldown ends: its alert fires while a's lease would still hold.
    const b = await f.start();
    for (let t = 15 * SECOND; t <= 3 * ms; t += 15 * SECOND) await f.evaluate(t, ...(t >= ms - 15 * SECOND ? [a, b] : [a]));
    // At 0, cooldown, 2 x cooldown and 3 x cooldown: one each, from either instance.
    const at = f.sent('firing').map((n) => (n as unknown as { createdAt: number }).createdAt).sort((x, y) => x - y);
    expect(at).toHaveLength(4);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(ms);
  });
});
