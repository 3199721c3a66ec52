/**
 * One worker of the cluster tests: a `cluster` worker process (plan in PULSEWATCH_WORKER_PLAN)
 * or a worker thread (plan in workerData, started through thread-boot.mjs). It records its plan
 * on a monitor that writes through its primary (`primaryStorage`) and answers it
 * (`reportToPrimary`), then tells the test it is ready. On `{ cmd: 'close' }` it closes its
 * monitor (which sends its final state) and exits.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createMonitor } from '../../src/index.js';
import { primaryStorage, reportToPrimary } from '../../src/node.js';
import { ManualClock } from '../../src/testing.js';
import { record, type WorkerPlan } from './plan.js';

const plan: WorkerPlan = isMainThread ? (JSON.parse(process.env.PULSEWATCH_WORKER_PLAN!) as WorkerPlan) : (workerData as { plan: WorkerPlan }).plan;
const clock = new ManualClock(plan.now);
const monitor = createMonitor({ service: 'cluster-test', clock, storage: primaryStorage({ clock }) });
monitor.on('error', (e) => console.error(`worker ${plan.index}: ${e.message}`));
record(monitor, plan);
reportToPrimary(monitor);

const send = (message: unknown): void => {
  if (isMainThread) process.send!(message);
  else parentPort!.postMessage(message);
};
const onCommand = (message: unknown): void => {
  if ((message as { cmd?: unknown })?.cmd !== 'close') return;
  void monitor.close().then(() => {
    send({ closed: plan.index });
    if (isMainThread) process.disconnect();
    else parentPort!.off('message', onCommand);
  });
};
if (isMainThread) process.on('message', onCommand);
else parentPort!.on('message', onCommand);
send({ ready: plan.index });
