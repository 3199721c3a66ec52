// A following instance copies a firing record's value and message from the store and also its
// generated summary, so its active list never pairs a new message with an old summary.
import { expect, it } from 'vitest';
import { fleet } from './fleet-support.js';
import { SECOND } from './support.js';

it('a follower shows the same summary as the evaluating instance stored', async () => {
  const f = fleet({ cooldown: '30s' });
  const a = await f.start(95);
  const b = await f.start(95);
  await f.evaluate(15 * SECOND, a, b); // a fires; b adopts (summary: ... = 95)
  a.cpu.set(97);
  b.cpu.set(97);
  await f.evaluate(30 * SECOND, a, b); // a refreshes to 97 in memory
  await f.evaluate(45 * SECOND, a, b); // a repeats (cooldown 30 s) and stores the record; b copies value/message
  const [stored] = await f.storage.queryAlerts({ status: 'firing' });
  const [onA] = a.s.monitor.alerts.getActiveAlerts();
  const [onB] = b.s.monitor.alerts.getActiveAlerts();
  expect(onA!.annotations.summary).toBe(`CPU high: ${onA!.message}`);
  expect(stored!.annotations.summary).toBe(`CPU high: ${stored!.message}`);
  expect(onB!.message).toBe(stored!.message);
  // Fails: b still shows the summary of the value it adopted ("... = 95 ...").
  expect(onB!.annotations.summary).toBe(stored!.annotations.summary);
  await a.s.monitor.close();
  await b.s.monitor.close();
});
