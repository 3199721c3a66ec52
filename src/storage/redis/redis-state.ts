import { StorageError } from '../../core/errors.js';
import type { SideFailureReporter } from '../side-failures.js';
import type { StateEntry } from '../state.js';
import type { RedisKeys } from './redis-keys.js';
import type { RedisClient } from './redis-rollups.js';

/**
 * Stores a state entry unless its key has one. KEYS: the state hash, its key index. ARGV: key,
 * `updatedAt\nJSON`. HSETNX decides (atomic on the server: of racing writers exactly one gets 1);
 * the index (score 0, ordered by bytes) is what prefix reads range over.
 */
const PUT = `if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('ZADD', KEYS[2], 0, ARGV[1])
  return 1
end
return 0`;

/**
 * Reads the entries under a prefix, in one consistent step. KEYS: the state hash, its key index.
 * ARGV: prefix, limit. Byte order is code point order for UTF-8, and no UTF-8 string holds the
 * byte 0xFF: `[prefix` to `(prefix\\255` is exactly the keys that start with it.
 */
const READ = `local prefix, limit = ARGV[1], tonumber(ARGV[2])
local min, max = '-', '+'
if prefix ~= '' then min, max = '[' .. prefix, '(' .. prefix .. '\\255' end
local keys = redis.call('ZRANGEBYLEX', KEYS[2], min, max, 'LIMIT', 0, limit)
local values = {}
for i = 1, #keys, 1000 do
  local part = redis.call('HMGET', KEYS[1], unpack(keys, i, math.min(i + 999, #keys)))
  for _, v in ipairs(part) do values[#values + 1] = v end
end
return { keys, values }`;

/** Deletes an entry and its index member. KEYS: the state hash, its key index. ARGV: key. */
const DELETE = `local n = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return n`;

/**
 * `RedisStorage`'s state role: one hash for the store's prefix (`P state`: key → `updatedAt`,
 * newline, value JSON) and a lexicographic index of its keys (`P state:keys`), changed together
 * by scripts. Entries never expire: they are learned state, not time series.
 */
export class RedisState {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    /** Where entries `read` skips are reported. */
    private readonly report: SideFailureReporter = () => {},
  ) {}

  async put(key: string, json: string, updatedAt: number): Promise<boolean> {
    return (await this.client.eval(PUT, 2, this.keys.state, this.keys.stateKeys, key, `${updatedAt}\n${json}`)) === 1;
  }

  async read(prefix: string, limit: number): Promise<StateEntry[]> {
    if (limit === 0) return [];
    const [keys, values] = (await this.client.eval(READ, 2, this.keys.state, this.keys.stateKeys, prefix, limit)) as [string[], (string | false | null)[]];
    const out: StateEntry[] = [];
    const bad: string[] = [];
    keys.forEach((key, i) => {
      const stored = values[i];
      // Deleted between the two reads cannot happen (one script); a field without its index entry is skipped.
      if (typeof stored !== 'string') return;
      const entry = parseEntry(key, stored);
      if (entry === undefined) bad.push(key);
      else out.push(entry);
    });
    // One entry written by something else must not hide the others (every job baseline of a service).
    if (bad.length > 0) {
      const shown = bad.slice(0, 3).map((k) => JSON.stringify(k.slice(0, 100))).join(', ');
      const entries = bad.length === 1 ? '1 state entry' : `${bad.length} state entries`;
      this.report(new StorageError(`RedisStorage: readState skipped ${entries} not in the form it writes (updatedAt, newline, JSON): ${shown}${bad.length > 3 ? ', ...' : ''}`));
    }
    return out;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.eval(DELETE, 2, this.keys.state, this.keys.stateKeys, key)) === 1;
  }
}

/** `stored` (`updatedAt`, newline, JSON) as an entry; undefined when it is not that. */
function parseEntry(key: string, stored: string): StateEntry | undefined {
  const cut = stored.indexOf('\n');
  if (cut <= 0) return undefined;
  const updatedAt = Number(stored.slice(0, cut));
  if (!Number.isFinite(updatedAt)) return undefined;
  try {
    return { key, value: JSON.parse(stored.slice(cut + 1)) as unknown, updatedAt };
  } catch {
    return undefined;
  }
}
