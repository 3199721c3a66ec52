import type { RedisKeys } from './redis-keys.js';
import type { RedisClient } from './redis-rollups.js';
import { exec } from './redis-exec.js';
import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from '../records.js';
import type { SideFailureReporter } from '../side-failures.js';
import { SkippedValues } from '../skipped-values.js';

/**
 * Saves `ARGV[2]` as `ARGV[1]` in hash `KEYS[1]`; a new id gets the next insertion sequence
 * (`KEYS[3]`) in `KEYS[2]`, a replaced one keeps its place, as a Map does in MemoryStorage.
 */
const SAVE_ORDERED = `
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/** Deletes letters (hash `KEYS[1]`, order `KEYS[2]`) that failed before `ARGV[1]`; returns how many. */
const PURGE_LETTERS = `
local ts = ARGV[1] == 'inf' and math.huge or tonumber(ARGV[1])
local n = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local ok, v = pcall(cjson.decode, all[i + 1])
  if ok and type(v) == 'table' and type(v.failedAt) == 'number' and v.failedAt < ts then
    n = n + redis.call('HDEL', KEYS[1], all[i])
    redis.call('ZREM', KEYS[2], all[i])
  end
end
return n`;

/** Deletes resolved alerts (hash `KEYS[1]`) that ended (or were updated) before `ARGV[1]`. */
const PURGE_ALERTS = `
local ts = ARGV[1] == 'inf' and math.huge or tonumber(ARGV[1])
local n = 0
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local ok, v = pcall(cjson.decode, all[i + 1])
  if ok and type(v) == 'table' and v.status == 'resolved' then
    local at = v.endsAt
    if type(at) ~= 'number' then at = v.updatedAt end
    if type(at) == 'number' and at < ts then n = n + redis.call('HDEL', KEYS[1], all[i]) end
  end
end
return n`;

/** A hash of records by id plus a sorted set of their insertion order. */
interface OrderedHash {
  hash: string;
  order: string;
}

/**
 * Alert records, rules and both kinds of dead letters, as JSON in hashes. Results are sorted
 * here exactly as MemoryStorage sorts them; ties keep the first-save order.
 */
export class RedisRecords {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    /** Where records a read skips (they do not parse to an object) are reported. */
    private readonly report: SideFailureReporter = () => {},
  ) {}

  async saveAlert(alert: AlertRecord): Promise<void> {
    await this.client.hset(this.keys.alerts, alert.id, JSON.stringify(alert));
  }

  async queryAlerts(query: AlertQuery): Promise<AlertRecord[]> {
    let stored = await this.client.hvals(this.keys.alerts);
    // A record of a status holds its value as a JSON string token (JSON.stringify escapes no
    // letter): those without it are not parsed. The rule engine asks for the firing and the
    // pending records every tick, of a hash that holds every record of every status. A record
    // holding an escape (\u) is parsed anyway: another writer may have spelled the status with one.
    if (query.status !== undefined) {
      const token = JSON.stringify(query.status);
      stored = stored.filter((json) => json.includes(token) || json.includes('\\u'));
    }
    const all = this.parsed<AlertRecord>(stored, 'queryAlerts');
    const out = all.filter(
      (a) =>
        (query.status === undefined || a.status === query.status) &&
        (query.ruleId === undefined || a.ruleId === query.ruleId) &&
        (query.fingerprint === undefined || a.fingerprint === query.fingerprint) &&
        (query.from === undefined || a.updatedAt >= query.from) &&
        (query.to === undefined || a.updatedAt < query.to),
    );
    out.sort((x, y) => y.updatedAt - x.updatedAt || (x.id < y.id ? 1 : -1));
    return out.slice(0, query.limit ?? out.length);
  }

  saveRule(rule: StoredRule): Promise<void> {
    return this.saveOrdered(this.rulesKeys, rule.id, rule);
  }

  deleteRule(id: string): Promise<boolean> {
    return this.deleteOrdered(this.rulesKeys, id);
  }

  async listRules(): Promise<StoredRule[]> {
    return (await this.listOrdered<StoredRule>(this.rulesKeys, 'listRules')).sort((a, b) => a.createdAt - b.createdAt);
  }

  saveDeadLetter(letter: DeadLetter): Promise<void> {
    return this.saveOrdered(this.deadLetterKeys, letter.id, letter);
  }

  async listDeadLetters(query: DeadLetterQuery): Promise<DeadLetter[]> {
    const out = (await this.listOrdered<DeadLetter>(this.deadLetterKeys, 'listDeadLetters')).filter((d) => query.channel === undefined || d.channel === query.channel);
    out.sort((a, b) => a.failedAt - b.failedAt);
    return out.slice(0, query.limit ?? out.length);
  }

  deleteDeadLetter(id: string): Promise<boolean> {
    return this.deleteOrdered(this.deadLetterKeys, id);
  }

  saveJobDeadLetter(letter: JobDeadLetter): Promise<void> {
    return this.saveOrdered(this.jobDeadLetterKeys, letter.id, letter);
  }

  async listJobDeadLetters(query: JobDeadLetterQuery): Promise<JobDeadLetter[]> {
    const out = (await this.listOrdered<JobDeadLetter>(this.jobDeadLetterKeys, 'listJobDeadLetters')).filter((d) => query.job === undefined || d.job === query.job);
    out.sort((a, b) => a.failedAt - b.failedAt);
    return out.slice(0, query.limit ?? out.length);
  }

  deleteJobDeadLetter(id: string): Promise<boolean> {
    return this.deleteOrdered(this.jobDeadLetterKeys, id);
  }

  /** Removes resolved alerts and both kinds of dead letters older than `timestamp`; exact count. */
  async purgeBefore(timestamp: number): Promise<number> {
    if (Number.isNaN(timestamp) || timestamp === -Infinity) return 0;
    const ts = timestamp === Infinity ? 'inf' : String(timestamp);
    const k = this.keys;
    const counts = (await exec(
      this.client
        .pipeline()
        .eval(PURGE_ALERTS, 1, k.alerts, ts)
        .eval(PURGE_LETTERS, 2, k.deadLetters, k.deadLettersOrder, ts)
        .eval(PURGE_LETTERS, 2, k.jobDeadLetters, k.jobDeadLettersOrder, ts),
    )) as number[];
    return counts.reduce((sum, n) => sum + Number(n), 0);
  }

  private get rulesKeys(): OrderedHash {
    return { hash: this.keys.rules, order: this.keys.rulesOrder };
  }

  private get deadLetterKeys(): OrderedHash {
    return { hash: this.keys.deadLetters, order: this.keys.deadLettersOrder };
  }

  private get jobDeadLetterKeys(): OrderedHash {
    return { hash: this.keys.jobDeadLetters, order: this.keys.jobDeadLettersOrder };
  }

  private async saveOrdered(at: OrderedHash, id: string, record: unknown): Promise<void> {
    await this.client.eval(SAVE_ORDERED, 3, at.hash, at.order, this.keys.seq, id, JSON.stringify(record));
  }

  private async deleteOrdered(at: OrderedHash, id: string): Promise<boolean> {
    const [removed] = (await exec(this.client.multi().hdel(at.hash, id).zrem(at.order, id))) as [number, number];
    return removed > 0;
  }

  /** Every record of the hash, in first-save order (callers then sort stably by their field). */
  private async listOrdered<T>(at: OrderedHash, operation: string): Promise<T[]> {
    const [fields, order] = (await exec(this.client.pipeline().hgetall(at.hash).zrange(at.order, 0, -1))) as [Record<string, string>, string[]];
    const stored: string[] = [];
    const seen = new Set<string>();
    for (const id of order) {
      const json = fields[id];
      if (json === undefined) continue;
      seen.add(id);
      stored.push(json);
    }
    // A record without an order entry (written by hand, or mid-delete): after the others.
    for (const id of Object.keys(fields)) if (!seen.has(id)) stored.push(fields[id]!);
    return this.parsed<T>(stored, operation);
  }

  /**
   * The records that parse to a JSON object, in order; the others (a torn write, a hand edit)
   * are skipped and reported once: one of them must not hide the rest (every firing alert).
   */
  private parsed<T>(stored: readonly string[], operation: string): T[] {
    const out: T[] = [];
    const skipped = new SkippedValues('RedisStorage');
    for (const json of stored) {
      try {
        const record = JSON.parse(json) as unknown;
        if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new TypeError('a record that is not a JSON object');
        out.push(record as T);
      } catch (error) {
        skipped.add(json, error);
      }
    }
    skipped.reportTo(this.report, operation, 'stored record', 'stored records');
    return out;
  }
}
