// Starts a TypeScript worker thread: tsx's loader registered in this thread, then the entry
// (a worker's execArgv `--import tsx` does not reach its entry module on Node 20).
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
