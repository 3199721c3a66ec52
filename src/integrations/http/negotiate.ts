import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from '../../metrics/exposition/format.js';
import { HttpError } from './errors.js';

/** What `GET /metrics` can answer in. */
export type MetricsFormat = 'json' | 'prometheus' | 'openmetrics';

/** Content-Type of each {@link MetricsFormat}. */
export const METRICS_CONTENT_TYPES: Readonly<Record<MetricsFormat, string>> = {
  json: 'application/json; charset=utf-8',
  prometheus: PROMETHEUS_CONTENT_TYPE,
  openmetrics: OPENMETRICS_CONTENT_TYPE,
};

// Listed in the order that wins a tie: a bare `*/*` (curl, browsers' fetch) gets JSON.
const OFFERS: readonly { format: MetricsFormat; type: string; subtype: string }[] = [
  { format: 'json', type: 'application', subtype: 'json' },
  { format: 'openmetrics', type: 'application', subtype: 'openmetrics-text' },
  { format: 'prometheus', type: 'text', subtype: 'plain' },
];

interface Range {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): Range[] {
  const ranges: Range[] = [];
  for (const part of header.split(',')) {
    const [media, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const [type, subtype] = (media ?? '').split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=').map((s) => s.trim());
      if (key === 'q') q = Math.min(1, Math.max(0, Number(value) || 0));
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/**
 * The format of a `GET /metrics` answer: `?format=` if given, else the Accept header's best
 * offer (RFC 9110: the most specific matching range sets an offer's q; highest q wins). Prometheus
 * asks for OpenMetrics first, so a scrape gets OpenMetrics; no Accept header, or `*\/*`, gets JSON.
 */
export function negotiateMetricsFormat(format: string | null, accept: string | null): MetricsFormat {
  if (format !== null) {
    if (format === 'json' || format === 'prometheus' || format === 'openmetrics') return format;
    throw new HttpError(400, 'VALIDATION_FAILED', `format must be "json", "prometheus" or "openmetrics", got ${JSON.stringify(format.slice(0, 50))}`, {
      issues: [{ path: 'format', message: 'must be "json", "prometheus" or "openmetrics"' }],
    });
  }
  if (accept === null || accept.trim() === '') return 'json';
  const ranges = parseAccept(accept);
  let best: { format: MetricsFormat; q: number } | undefined;
  for (const offer of OFFERS) {
    let q = -1;
    let specificity = -1;
    for (const r of ranges) {
      const s = r.type === offer.type && r.subtype === offer.subtype ? 2 : r.type === offer.type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
      if (s > specificity) {
        specificity = s;
        q = r.q;
      }
    }
    if (q > 0 && (best === undefined || q > best.q)) best = { format: offer.format, q };
  }
  if (best === undefined) {
    throw new HttpError(406, 'NOT_ACCEPTABLE', 'metrics are available as application/json, application/openmetrics-text or text/plain');
  }
  return best.format;
}
