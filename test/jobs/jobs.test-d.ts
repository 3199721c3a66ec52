import { describe, expectTypeOf, it } from 'vitest';
import type { JobTypeDescription } from '../../src/jobs/describe.js';
import type { JobHandle } from '../../src/jobs/job.js';
import type { Jobs } from '../../src/jobs/jobs.js';
import type { JobTypeOptions } from '../../src/jobs/options.js';

declare const jobs: Jobs;

describe('jobs types', () => {
  it('types the handle result by the handler, and a duplicate as possibly undefined', async () => {
    const generate = jobs.define('content-generation', async (p: { topic: string }) => `post about ${p.topic}`);
    const handle = await generate.enqueue({ topic: 'jobs' });
    if (handle.deduplicated) expectTypeOf(handle.result).toEqualTypeOf<Promise<string | undefined>>();
    else expectTypeOf(handle.result).toEqualTypeOf<Promise<string>>();
    expectTypeOf(jobs.enqueue<number>('x', 1)).toEqualTypeOf<Promise<JobHandle<number>>>();
  });

  it('takes seed 000 options, priorities in either case', () => {
    expectTypeOf<{ concurrency: 5; priority: 'HIGH'; retries: 0 }>().toMatchTypeOf<JobTypeOptions>();
    expectTypeOf<{ priority: 'urgent' }>().not.toMatchTypeOf<JobTypeOptions>();
    const fn = jobs.createOptimizedFunction({ id: 'export-data', concurrency: 3, priority: 'low', handler: (p: number) => p * 2 });
    expectTypeOf(fn).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(fn).returns.toEqualTypeOf<Promise<number | undefined>>();
  });

  it('reads a type back with its options typed as applied', () => {
    const described = jobs.describe('export-data');
    expectTypeOf(described).toEqualTypeOf<JobTypeDescription | undefined>();
    expectTypeOf(jobs.types()).toEqualTypeOf<JobTypeDescription[]>();
    expectTypeOf<JobTypeDescription['options']['priority']>().toEqualTypeOf<'high' | 'medium' | 'low'>();
    expectTypeOf<JobTypeDescription['options']['timeout']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<JobTypeDescription['state']['waiting']>().toEqualTypeOf<{ high: number; medium: number; low: number }>();
  });
});
