import type { CapabilityContext } from '../capability.js';
import { ClosedError, ConfigError, NotFoundError, PulsewatchError, ValidationError } from '../core/errors.js';
import { parseOptions, validationErrorOf } from '../core/options.js';
import { bottlenecksOf, type Bottleneck } from './bottlenecks.js';
import { closeJobs, keepForLater } from './close.js';
import { DeadLetterBook, type JobDeadLetterRecord } from './dead-letters.js';
import { DeadLetterProcessor } from './dead-letter-processor.js';
import { Dedup, keyOf } from './dedup.js';
import { describeType, type JobTypeDescription } from './describe.js';
import { JobBaselines } from './baselines.js';
import { Handle, Job, type JobHandle } from './job.js';
import { JobMetrics } from './job-metrics.js';
import { enqueueOptionsSchema, type EnqueueOptions, type JobHandler, jobsOptionsSchema, type JobsOptions, type JobTypeOptions, jobTypeOptionsSchema, MAX_TYPE_LENGTH, PRIORITY_RANK, type ResolvedJobsOptions } from './options.js';
import { TypeQueue } from './type-queue.js';
import { type JobBaseline, type JobRegression, TypeStats } from './type-stats.js';

/** A defined job type: enqueue its jobs without naming it again. */
export interface JobType<P, R> {
  readonly type: string;
  enqueue(payload: P, options?: EnqueueOptions): Promise<JobHandle<R>>;
}

/** Seed 000's `createOptimizedFunction` config: a job type and its handler in one object. */
export interface OptimizedFunctionConfig<P, R> extends JobTypeOptions {
  /** The job type. */
  id: string;
  /** A display name (kept for seed 000's shape; the type is `id`). */
  name?: string;
  handler: JobHandler<P, R>;
}

/** What the health check reads (see `checks.jobs`). */
export interface JobsHealth {
  /** Percent of failed attempts among the recent ones of every type. */
  failureRate: number;
  attempts: number;
  /** Attempts running longer than `stuckAfter`. */
  stuck: number;
  /** Dead letters (pending and failed) as last counted. */
  deadLetters: number;
}

/**
 * `monitor.jobs`: an in-process job runner on p-queue (one queue per type) with retries,
 * timeouts, idempotency keys deduplicated fleet-wide, dead letters, and metrics, baselines and
 * bottlenecks kept as jobs run. All time goes through the monitor's clock.
 */
export class Jobs {
  readonly options: ResolvedJobsOptions;
  private readonly queues = new Map<string, TypeQueue>();
  private readonly metrics: JobMetrics;
  private readonly dedup: Dedup;
  private readonly book: DeadLetterBook;
  private readonly learned: JobBaselines;
  private readonly processor: DeadLetterProcessor;
  /** Ids unique across instances without a random call per job; drawn at the first job (no random value at construction: edge runtimes refuse one in global scope). */
  private idPrefix: string | undefined;
  private seq = 0;
  private closed: Promise<void> | undefined;
  /** Idempotency keys being claimed: close() waits for them (their jobs are accepted). */
  private readonly claims = new Set<Promise<unknown>>();

  constructor(
    private readonly ctx: CapabilityContext,
    options: JobsOptions = {},
  ) {
    this.options = parseOptions(jobsOptionsSchema, options, 'invalid jobs options');
    this.metrics = new JobMetrics(ctx.metrics);
    this.dedup = new Dedup(ctx, this.options.maxKeys);
    this.book = new DeadLetterBook(ctx);
    this.learned = new JobBaselines(ctx, () => [...this.queues.values()].map((q) => q.stats));
    this.processor = new DeadLetterProcessor(ctx, this.options, this.book, {
      typeOf: (type) => this.queues.get(type),
      retry: (letter) => this.retryLetter(letter),
    });
  }

  /**
   * Defines a job type. Throws a ConfigError naming the option (`concurrency`, `timeout`...) when
   * one is invalid, or when `type` is taken or past `maxTypes`.
   */
  define<P = unknown, R = unknown>(type: string, handler: JobHandler<P, R>, options: JobTypeOptions = {}): JobType<P, R> {
    if (typeof type !== 'string' || type.length === 0 || type.length > MAX_TYPE_LENGTH) throw new ConfigError(`jobs.define: type: must be a string of 1 to ${MAX_TYPE_LENGTH} characters`);
    if (typeof handler !== 'function') throw new ConfigError(`jobs.define("${type}"): handler: must be a function`);
    if (this.closed !== undefined) throw new ClosedError('jobs.define: the job runner is closed');
    if (this.queues.has(type)) throw new ConfigError(`jobs.define: type: "${type}" is defined already`);
    if (this.queues.size >= this.options.maxTypes) throw new ConfigError(`jobs.define: type: at most ${this.options.maxTypes} job types (jobs option maxTypes)`);
    const resolved = parseOptions(jobTypeOptionsSchema, options, `invalid options of job type "${type}"`);
    const stats = new TypeStats(type, this.options.window, this.options.baselineRuns, (b) => this.learned.learned(b), () => this.ctx.clock.now());
    const book = this.book;
    const queue: TypeQueue = new TypeQueue(
      type,
      handler as JobHandler,
      resolved,
      this.metrics.forType({
        type,
        waiting: () => queue.waitingCount,
        active: () => queue.active.length,
        delayed: () => queue.delayed.size,
        failed: () => book.count(type, 'failed'),
        deadLetter: () => book.count(type, 'pending'),
      }),
      stats,
      {
        clock: this.ctx.clock,
        random: this.options.random,
        failed: (job, error, cutShort) => this.processor.failed(job, error, cutShort || resolved.deadLetter),
        abandoned: (job, error) => keepForLater(this.processor, job, error),
        recovered: (job) => this.processor.recovered(job),
        internal: (error) => this.ctx.report(new PulsewatchError('ERR_PULSEWATCH_INTERNAL', `job runner of "${type}": ${String((error as Error)?.message ?? error)}`, { cause: error })),
      },
    );
    this.queues.set(type, queue);
    this.processor.start();
    void this.learned.restore().then(() => this.learned.apply());
    return { type, enqueue: (payload, o) => this.enqueue<R>(type, payload, o) };
  }

  /**
   * Enqueues a job of a defined type. Rejects with a ValidationError naming the field for an
   * unknown `type`, bad `options`, or a payload the type's `idempotencyKey` throws on; with a
   * ClosedError once `close()` began. The handle's `result` settles with the job's result.
   */
  enqueue<R = unknown>(type: string, payload: unknown, options?: EnqueueOptions): Promise<JobHandle<R>> {
    let job: Job;
    let queue: TypeQueue;
    try {
      queue = this.typeOrThrow(type);
      job = this.accept(queue, payload, options);
    } catch (error) {
      return Promise.reject(error);
    }
    // Without a key nothing waits on the store: the job is queued before enqueue returns.
    if (job.key === undefined) {
      queue.push(job);
      // The job is its own handle (see Job): one object per job.
      return Promise.resolve(job as unknown as JobHandle<R>);
    }
    return this.enqueueKeyed<R>(queue, job);
  }

  private typeOrThrow(type: string): TypeQueue {
    const queue = this.queues.get(type);
    if (queue === undefined) throw new ValidationError(`jobs.enqueue: type: ${JSON.stringify(String(type).slice(0, MAX_TYPE_LENGTH))} is not a defined job type`, [{ path: 'type', message: 'is not a defined job type' }]);
    if (this.closed !== undefined) throw new ClosedError('jobs.enqueue: the job runner is closed');
    return queue;
  }

  /** Validates the options and makes the job (not queued yet). Throws a ValidationError naming the field. */
  private accept(queue: TypeQueue, payload: unknown, options: EnqueueOptions | undefined): Job {
    let priority = queue.options.priority;
    let key: string | undefined;
    if (options !== undefined) {
      const parsed = enqueueOptionsSchema.safeParse(options);
      if (!parsed.success) throw validationErrorOf('jobs.enqueue: invalid options', parsed.error.issues.map((i) => ({ ...i, path: ['options', ...i.path] })));
      priority = parsed.data.priority ?? priority;
      key = parsed.data.idempotencyKey;
    }
    if (key === undefined && queue.options.idempotencyKey !== undefined) key = keyOf(queue.type, queue.options.idempotencyKey, payload);
    this.idPrefix ??= globalThis.crypto.randomUUID().slice(0, 8);
    return new Job(++this.seq, this.idPrefix, queue.type, payload, key, PRIORITY_RANK[priority]);
  }

  /** Claims the job's idempotency key (in memory, then through the store's lease) before queueing it. */
  private async enqueueKeyed<R>(queue: TypeQueue, job: Job): Promise<JobHandle<R>> {
    const claiming = this.dedup.claim(queue.type, job.key!, queue.options.idempotencyTtl, job);
    this.claims.add(claiming);
    let claim: Awaited<typeof claiming>;
    try {
      claim = await claiming;
    } finally {
      this.claims.delete(claiming);
    }
    if (!claim.owner) {
      queue.metrics.dedupHit();
      job.resolve(undefined);
      const first = claim.job;
      return new Handle(first?.id ?? job.id, queue.type, true, first ?? job) as JobHandle<R>;
    }
    if (this.closed !== undefined) {
      // Accepted, and its key now taken fleet-wide for the TTL: refused here, it would be a
      // duplicate everywhere and never run. Kept in the dead letters like a waiting job.
      const error = new ClosedError('the job runner closed while the job\'s idempotency key was being taken; it is kept in the dead letters');
      this.processor.failed(job, error, true);
      job.reject(error);
    } else queue.push(job);
    return job as unknown as JobHandle<R>;
  }

  /**
   * Seed 000's wrapper: defines `config.id` as a job type and returns a function that enqueues a
   * job and resolves with its result (`undefined` when its idempotency key ran elsewhere).
   */
  createOptimizedFunction<P, R>(config: OptimizedFunctionConfig<P, R>): (payload: P, options?: EnqueueOptions) => Promise<R | undefined> {
    if (typeof config !== 'object' || config === null) throw new ConfigError('jobs.createOptimizedFunction: config: must be an object');
    const { id, name: _name, handler, ...options } = config;
    const type = this.define<P, R>(id, handler, options);
    return async (payload, o) => (await type.enqueue(payload, o)).result;
  }

  /** The job dead letters: list, retry one or all, delete, and run the processor now. */
  readonly deadLetters = {
    /** Letters oldest first, optionally of one job type. Rejects with a StorageError. */
    list: (query?: { job?: string; limit?: number }): Promise<JobDeadLetterRecord[]> => this.book.list(query),
    /** Runs letter `id` once more now; rejects with a NotFoundError for an unknown letter or a type not defined here. */
    retry: async (id: string): Promise<JobHandle> => {
      const letter = await this.book.get(id);
      if (letter === undefined) throw new NotFoundError('job dead letter', id);
      return this.retryLetter(letter);
    },
    /** Retries every letter (of `job` if given) whose type is defined here; returns their handles. */
    retryAll: async (query?: { job?: string }): Promise<JobHandle[]> => {
      const letters = await this.book.list(query);
      const handles: JobHandle[] = [];
      // A letter of a type not defined here, or one being retried already, is left as it is.
      for (const l of letters) if (this.queues.has(l.job) && this.processor.begin(l.id)) handles.push(this.retryLetter(l, true));
      return handles;
    },
    /** Deletes letter `id` (a retry of it running now leaves it deleted); false when there was none. Rejects with a StorageError. */
    delete: async (id: string): Promise<boolean> => {
      const letter = await this.book.get(id);
      if (letter === undefined) return false;
      const existed = await this.book.remove(letter);
      if (existed) this.processor.forget(id);
      return existed;
    },
    /** One run of the scheduled processor (seed 000's hourly run): purge, then retry. */
    process: () => this.processor.run(),
  };

  /** The learned baselines (restored from the store first). */
  async baselines(): Promise<JobBaseline[]> {
    await this.learned.restore();
    return [...this.queues.values()].map((q) => q.stats.baseline).filter((b): b is JobBaseline => b !== undefined);
  }

  /** Types whose last `baselineRuns` successful runs are slower than their baseline by more than `regressionThreshold` percent. */
  regressions(): JobRegression[] {
    return [...this.queues.values()].map((q) => q.stats.regression(this.options.regressionThreshold)).filter((r): r is JobRegression => r !== undefined);
  }

  /** Seed 000's bottlenecks over each type's recent attempts, most severe first. */
  bottlenecks(): Bottleneck[] {
    return bottlenecksOf([...this.queues.values()].map((q) => ({ type: q.type, ...q.stats.recent() })), this.options.bottlenecks);
  }

  /**
   * A defined type's options as applied (defaults filled in, durations in ms) and its state now:
   * attempts running, jobs waiting by priority, in a retry's backoff, the peak concurrency since
   * it was defined, its dead letters. Undefined for a type not defined here.
   */
  describe(type: string): JobTypeDescription | undefined {
    const queue = this.queues.get(type);
    return queue === undefined ? undefined : describeType(queue, this.book);
  }

  /** {@link Jobs.describe} of every defined type, in the order they were defined. */
  types(): JobTypeDescription[] {
    return [...this.queues.values()].map((q) => describeType(q, this.book));
  }

  /** What `checks.jobs` grades. */
  health(): JobsHealth {
    const now = this.ctx.clock.monotonic();
    let attempts = 0;
    let failures = 0;
    let stuck = 0;
    let deadLetters = 0;
    for (const q of this.queues.values()) {
      const r = q.stats.recent();
      attempts += r.attempts;
      failures += (r.failureRate / 100) * r.attempts;
      for (const job of q.active) if (now - job.at > this.options.stuckAfter) stuck++;
      deadLetters += this.book.count(q.type, 'pending') + this.book.count(q.type, 'failed');
    }
    return { failureRate: attempts === 0 ? 0 : Math.round((failures / attempts) * 10_000) / 100, attempts, stuck, deadLetters };
  }

  /**
   * Stops taking jobs, lets running attempts finish for up to `closeTimeout`, and writes every
   * job not finished (waiting, in a retry's backoff, or still running past the bound) to the
   * dead letters, so nothing accepted is lost. Their handles reject with a ClosedError. Never rejects.
   */
  close(): Promise<void> {
    this.closed ??= closeJobs({
      ctx: this.ctx,
      timeout: this.options.closeTimeout,
      queues: [...this.queues.values()],
      claims: () => [...this.claims],
      processor: this.processor,
      book: this.book,
      flushBaselines: () => this.learned.settle(),
    });
    return this.closed;
  }

  /** Queues one more run of `letter`; `begun`: the caller marked it in flight already. */
  private retryLetter(letter: JobDeadLetterRecord, begun = false): JobHandle {
    const queue = this.queues.get(letter.job);
    if (queue === undefined) throw new NotFoundError('job type', letter.job);
    if (this.closed !== undefined) throw new ClosedError('jobs.deadLetters.retry: the job runner is closed');
    if (!begun && !this.processor.begin(letter.id)) throw new ValidationError(`jobs.deadLetters.retry: id: dead letter "${letter.id}" is being retried already`, [{ path: 'id', message: 'is being retried already' }]);
    const job = new Job(letter.id, '', letter.job, letter.data, letter.idempotencyKey, PRIORITY_RANK[letter.priority ?? queue.options.priority], letter, letter.attempts);
    queue.push(job);
    return job as unknown as JobHandle;
  }
}
