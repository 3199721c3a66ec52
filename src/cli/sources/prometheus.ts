import { z } from 'zod';
import type { Budget } from '../budget/budget.js';
import type { Reading } from '../budget/evaluate.js';
import { CliInputError, SourceResponseError } from '../errors.js';
import { displayUrl, getText, parseJson, printable, type HttpOptions } from './http.js';
import { budgetQuery } from './promql.js';
import type { Source } from './source.js';

/** The instant-query answer (`GET /api/v1/query`), success or error. */
const vectorSchema = z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }));

const answerSchema = z.union([
  z.object({
    status: z.literal('success'),
    data: z.object({
      resultType: z.string(),
      result: z.unknown(),
    }),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);

/**
 * Reads budgets from a Prometheus server's HTTP API (`/api/v1/query`): one instant query per
 * budget, built by {@link budgetQuery} over pulsewatch's exposition names, so a check works for
 * every service Prometheus scrapes. Prometheus computes over the samples it scraped, so the
 * window should span a few scrape intervals.
 */
export function prometheusSource(base: string, http: HttpOptions): Source {
  const root = new URL(base.endsWith('/') ? base : `${base}/`);
  const url = displayUrl(root);
  return {
    kind: 'prometheus',
    url,
    async read(budget: Budget, signal?: AbortSignal): Promise<Reading> {
      let query: string;
      try {
        query = budgetQuery(budget);
      } catch (error) {
        if (error instanceof CliInputError) return { kind: 'error', error };
        throw error;
      }
      const target = new URL('api/v1/query', root);
      target.searchParams.set('query', query);
      const { status, body } = await getText(target, { ...http, signal: signal ?? http.signal }, 'application/json');
      if (status === 404) throw new SourceResponseError(`${displayUrl(target)} answered 404: is ${url} a Prometheus server's address (e.g. http://prometheus:9090)?`, 404);
      const parsed = answerSchema.safeParse(parseJson(body, target, "Prometheus' query API JSON"));
      if (!parsed.success) throw new SourceResponseError(`${displayUrl(target)} did not answer Prometheus' query API JSON (status ${status})`, status);
      const answer = parsed.data;
      if (answer.status === 'error') {
        // 400 bad_data and 422 execution errors are about this query; anything else is the server's.
        const message = `Prometheus refused ${query}: ${answer.errorType ?? 'error'}: ${printable(answer.error ?? '')}`;
        if (status === 400 || status === 422) return { kind: 'error', error: new CliInputError(budget.field, message) };
        throw new SourceResponseError(message, status);
      }
      const vector = answer.data.resultType === 'vector' ? vectorSchema.safeParse(answer.data.result) : undefined;
      if (!vector?.success) throw new SourceResponseError(`Prometheus answered a ${printable(answer.data.resultType, 40)} for ${query}, expected a vector`);
      const samples = vector.data;
      if (samples.length === 0) return { kind: 'nodata', reason: `no ${budget.metric} series in Prometheus for ${query}` };
      if (samples.length > 1) return { kind: 'error', error: new CliInputError(budget.field, `${query} answered ${samples.length} series, expected one`) };
      const value = promFloat(samples[0]!.value[1]);
      if (Number.isNaN(value)) return { kind: 'nodata', reason: `no ${budget.metric} samples in the window (the query answered NaN)` };
      return { kind: 'value', value };
    },
  };
}

/**
 * A sample value as Prometheus writes it: Go's float formatting, so infinities are `+Inf` and
 * `-Inf`, which `Number()` reads as NaN. A quantile past the last finite bucket is `+Inf`: the
 * worst latency there is, never "no data".
 */
export function promFloat(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}
