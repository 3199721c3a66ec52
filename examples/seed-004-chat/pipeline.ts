// Seed 004's chat pipeline: the API queues a message, a worker (concurrency 10, its
// WORKER_CONCURRENCY) picks it up and generates the answer, and the answer is sent to Chatwoot.
// Each step marks the message's timeline where it happens: queued -> started -> completed ->
// delivered (seed 004's queue add, worker start, worker complete and Chatwoot send timestamps).
//
// Time is compressed: the seed's latencies are seconds, and a run lasts a few. Each message
// carries the full-scale times of its phases (drawn from the seed's expected figures) and every
// mark passes its time as `at`, as docs/sla.md says to do when the times travel with the
// message; the real work sleeps 1/SCALE of them, so the queue, worker and sends really run.
import type { Timeline } from 'pulsewatch';

/** Real time is this many times shorter than the times the messages carry. */
export const SCALE = 200;
export const WORKER_CONCURRENCY = 10;

/** How Chatwoot behaves: seed 004's normal figures, or its "Chatwoot API > 2000ms" incident. */
export type ChatwootMode = 'healthy' | 'slow';

/** A message in the queue, with its full-scale phase durations (ms). */
interface Message {
  id: string;
  queuedAt: number;
  queueWait: number;
  processing: number;
  send: number;
  /** A worker restart lost its queue timestamp: it is delivered without `queued` (partial). */
  lostQueueTime: boolean;
  /** Chatwoot refused it: never delivered (an open entry until its TTL, then partial). */
  sendFails: boolean;
}

/** Counts of what the pipeline did. */
export interface PipelineCounts {
  queued: number;
  delivered: number;
  failedSends: number;
}

/** The pipeline: `send()` queues a message; `drain()` waits for the queue to empty. */
export class ChatPipeline {
  readonly counts: PipelineCounts = { queued: 0, delivered: 0, failedSends: 0 };
  mode: ChatwootMode = 'healthy';
  private readonly queue: Message[] = [];
  private running = 0;
  private seq = 0;
  private slowSeq = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly timeline: Timeline) {}

  /** The API's side: queue a message of `conversationId` (marks `queued`). */
  send(conversationId: number): void {
    const n = ++this.seq;
    const slow = this.mode === 'slow';
    const severe = slow && ++this.slowSeq % 10 === 0; // seed 004's "> 30s: severe"
    const send = severe ? 35_000 : slow ? logNormal(7_000, 0.2) : logNormal(350, 0.35);
    const m: Message = {
      id: `${conversationId}:m-${n}`, // `<conversationId>:<messageId>`: ?conversationId= filters on it
      queuedAt: 0,
      queueWait: logNormal(200, 0.35),
      processing: logNormal(1_000, 0.35),
      send,
      lostQueueTime: n % 40 === 0,
      sendFails: n % 50 === 25,
    };
    // Backdated so the last phase's time is now, never in the future: the full-scale story ends
    // as the real one does.
    m.queuedAt = Date.now() - (m.queueWait + m.processing + m.send);
    if (!m.lostQueueTime) this.timeline.mark(m.id, 'queued', m.queuedAt);
    this.counts.queued++;
    this.queue.push(m);
    this.pump();
  }

  /** Resolves when nothing is queued or in a worker. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (this.running < WORKER_CONCURRENCY && this.queue.length > 0) {
      const m = this.queue.shift()!;
      this.running++;
      void this.work(m).finally(() => {
        this.running--;
        this.pump();
        if (this.queue.length === 0 && this.running === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  /** The worker: generate the answer, then send it to Chatwoot. */
  private async work(m: Message): Promise<void> {
    const started = m.queuedAt + m.queueWait;
    this.timeline.mark(m.id, 'started', started);
    await sleep(m.processing / SCALE); // the AI's answer
    this.timeline.mark(m.id, 'completed', started + m.processing);
    await sleep(m.send / SCALE); // Chatwoot's API
    if (m.sendFails) {
      this.counts.failedSends++;
      return;
    }
    this.timeline.mark(m.id, 'delivered', started + m.processing + m.send);
    this.counts.delivered++;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Latencies are log-normal: a median and a long right tail. */
function logNormal(median: number, sigma: number): number {
  const u = 1 - Math.random();
  const v = Math.random();
  return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}
