import { matchesLabels } from '../../core/labels.js';
import type { Rollup, RollupQuery } from '../contract.js';
import type { SideFailureReporter } from '../side-failures.js';
import { ChangeLineDecoder } from './redis-change-lines.js';
import { decodeSeriesLabels } from './redis-codec.js';
import { exec } from './redis-exec.js';
import type { RedisKeys } from './redis-keys.js';
import { bound, type RedisClient } from './redis-rollups.js';
import { EXAMPLE_BYTES, SkippedValues } from '../skipped-values.js';

/**
 * Reads rollups in two round trips: the series index (only series with a slot ending after
 * `from`, filtered by the label matchers here), the longest slot length and the compacted spans
 * whose latest end is after `from`; then one ZRANGEBYSCORE per matching series over
 * `(from - longest, to)`.
 */
export async function queryRollupWindow(
  client: RedisClient,
  keys: RedisKeys,
  query: RollupQuery,
  cutoff: number,
  decoder = new ChangeLineDecoder(),
  report: SideFailureReporter = () => {},
): Promise<Rollup[]> {
  const from = Math.max(query.from ?? -Infinity, cutoff);
  const to = query.to ?? Infinity;
  if (Number.isNaN(from) || Number.isNaN(to) || to === -Infinity) return [];
  // Compacted spans widen the bound only when one ended after `from` (a read of the last minutes
  // does not scan a day back because days were compacted long ago).
  const [members, longest, spans] = (await exec(
    client
      .pipeline()
      .zrangebyscore(keys.index(query.name), bound(from, true), '+inf')
      .zrevrange(keys.lengths(query.name), 0, 0)
      .zrangebyscore(keys.compactedSpans(query.name), bound(from, true), '+inf'),
  )) as [string[], string[], string[]];
  // A series or member that does not decode (a torn or foreign write) is skipped and reported, not the read.
  const skipped = new SkippedValues('RedisStorage');
  const name = JSON.stringify(query.name);
  const done = (): void => {
    skipped.reportTo(report, 'queryRollups', `stored value of ${name} (series labels or rollup)`, `stored values of ${name} (series labels or rollups)`);
  };
  const matched: { labelsJson: string; labels: Record<string, string> }[] = [];
  for (const labelsJson of members) {
    let labels: Record<string, string>;
    try {
      labels = decodeSeriesLabels(labelsJson);
    } catch (error) {
      skipped.add(labelsJson, error);
      continue;
    }
    if (matchesLabels(labels, query.labels as Record<string, string> | undefined)) matched.push({ labelsJson, labels });
  }
  if (matched.length === 0) {
    done();
    return [];
  }
  let length = Number(longest[0] ?? 0);
  for (const span of spans) length = Math.max(length, Number(span));
  const pipe = client.pipeline();
  // Members as bytes, decoded from them (redis-change-lines.ts): a full read of 10,000 series over 5 minutes is 100,000 of them.
  for (const m of matched) pipe.zrangebyscoreBuffer(keys.series(query.name, m.labelsJson), bound(from - length, true), bound(to, true));
  const results = (await exec(pipe)) as Buffer[][];
  const out: Rollup[] = [];
  results.forEach((list, i) => {
    const { labels } = matched[i]!;
    for (const member of list) {
      let r: Rollup;
      try {
        r = decoder.decodeMember(member, 0, member.length, query.name, labels);
      } catch (error) {
        skipped.add(member.toString('utf8', 0, Math.min(member.length, EXAMPLE_BYTES)), error);
        continue;
      }
      if (r.end > from && r.start < to) out.push(r);
    }
  });
  done();
  return out.sort((a, b) => a.start - b.start);
}

