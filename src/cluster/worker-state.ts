import { seriesProblem, withinCounts, type familiesSchema, type FamilyState } from './state.js';
import type { Misses } from './misses.js';
import type { ResolvedAttachWorkersOptions } from './options.js';

/**
 * `families` (a state a worker sent) if it is within the bounds and of the right shape; else the
 * miss is counted and reported, and undefined: a worker's bad state is never merged.
 */
export function checkedState(families: unknown, label: string, schema: ReturnType<typeof familiesSchema>, options: ResolvedAttachWorkersOptions, misses: Misses): FamilyState[] | undefined {
  if (!withinCounts(families, options)) {
    misses.miss('collect', 'limit', `worker ${label} sent a state past maxFamilies or maxSeries; not merged`, { option: 'maxSeries', max: options.maxSeries });
    return undefined;
  }
  const parsed = schema.safeParse(families);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  const problem = parsed.success ? seriesProblem(parsed.data, options) : `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`;
  if (problem === undefined) return parsed.data as FamilyState[];
  misses.miss('collect', 'invalid', `worker ${label} sent an invalid state (${problem}); not merged`);
  return undefined;
}
